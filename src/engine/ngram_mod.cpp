#include "engine/ngram_mod.h"

#include <algorithm>

namespace cria {

namespace {

constexpr Token kEmpty = -1;
constexpr double kFullShare = 0.25;    // a new sequence empties a pool with more buckets used
constexpr double kLowAccepted = 0.25;  // a draft with a smaller share accepted is a failure
constexpr int32_t kFailuresToReset = 5;

}  // namespace

NgramMod::NgramMod(const NgramModParams& params, int32_t n_slots, size_t n_buckets)
    : n_(static_cast<size_t>(std::max(1, params.n_match))),
      n_min_(std::max(0, params.n_min)),
      n_max_(std::max(0, params.n_max)),
      n_buckets_(std::max<size_t>(1, n_buckets)),
      slots_(static_cast<size_t>(std::max(1, n_slots))) {}

NgramMod::SlotState& NgramMod::slot(int32_t seq) {
    const size_t i = static_cast<size_t>(std::max(0, seq));
    if (i >= slots_.size()) slots_.resize(i + 1);
    return slots_[i];
}

size_t NgramMod::bucket(const Token* tokens) const {
    uint64_t h = 0;
    for (size_t i = 0; i < n_; ++i) h = h * 6364136223846793005ull + static_cast<uint32_t>(tokens[i]) + 1;
    return static_cast<size_t>(h % n_buckets_);
}

void NgramMod::add(const Token* ngram_then_next) {
    if (table_.empty()) table_.assign(n_buckets_, kEmpty);
    Token& entry = table_[bucket(ngram_then_next)];
    if (entry == kEmpty) ++used_;
    entry = ngram_then_next[n_];
}

void NgramMod::clear() {
    std::fill(table_.begin(), table_.end(), kEmpty);
    used_ = 0;
    // Every slot adds its context again: the pool keeps serving the sequences still running.
    for (auto& state : slots_) state.next_start = 0;
}

void NgramMod::begin(int32_t seq) {
    if (static_cast<double>(used_) > kFullShare * static_cast<double>(n_buckets_)) clear();
    slot(seq) = SlotState{};
}

std::vector<Token> NgramMod::draft(int32_t seq, const std::vector<Token>& context, int32_t n_max) {
    SlotState& state = slot(seq);
    state.last_draft = 0;
    std::vector<Token> out;
    if (context.size() < n_) return out;
    for (; state.next_start + n_ < context.size(); ++state.next_start) add(context.data() + state.next_start);
    if (table_.empty() || n_max < 1) return out;

    // The window slides over the context's end and then over the draft itself.
    std::vector<Token> window(context.end() - static_cast<std::ptrdiff_t>(n_), context.end());
    while (static_cast<int32_t>(out.size()) < n_max_) {
        const Token next = table_[bucket(window.data() + out.size())];
        if (next == kEmpty) break;
        out.push_back(next);
        window.push_back(next);
    }
    if (static_cast<int32_t>(out.size()) < std::max(1, n_min_)) return {};
    if (static_cast<int32_t>(out.size()) > n_max) out.resize(static_cast<size_t>(n_max));
    state.last_draft = out.size();
    return out;
}

void NgramMod::accepted(int32_t seq, int32_t n_accepted) {
    SlotState& state = slot(seq);
    if (state.last_draft == 0) return;
    const double share = static_cast<double>(std::max(0, n_accepted)) / static_cast<double>(state.last_draft);
    state.last_draft = 0;
    if (share >= kLowAccepted) {
        state.low_streak = 0;
    } else if (++state.low_streak >= kFailuresToReset) {
        state.low_streak = 0;
        clear();
    }
}

}  // namespace cria
