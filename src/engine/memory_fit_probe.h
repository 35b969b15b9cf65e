// --fit for the engine: measures the devices (ggml_backend_dev_memory) and the model (its metadata,
// loaded without weights), asks plan_memory_fit() (memory_fit.h) and applies the plan to the config
// before the model loads. Llama-free header; Engine::load() calls it once, for the main model.
#pragma once

#include "engine/engine_config.h"

namespace cria {

// Adjusts config->n_ctx, n_gpu_layers and tensor_split as --fit decides, and logs what it decided.
// Leaves the config as it is when fit is off or the model cannot be read (the load then reports it).
void fit_to_device_memory(EngineConfig* config);

}  // namespace cria
