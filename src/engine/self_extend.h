// SelfExtend: group attention ("self-extend", Jin et al., "LLM Maybe LongLM", 2024) on a slot's
// KV-cache sequence, so that a slot can hold more tokens than the model's training context
// without reaching positions the model never saw.
//
// Idea: nearby tokens keep exact, consecutive positions; older tokens get grouped positions, every
// `factor` consecutive tokens sharing one. Every token still has its own KV cell (memory grows as
// usual), but positions grow `factor` times slower beyond the most recent `width` tokens.
//
// How: the sequence is cut into windows of `width` tokens. While a window fills, its tokens take
// consecutive positions right after the grouped ones. Once it is full (and decoded), and before
// the next token is added, the window is moved to positions [k*width, (k+1)*width) (k = windows
// already grouped) and its positions are divided by `factor` (the memory's seq_add / seq_div;
// libllama re-rotates the keys at the next decode). Afterwards token i of any grouped window sits
// at position i / factor, and the next window starts right after: libllama's rule that a
// sequence's next position is its largest plus one still holds. Prompt chunks stop at window
// boundaries, so a window is always grouped whole.
//
// The KV cache owner (engine/kv/kv_cache.h) keeps one SelfExtendState per sequence; positions no longer equal token indices
// there, which is why prefix sharing between slots and context shifting are off with self-extend.
#pragma once

#include <llama.h>

#include <cstddef>
#include <cstdint>

namespace cria {

struct SelfExtendState {
    llama_pos grouped_end = 0;  // positions [0, grouped_end) hold the grouped windows
    llama_pos next_pos = 0;     // the position the next token gets
};

class SelfExtend {
public:
    // factor 1 disables it (width is then unused). Otherwise width is a multiple of factor.
    SelfExtend(int32_t factor, int32_t width) : factor_(factor), width_(width) {}

    bool enabled() const { return factor_ > 1; }
    int32_t factor() const { return factor_; }
    int32_t width() const { return width_; }

    // Pure position arithmetic: the KV cache's owner (engine/kv/kv_cache.h) applies the moves to
    // the memory; this class never touches it.

    // True when the window still filling is full: it must be grouped before another token is added.
    bool window_full(const SelfExtendState& state) const {
        return enabled() && state.next_pos - state.grouped_end >= width_;
    }

    // Groups the full window (precondition: window_full(state)), advancing the state. The caller
    // must move positions [move_from, move_from + width) by `delta`, then divide positions
    // [divide_from, divide_from + width) by `factor`, in that order.
    struct WindowMove {
        llama_pos move_from = 0;
        llama_pos delta = 0;
        llama_pos divide_from = 0;
        llama_pos width = 0;
        int32_t factor = 1;
    };
    WindowMove group_window(SelfExtendState& state) const;

    // How many tokens may be added before the window is full (at least 1 after any needed
    // group_window()).
    int32_t room(const SelfExtendState& state) const { return width_ - (state.next_pos - state.grouped_end); }

    // The position of the next token added, advancing the state.
    llama_pos take_position(SelfExtendState& state) const { return state.next_pos++; }

    // Keeping only the first n_tokens tokens of the sequence: a cut inside a grouped window is
    // moved back to that window's start. Updates the state; returns how many tokens are kept. The
    // caller must then remove positions [state.next_pos, end) from the memory.
    size_t cut_prefix(SelfExtendState& state, size_t n_tokens) const;

    // The position token `index` of a sequence in `state` sits at (index < the sequence's size).
    llama_pos position_of(const SelfExtendState& state, size_t index) const;

    // The state of a sequence of n_tokens tokens that this class built and that is not growing
    // (a window is grouped only when a token follows it). Disabled: next_pos = n_tokens. For
    // checking a restored slot file.
    SelfExtendState state_for(size_t n_tokens) const;

    // The largest position a sequence of n_tokens tokens reaches (for the start-up log).
    int64_t max_position(int64_t n_tokens) const;

private:
    int32_t factor_;
    int32_t width_;
};

}  // namespace cria
