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
// already grouped) and its positions are divided by `factor` (llama_memory_seq_add / seq_div;
// libllama re-rotates the keys at the next decode). Afterwards token i of any grouped window sits
// at position i / factor, and the next window starts right after: libllama's rule that a
// sequence's next position is its largest plus one still holds. Prompt chunks stop at window
// boundaries, so a window is always grouped whole.
//
// The scheduler keeps one SelfExtendState per slot; positions no longer equal token indices
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

    // Before tokens are added to the sequence: groups the current window if it is full. Returns
    // how many tokens may be added before the window is full again (at least 1).
    int32_t make_room(llama_memory_t memory, llama_seq_id seq, SelfExtendState& state) const;

    // The position of the next token added, advancing the state.
    llama_pos take_position(SelfExtendState& state) const { return state.next_pos++; }

    // Keeps the first n_tokens tokens of the sequence and removes the rest. A cut inside a grouped
    // window is moved back to that window's start. Returns how many tokens were kept.
    size_t keep_prefix(llama_memory_t memory, llama_seq_id seq, SelfExtendState& state, size_t n_tokens) const;

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
