#include "engine/self_extend.h"

#include <algorithm>

namespace cria {

int32_t SelfExtend::make_room(llama_memory_t memory, llama_seq_id seq, SelfExtendState& state) const {
    const llama_pos in_window = state.next_pos - state.grouped_end;
    if (in_window >= width_) {
        // The full window sits at [grouped_end, grouped_end + width). Move it to where its tokens
        // would be without grouping, [grouped_end * factor, ... + width), so that the division
        // gives each token index i the position i / factor.
        const llama_pos start = state.grouped_end;
        const llama_pos moved = start * factor_;
        llama_memory_seq_add(memory, seq, start, start + width_, moved - start);
        llama_memory_seq_div(memory, seq, moved, moved + width_, factor_);
        state.grouped_end += width_ / factor_;
        state.next_pos = state.grouped_end;
        return width_;
    }
    return width_ - in_window;
}

size_t SelfExtend::keep_prefix(llama_memory_t memory, llama_seq_id seq, SelfExtendState& state, size_t n_tokens) const {
    const size_t group = static_cast<size_t>(width_ / factor_);  // positions per grouped window
    const size_t grouped_tokens = static_cast<size_t>(state.grouped_end) / group * static_cast<size_t>(width_);
    if (n_tokens >= grouped_tokens) {
        // The cut is in the window still filling, where positions are consecutive.
        state.next_pos = state.grouped_end + static_cast<llama_pos>(n_tokens - grouped_tokens);
    } else {
        // Tokens of a grouped window share positions: keep whole windows only.
        const size_t windows = n_tokens / static_cast<size_t>(width_);
        n_tokens = windows * static_cast<size_t>(width_);
        state.grouped_end = static_cast<llama_pos>(windows * group);
        state.next_pos = state.grouped_end;
    }
    llama_memory_seq_rm(memory, seq, state.next_pos, -1);
    return n_tokens;
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
