// MtpHead: drafting with the main model's own multi-token-prediction (NextN) layers
// (--spec-type draft-mtp), as llama-server's draft-mtp does; HiddenStateDrafter runs it.
//
// A model trained with MTP carries, after its layers, a NextN block: from the embedding of token
// t+1 and the model's hidden state at t (the input of its output head) it predicts token t+2.
// libllama loads those layers when asked (llama_model_params.load_mtp) and runs them in a context
// of their own type (LLAMA_CONTEXT_TYPE_MTP) over the same model, whose KV cache holds the block's
// keys and values. Row q of that context sits at position q and pairs token q with the main
// model's hidden state at q - 1 (zeros for row 0).
#pragma once

#include <memory>
#include <string>

#include "engine/engine.h"
#include "engine/hidden_state_drafter.h"
#include "engine/loaded_model.h"

namespace cria {

// Creates the MTP context over `main` (loaded with its NextN layers: EngineConfig's sources list
// draft-mtp) and turns on the main context's hidden states. Fails (null, *error set) when the model
// has no NextN layers.
std::unique_ptr<DraftHead> create_mtp_head(const EngineConfig& config, const LoadedModel& main, std::string* error);

}  // namespace cria
