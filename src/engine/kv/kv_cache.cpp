#include "engine/kv/kv_cache.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>

#include "util/log.h"

namespace cria {

namespace {

// "(pos_min = 8, pos_max = 263, n_tokens = 264, size = 0.002 MiB)", as llama-server logs checkpoints.
std::string describe(const ContextCheckpoint& c) {
    char size[32];
    std::snprintf(size, sizeof(size), "%.3f", static_cast<double>(c.bytes()) / (1024.0 * 1024.0));
    return "(pos_min = " + std::to_string(c.pos_min) + ", pos_max = " + std::to_string(c.pos_max) +
           ", n_tokens = " + std::to_string(c.n_tokens) + ", size = " + size + " MiB)";
}

std::string seq_name(int32_t seq) { return "slot " + std::to_string(seq) + ": "; }

}  // namespace

KvCache::KvCache(KvMemory& memory, int32_t n_seq, SelfExtend self_extend, bool unified, int64_t host_budget_bytes,
                 PartialMemory partial)
    : memory_(memory),
      self_extend_(self_extend),
      unified_(unified),
      sequences_(static_cast<size_t>(n_seq)),
      host_(host_budget_bytes),
      partial_(partial) {
    const size_t max = checkpoints_enabled() ? partial.max_checkpoints : 0;
    for (auto& s : sequences_) s.checkpoints = ContextCheckpoints(max, partial.checkpoint_min_step);
}

bool KvCache::keeps_prefix(int32_t seq, size_t n_tokens) const {
    if (n_tokens >= at(seq).tokens.size()) return true;
    if (partial_.recurrent) return false;
    if (partial_.n_swa <= 0) return true;
    const auto n = static_cast<llama_pos>(n_tokens);
    return memory_.seq_pos_min(seq) <= std::max<llama_pos>(0, n - partial_.n_swa);
}

size_t KvCache::shortest_prefix(int32_t seq) const {
    const size_t size = at(seq).tokens.size();
    if (cuts_anywhere()) return 0;
    if (partial_.recurrent) return size;
    const llama_pos pos_min = memory_.seq_pos_min(seq);
    if (pos_min <= 0) return 0;
    return std::min(size, static_cast<size_t>(pos_min) + static_cast<size_t>(partial_.n_swa));
}

bool KvCache::checkpoints_enabled() const {
    return partial_.max_checkpoints > 0 && !cuts_anywhere() && !self_extend_.enabled();
}

size_t KvCache::save_checkpoint(int32_t seq, uint64_t request) {
    Sequence& s = at(seq);
    if (!s.checkpoints.enabled() || s.copy_pending || !s.draft.empty() || s.tokens.empty() ||
        s.checkpoints.has(s.tokens.size())) {
        return 0;
    }
    ContextCheckpoint c;
    c.n_tokens = s.tokens.size();
    c.pos_min = memory_.seq_pos_min(seq);
    c.pos_max = memory_.seq_pos_max(seq);
    c.request = request;
    c.state = memory_.seq_partial_state(seq);
    if (c.state.empty()) return 0;
    const size_t bytes = c.bytes();
    const std::string what = describe(c);
    for (const auto& dropped : s.checkpoints.add(std::move(c))) {
        log_info(seq_name(seq) + "erasing context checkpoint to make room " + describe(dropped));
    }
    log_info(seq_name(seq) + "created context checkpoint " + std::to_string(s.checkpoints.size()) + " of " +
             std::to_string(partial_.max_checkpoints) + " " + what);
    return bytes;
}

size_t KvCache::checkpoint_bytes() const {
    size_t total = 0;
    for (const auto& s : sequences_) total += s.checkpoints.bytes();
    return total;
}

size_t KvCache::checkpoint_count() const {
    size_t total = 0;
    for (const auto& s : sequences_) total += s.checkpoints.size();
    return total;
}

size_t KvCache::restore_checkpoint(int32_t seq, size_t n_tokens) {
    Sequence& s = at(seq);
    const ContextCheckpoint* c = s.checkpoints.latest_at_or_before(n_tokens);
    if (c != nullptr && memory_.set_seq_partial_state(seq, c->state)) {
        log_info(seq_name(seq) + "restored context checkpoint " + describe(*c) + " for a prefix of " +
                 std::to_string(n_tokens) + " tokens");
        ++checkpoint_restores_;
        return c->n_tokens;
    }
    // A refused state may have been loaded in part: nothing of the sequence can be trusted.
    log_info(seq_name(seq) + "computing the prompt from the start: the cache no longer holds the " +
             std::to_string(n_tokens) + "-token prefix (sliding-window or recurrent memory) and no context " +
             "checkpoint " + (c != nullptr ? "could be restored" : "lies at or before it"));
    clear(seq);
    return 0;
}

void KvCache::drop_checkpoints_after(int32_t seq, size_t n_tokens) {
    for (const auto& dropped : at(seq).checkpoints.drop_after(n_tokens)) {
        log_info(seq_name(seq) + "erased invalidated context checkpoint " + describe(dropped));
    }
}

llama_pos KvCache::position_of(int32_t seq, size_t index) const {
    return self_extend_.position_of(at(seq).self_extend, index);
}

llama_pos KvCache::next_position(int32_t seq) const {
    const Sequence& s = at(seq);
    if (self_extend_.enabled()) return s.self_extend.next_pos;
    return static_cast<llama_pos>(s.tokens.size() + s.draft.size());
}

size_t KvCache::reuse_prefix(int32_t seq, size_t n_tokens, const LoraScales& lora) {
    Sequence& s = at(seq);
    s.lora = lora;
    if (!self_extend_.enabled()) {
        if (n_tokens > 0 && !keeps_prefix(seq, n_tokens)) {
            n_tokens = restore_checkpoint(seq, n_tokens);
            if (n_tokens == 0) return 0;
        }
        return truncate(seq, n_tokens) ? n_tokens : 0;
    }
    n_tokens = self_extend_.cut_prefix(s.self_extend, n_tokens);
    if (!memory_.seq_rm(seq, s.self_extend.next_pos, -1)) {
        clear(seq);
        return 0;
    }
    s.tokens.resize(n_tokens);
    s.draft.clear();
    return n_tokens;
}

void KvCache::clear(int32_t seq) {
    Sequence& s = at(seq);
    memory_.seq_rm(seq, -1, -1);
    s.tokens.clear();
    s.draft.clear();
    s.self_extend = {};
    s.checkpoints.clear();
}

int32_t KvCache::make_room(int32_t seq) {
    if (!self_extend_.enabled()) return std::numeric_limits<int32_t>::max();
    SelfExtendState& state = at(seq).self_extend;
    if (self_extend_.window_full(state)) {
        const SelfExtend::WindowMove move = self_extend_.group_window(state);
        memory_.seq_add(seq, move.move_from, move.move_from + move.width, move.delta);
        memory_.seq_div(seq, move.divide_from, move.divide_from + move.width, move.factor);
    }
    return self_extend_.room(state);
}

llama_pos KvCache::append(int32_t seq, Token token) {
    Sequence& s = at(seq);
    const llama_pos pos = self_extend_.enabled() ? self_extend_.take_position(s.self_extend)
                                                 : static_cast<llama_pos>(s.tokens.size());
    s.tokens.push_back(token);
    return pos;
}

llama_pos KvCache::append_draft(int32_t seq, Token token) {
    const llama_pos pos = next_position(seq);
    at(seq).draft.push_back(token);
    return pos;
}

void KvCache::append_decoded(int32_t seq, const Token* first, const Token* last) {
    at(seq).tokens.insert(at(seq).tokens.end(), first, last);
}

void KvCache::decoded() {
    for (auto& s : sequences_) s.copy_pending = s.copy_source = false;
}

void KvCache::accept_draft(int32_t seq) {
    Sequence& s = at(seq);
    s.tokens.push_back(s.draft.front());
    s.draft.erase(s.draft.begin());
}

bool KvCache::drop_drafts(int32_t seq) {
    return truncate(seq, size(seq));
}

bool KvCache::truncate(int32_t seq, size_t n_tokens) {
    Sequence& s = at(seq);
    if (!memory_.seq_rm(seq, static_cast<llama_pos>(n_tokens), -1)) {
        clear(seq);
        return false;
    }
    s.tokens.resize(n_tokens);
    s.draft.clear();
    drop_checkpoints_after(seq, n_tokens);
    return true;
}

void KvCache::share_prefix(int32_t from, int32_t to, size_t n_tokens) {
    memory_.seq_rm(to, -1, -1);
    if (unified_) {
        // Both sequences then point at the same cells: nothing is copied or recomputed.
        memory_.seq_cp(from, to, 0, static_cast<llama_pos>(n_tokens));
    } else {
        // Separate streams: libllama copies only whole streams, and does it at the next decode
        // (a memcpy, far cheaper than recomputing the prefix). The tail is dropped right away.
        memory_.seq_cp(from, to, -1, -1);
        memory_.seq_rm(to, static_cast<llama_pos>(n_tokens), -1);
        at(to).copy_pending = true;
        at(from).copy_source = true;
    }
    const Sequence& source = at(from);
    Sequence& target = at(to);
    target.tokens.assign(source.tokens.begin(), source.tokens.begin() + static_cast<std::ptrdiff_t>(n_tokens));
    target.draft.clear();
    target.checkpoints.clear();  // states of what `to` held before
    target.lora = source.lora;
    target.self_extend = self_extend_.state_for(n_tokens);
}

void KvCache::shift(int32_t seq, size_t n_keep, size_t n_discard) {
    Sequence& s = at(seq);
    const auto keep = static_cast<llama_pos>(n_keep);
    const auto discard = static_cast<llama_pos>(n_discard);
    memory_.seq_rm(seq, keep, keep + discard);
    memory_.seq_add(seq, keep + discard, static_cast<llama_pos>(s.tokens.size()), -discard);
    s.tokens.erase(s.tokens.begin() + keep, s.tokens.begin() + keep + discard);
    s.checkpoints.clear();  // their positions moved
}

bool KvCache::adopt_restored(int32_t seq, std::vector<Token> tokens, const LoraScales& lora) {
    Sequence& s = at(seq);
    s.self_extend = self_extend_.state_for(tokens.size());
    s.tokens = std::move(tokens);
    s.draft.clear();
    s.checkpoints.clear();  // of what the sequence held before the file
    s.lora = lora;
    if (memory_.seq_pos_max(seq) + 1 == s.self_extend.next_pos) return true;
    clear(seq);
    return false;
}

size_t KvCache::reuse_chunks(int32_t seq, const std::vector<Token>& prompt, size_t limit, size_t n_prefix,
                             size_t min_chunk, const LoraScales& lora) {
    Sequence& s = at(seq);
    limit = std::min(limit, prompt.size());
    std::vector<Token> kept(s.tokens.begin(), s.tokens.begin() + static_cast<std::ptrdiff_t>(n_prefix));
    // Cells at index >= `cached` have not moved: their position is still their index. Moved ones
    // sit below kept.size(), which never passes `cached`.
    size_t cached = n_prefix;
    while (cached < s.tokens.size() && kept.size() < limit) {
        size_t n = 0;
        while (cached + n < s.tokens.size() && kept.size() + n < limit && s.tokens[cached + n] == prompt[kept.size() + n]) ++n;
        if (n == 0 || n < min_chunk) {
            ++cached;
            continue;
        }
        const auto to = static_cast<llama_pos>(kept.size());
        const auto from = static_cast<llama_pos>(cached);
        memory_.seq_rm(seq, to, from);  // the unmatched cells skipped since the last chunk
        memory_.seq_add(seq, from, from + static_cast<llama_pos>(n), to - from);
        kept.insert(kept.end(), s.tokens.begin() + static_cast<std::ptrdiff_t>(cached),
                    s.tokens.begin() + static_cast<std::ptrdiff_t>(cached + n));
        cached += n;
    }
    memory_.seq_rm(seq, static_cast<llama_pos>(kept.size()), -1);  // unmoved cells all sit at >= cached
    drop_checkpoints_after(seq, n_prefix);  // what follows the prefix moved
    s.tokens = std::move(kept);
    s.draft.clear();
    s.lora = lora;
    return s.tokens.size();
}

HostCacheKey KvCache::host_key(const LoraScales& lora) const {
    HostCacheKey key;
    key.lora = lora;
    key.self_extend_factor = self_extend_.enabled() ? self_extend_.factor() : 1;
    key.self_extend_width = self_extend_.enabled() ? self_extend_.width() : 0;
    return key;
}

size_t KvCache::save_to_host(int32_t seq, size_t n_kept) {
    const Sequence& s = at(seq);
    if (!host_.enabled() || s.copy_pending || !s.draft.empty()) return 0;
    if (s.tokens.size() < n_kept + kMinSavedTokens) return 0;
    const HostCacheKey key = host_key(s.lora);
    if (host_.covers(key, s.tokens)) return 0;
    HostCacheEntry entry;
    entry.key = key;
    entry.tokens = s.tokens;
    entry.state = memory_.seq_state(seq);
    if (entry.state.empty()) return 0;
    entry.cut_from = shortest_prefix(seq);
    const size_t bytes = entry.bytes();
    return host_.insert(std::move(entry)) ? bytes : 0;
}

size_t KvCache::restore_from_host(int32_t seq, const std::vector<Token>& prompt, size_t limit, const LoraScales& lora,
                                  size_t n_own) {
    if (!host_.enabled() || at(seq).copy_pending || at(seq).copy_source) return 0;
    const auto match = host_.find(host_key(lora), prompt, n_own + kMinRestoreGain, limit);
    if (!match) return 0;
    // An entry whose state cannot be cut to the shared prefix would be loaded only to be cleared.
    if (match->n_tokens < match->entry->tokens.size() && match->n_tokens < match->entry->cut_from) return 0;
    Sequence& s = at(seq);
    clear(seq);
    s.lora = lora;
    if (!memory_.set_seq_state(seq, match->entry->state)) {
        host_.erase(match->entry);
        clear(seq);
        return 0;
    }
    s.self_extend = self_extend_.state_for(match->entry->tokens.size());
    if (memory_.seq_pos_max(seq) + 1 != s.self_extend.next_pos) {  // not the positions we would give them
        host_.erase(match->entry);
        clear(seq);
        return 0;
    }
    s.tokens = match->entry->tokens;
    return match->n_tokens;
}

}  // namespace cria
