// Where the model's weights go (-dev, -ot, --cpu-moe, --n-cpu-moe, --n-cpu-ffn) and how it is
// loaded (--repack, --no-host, -lm, -lzm): BackendConfig turned into llama_model_params.
#pragma once

#include <llama.h>

#include <string>
#include <vector>

#include "engine/engine_config.h"

namespace cria {

// What llama_model_params points into; it must outlive the model load.
struct BackendPlacement {
    std::vector<ggml_backend_dev_t> devices;  // ended by nullptr; empty = every device (libllama's default)
    std::vector<std::string> patterns;        // the override patterns' text
    std::vector<llama_model_tensor_buft_override> overrides;  // ended by {nullptr, nullptr}; empty = none
};

// Resolves device and buffer type names. False with *error naming the unknown one (and the known
// ones) when a name matches no device or buffer type.
bool make_backend_placement(const BackendConfig& config, BackendPlacement* out, std::string* error);

// Sets the model parameters from the config and the resolved placement (which must outlive the load).
void apply_backend_config(const EngineConfig& config, const BackendPlacement& placement, llama_model_params* params);

// The context parameters of BackendConfig: --op-offload, --perf, --moe-cache-mib.
void apply_backend_context_config(const BackendConfig& config, llama_context_params* params);

}  // namespace cria
