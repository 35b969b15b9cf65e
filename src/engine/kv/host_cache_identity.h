// The identity a persisted host prompt cache (host_cache_file.h) is written under and checked
// against: everything the keys and values of a cached state depend on, beyond its own key (LoRA
// scales, self-extend) and tokens. Text, one "name=value" line each, so a mismatch can be logged.
#pragma once

#include <string>

#include "engine/engine.h"
#include "engine/engine_config.h"

struct llama_model;

namespace cria {

// The model file (its size, a hash of its first MiB, of its metadata and description), the
// context (slot size, slots, unified KV, KV types, flash attention, RoPE/YaRN tuning), self-extend,
// the LoRA adapters and control vectors loaded (paths, sizes) and metadata overrides.
std::string host_cache_identity(const llama_model* model, const EngineConfig& config, const EngineInfo& info);

}  // namespace cria
