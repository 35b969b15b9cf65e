#include "engine/self_extend.h"

#include <algorithm>

namespace cria {

SelfExtend::WindowMove SelfExtend::group_window(SelfExtendState& state) const {
    // The full window sits at [grouped_end, grouped_end + width). Move it to where its tokens
    // would be without grouping, [grouped_end * factor, ... + width), so that the division
    // gives each token index i the position i / factor.
    WindowMove move;
    move.move_from = state.grouped_end;
    move.divide_from = state.grouped_end * factor_;
    move.delta = move.divide_from - move.move_from;
    move.width = width_;
    move.factor = factor_;
    state.grouped_end += width_ / factor_;
    state.next_pos = state.grouped_end;
    return move;
}

size_t SelfExtend::cut_prefix(SelfExtendState& state, size_t n_tokens) const {
    const size_t group = static_cast<size_t>(width_ / factor_);  // positions per grouped window
    const size_t grouped_tokens = static_cast<size_t>(state.grouped_end) / group * static_cast<size_t>(width_);
    if (n_tokens >= grouped_tokens) {
        // The cut is in the window still filling, where positions are consecutive.
        state.next_pos = state.grouped_end + static_cast<llama_pos>(n_tokens - grouped_tokens);
        return n_tokens;
    }
    // Tokens of a grouped window share positions: keep whole windows only.
    const size_t windows = n_tokens / static_cast<size_t>(width_);
    state.grouped_end = static_cast<llama_pos>(windows * group);
    state.next_pos = state.grouped_end;
    return windows * static_cast<size_t>(width_);
}

llama_pos SelfExtend::position_of(const SelfExtendState& state, size_t index) const {
    if (!enabled()) return static_cast<llama_pos>(index);
    const size_t group = static_cast<size_t>(width_ / factor_);
    const size_t grouped_tokens = static_cast<size_t>(state.grouped_end) / group * static_cast<size_t>(width_);
    if (index < grouped_tokens) return static_cast<llama_pos>(index / static_cast<size_t>(factor_));
    return state.grouped_end + static_cast<llama_pos>(index - grouped_tokens);
}

SelfExtendState SelfExtend::state_for(size_t n_tokens) const {
    if (!enabled() || n_tokens == 0) return {0, static_cast<llama_pos>(n_tokens)};
    const size_t windows = (n_tokens - 1) / static_cast<size_t>(width_);
    SelfExtendState state;
    state.grouped_end = static_cast<llama_pos>(windows * static_cast<size_t>(width_ / factor_));
    state.next_pos = state.grouped_end + static_cast<llama_pos>(n_tokens - windows * static_cast<size_t>(width_));
    return state;
}

int64_t SelfExtend::max_position(int64_t n_tokens) const {
    if (n_tokens <= 0) return -1;
    if (!enabled()) return n_tokens - 1;
    // Token i is added after floor(i / width) windows were grouped, at position
    // (windows * width) / factor + i % width. The largest is at the last token, or at the last
    // token of the window before it.
    auto position = [&](int64_t i) { return i / width_ * width_ / factor_ + i % width_; };
    int64_t best = position(n_tokens - 1);
    const int64_t last_window_start = (n_tokens - 1) / width_ * width_;
    if (last_window_start > 0) best = std::max(best, position(last_window_start - 1));
    return best;
}

}  // namespace cria
