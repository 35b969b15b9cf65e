// Samplers of our own, written as libllama `llama_sampler` implementations, for the algorithms
// libllama no longer ships (or ships without an option we need). Each function returns a fresh
// sampler that the caller owns: free it with llama_sampler_free, or hand it to
// llama_sampler_chain_add, which takes ownership.
#pragma once

#include <llama.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cria {

// Tail-free sampling (Johnson, 2019). Sorts the candidates by logit (descending), turns them into
// probabilities, and takes the absolute second differences of that sorted curve, normalized to
// sum 1. Tokens are kept while the running sum of those normalized second differences stays
// <= z; the rest (the flat tail) is cut by shrinking cur_p->size in place (cur_p->sorted = true).
// At least max(min_keep, 1) tokens survive. z >= 1 and arrays of 2 or fewer candidates are left
// untouched.
llama_sampler* make_tail_free_sampler(float z, size_t min_keep);

// Repetition penalties over the last `last_n` tokens given to accept() (last_n <= 0 disables the
// sampler). For each candidate seen c > 0 times in that window: a positive logit is divided by
// `repeat`, a non-positive one multiplied by it, then c * frequency + presence is subtracted.
// When penalize_newline is false, the tokens in `newline_tokens` keep their logits. Tokens
// outside [0, n_vocab) are ignored. reset() empties the window; clone() copies it.
//
// Use this instead of llama_sampler_init_penalties only where the newline exemption is needed:
// otherwise libllama's own sampler does the same job.
llama_sampler* make_penalties_sampler(int32_t n_vocab, int32_t last_n, float repeat, float frequency,
                                      float presence, bool penalize_newline,
                                      std::vector<llama_token> newline_tokens);

}  // namespace cria
