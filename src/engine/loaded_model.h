// LoadedModel: the libllama model and context, created from EngineConfig.
#pragma once

#include <llama-cpp.h>

#include <memory>
#include <string>

#include "engine/engine.h"
#include "engine/multimodal.h"

namespace cria {

struct LoadedModel {
    llama_model_ptr model;
    llama_context_ptr context;
    const llama_vocab* vocab = nullptr;
    std::unique_ptr<MediaProjector> media;  // --mmproj; null without
};

// Loads the model file and creates a context for config.n_parallel sequences. On failure returns
// false with a message in *error. Fills *info.
bool load_model(const EngineConfig& config, LoadedModel* out, EngineInfo* info, std::string* error);

}  // namespace cria
