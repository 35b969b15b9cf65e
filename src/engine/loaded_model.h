// LoadedModel: the libllama model and context, created from EngineConfig.
#pragma once

#include <llama-cpp.h>

#include <memory>
#include <string>

#include "engine/cpu_threadpool.h"
#include "engine/engine.h"
#include "engine/multimodal.h"
#include "engine/lora_adapters.h"
#include "engine/rpc_workers.h"

namespace cria {

struct LoadedModel {
    CpuThreadpools threadpools;  // -C, --prio, ...: attached to `context`, so declared first (freed after it)
    llama_model_ptr model;
    llama_context_ptr context;
    const llama_vocab* vocab = nullptr;
    std::unique_ptr<MediaProjector> media;  // --mmproj; null without
    LoraAdapters loras;  // owned by the model (freed with it)
};

// Loads the model file and its LoRA adapters and creates a context for config.n_parallel
// sequences. On failure returns false with a message in *error. Fills *info. `rpc`: the connected
// --rpc workers (null: none), whose devices join the local ones (rpc_workers.h). `other`: the
// context the new one may borrow from (llama_context_params.ctx_other: an EAGLE-3 draft model
// without token embeddings or output matrix of its own uses the main model's).
bool load_model(const EngineConfig& config, LoadedModel* out, EngineInfo* info, std::string* error,
                const RpcWorkers* rpc = nullptr, llama_context* other = nullptr);

}  // namespace cria
