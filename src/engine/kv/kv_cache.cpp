#include "engine/kv/kv_cache.h"

#include <algorithm>
#include <limits>

namespace cria {

KvCache::KvCache(KvMemory& memory, int32_t n_seq, SelfExtend self_extend, bool unified, int64_t host_budget_bytes)
    : memory_(memory),
      self_extend_(self_extend),
      unified_(unified),
      sequences_(static_cast<size_t>(n_seq)),
      host_(host_budget_bytes) {}

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
    if (!self_extend_.enabled()) return truncate(seq, n_tokens) ? n_tokens : 0;
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
}

bool KvCache::adopt_restored(int32_t seq, std::vector<Token> tokens, const LoraScales& lora) {
    Sequence& s = at(seq);
    s.self_extend = self_extend_.state_for(tokens.size());
    s.tokens = std::move(tokens);
    s.draft.clear();
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
    const size_t bytes = entry.bytes();
    return host_.insert(std::move(entry)) ? bytes : 0;
}

size_t KvCache::restore_from_host(int32_t seq, const std::vector<Token>& prompt, size_t limit, const LoraScales& lora,
                                  size_t n_own) {
    if (!host_.enabled() || at(seq).copy_pending || at(seq).copy_source) return 0;
    const auto match = host_.find(host_key(lora), prompt, n_own + kMinRestoreGain, limit);
    if (!match) return 0;
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
