// Sampler chains: SamplingParams -> a libllama sampler chain for one slot.
#pragma once

#include <llama-cpp.h>

#include <vector>

#include "engine/generation_request.h"

namespace cria {

// Builds the chain: penalties (if any), then top-k, top-p, min-p, temperature and a seeded
// random draw; or penalties and argmax when temperature <= 0. `history` (the end of the prompt)
// is fed to the chain so repeat penalties see the prompt too. `n_ctx_slot` resolves
// repeat_last_n = -1.
llama_sampler_ptr make_sampler_chain(const SamplingParams& params, const llama_vocab* vocab,
                                     int32_t n_ctx_slot, const std::vector<Token>& history);

}  // namespace cria
