// Sampler chains: SamplingParams -> a libllama sampler chain for one slot.
#pragma once

#include <llama-cpp.h>

#include <vector>

#include "engine/generation_request.h"

namespace cria {

// Builds the chain: logit biases, then the stages of params.samplers in their order (each absent
// stage is skipped, a repeated one applied twice), then a seeded random draw, or argmax when
// temperature <= 0; when the order names adaptive_p, libllama's adaptive-p sampler (target,
// decay, seed) makes that draw instead, at the end whatever its place in the order. Mirostat 1
// or 2 replaces the stages with penalties, temperature and Mirostat.
// `history` (the end of the prompt) is fed only to the samplers that keep history (penalties,
// DRY). `n_ctx_slot` resolves the "-1 = whole context" windows and bounds every look-back window
// (repeat_last_n, dry_penalty_last_n): a longer one is clamped to it (same output, bounded memory).
llama_sampler_ptr make_sampler_chain(const SamplingParams& params, const llama_vocab* vocab,
                                     int32_t n_ctx_slot, const std::vector<Token>& history);

}  // namespace cria
