// --control-vector, --control-vector-scaled, --control-vector-layer-range: steering vectors added
// to the model's hidden state layer by layer. Each file is a GGUF of F32 tensors "direction.<layer>"
// (layer 1 and up) of n_embd values; the files' vectors, times their scales, are summed.
#pragma once

#include <llama.h>

#include <string>

#include "engine/backend_config.h"

namespace cria {

// Loads the control vectors of `config` and applies their sum to the context (nothing to do
// without any). False with *error naming the file or the problem.
bool apply_control_vectors(const BackendConfig& config, const llama_model* model, llama_context* ctx, std::string* error);

}  // namespace cria
