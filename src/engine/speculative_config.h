// Server-wide settings of speculative decoding (the per-request limits are SpeculativeParams in
// generation_request.h). No libllama types: the HTTP side and main.cpp fill this in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/cpu_placement.h"

namespace cria {

// Where a step's draft comes from.
enum class DraftSource {
    draft_model,  // "draft-simple": a small model with the main model's vocabulary, run greedily
    ngram,        // "ngram-simple": what followed the latest n-gram's previous occurrence in the context
};

struct SpeculativeConfig {
    std::vector<DraftSource> sources;  // tried in order until one drafts something; empty: no speculation
    std::string draft_model_path;      // needed by DraftSource::draft_model
    int32_t n_gpu_layers_draft = -1;   // -1: libllama's default
    int32_t n_ctx_draft = 0;           // the draft context, shared by all slots; 0: the main context's size
    int32_t ngram_size = 12;           // tokens matched by n-gram lookup
    CpuPlacement cpu_draft;            // -Cd, -Crd, --cpu-strict-draft, ...: the draft context's threads
                                       // (unset: as EngineConfig::cpu)
    CpuPlacement cpu_batch_draft;      // -Cbd, --cpu-strict-batch-draft, ...: its batch threads (unset: as cpu_draft)

    bool enabled() const { return !sources.empty(); }
};

}  // namespace cria
