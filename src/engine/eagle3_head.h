// Eagle3Head: drafting with an EAGLE-3 draft model (--spec-type draft-eagle3 with -md), as
// llama-server's draft-eagle3 does; HiddenStateDrafter runs it.
//
// An EAGLE-3 draft model (libllama's eagle3 architecture) is one decoder layer trained on the main
// model's hidden states. It reads, for each position p, the inputs of three of the main model's
// layers (its GGUF names them: "target_layers"; the main model's layer count means its final
// hidden state), which its `fc` projection turns into one vector g[p] (libllama runs that
// projection as the draft context's encoder: llama_encode). Its decoder then takes the pair
// (token p+1, g[p]) at position p and predicts token p+2; its own hidden state of that row is the
// g of the next drafting step. So row q (token q with g[q - 1]) sits at position q - 1, and
// token 0 has no row. The draft model may borrow the main model's token embeddings and output
// matrix (its context is created with the main one as ctx_other).
#pragma once

#include <memory>
#include <string>

#include "engine/engine.h"
#include "engine/hidden_state_drafter.h"
#include "engine/loaded_model.h"

namespace cria {

// Loads the draft model (config.speculative.draft_model_path, with the draft options) and turns on
// the main context's layer inputs that it reads. Fails (null, *error set) when there is no -md, it
// does not load, is not an EAGLE-3 model, or does not fit the main model (layers, widths, vocabulary).
std::unique_ptr<DraftHead> create_eagle3_head(const EngineConfig& config, const LoadedModel& main, std::string* error);

}  // namespace cria
