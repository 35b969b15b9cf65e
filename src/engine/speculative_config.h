// Server-wide settings of speculative decoding (the per-request limits are SpeculativeParams in
// generation_request.h). No libllama types: the HTTP side and main.cpp fill this in.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/backend_config.h"
#include "engine/cpu_placement.h"
#include "engine/ngram_config.h"
#include "engine/synthetic_acceptance.h"

namespace cria {

// Where a step's draft comes from.
enum class DraftSource {
    draft_model,  // "draft-simple": a small model with the main model's vocabulary, run greedily
    ngram,        // "ngram-simple": what followed the latest n-gram's previous occurrence in the context
    ngram_map_k,    // "ngram-map-k": the same from an index of the context's n-grams, after min_hits occurrences
    ngram_map_k4v,  // "ngram-map-k4v": the clearly most frequent of up to four continuations of the n-gram
    ngram_mod,      // "ngram-mod": chained lookups in one hash pool of n-grams shared by all slots
    ngram_cache,    // "ngram-cache": n-gram statistics of the context and of the -lcd/-lcs lookup caches
    draft_mtp,      // "draft-mtp": the main model's own multi-token-prediction (NextN) layers (mtp_head.h)
    draft_eagle3,   // "draft-eagle3": an EAGLE-3 draft model (-md) reading the main model's hidden states (eagle3_head.h)
    draft_dflash,   // "draft-dflash": a DFlash block-diffusion draft model (-md) that reads the main model's
                    // hidden states (dflash_drafter.h)
    draft_dspark,   // "draft-dspark": a DSpark draft model (DFlash with a Markov head and a confidence head)
};

struct SpeculativeConfig {
    std::vector<DraftSource> sources;  // tried in order until one drafts something; empty: no speculation
    std::string draft_model_path;      // needed by DraftSource::draft_model, draft_eagle3, draft_dflash and draft_dspark
    int32_t n_gpu_layers_draft = -1;   // -1: libllama's default
    int32_t n_ctx_draft = 0;           // the draft context, shared by all slots; 0: the main context's size
    NgramConfig ngram;                 // the ngram-* kinds' settings (ngram_config.h)
    SyntheticAcceptanceConfig synthetic;  // --spec-synth-*: benchmarking only (synthetic_acceptance.h)
    bool sample_drafts = false;        // --spec-draft-sampling probabilistic (rejection_sampling.h)
    CpuPlacement cpu_draft;            // -Cd, -Crd, --cpu-strict-draft, ...: the draft context's threads
                                       // (unset: as EngineConfig::cpu)
    CpuPlacement cpu_batch_draft;      // -Cbd, --cpu-strict-batch-draft, ...: its batch threads (unset: as cpu_draft)
    // --spec-draft-backend-sampling: the draft model's argmax runs on its backend device, inside its
    // compute graph (engine/backend_sampling.h); the same token either way.
    bool draft_backend_sampling = true;

    // The draft model's own context and placement, as llama-server takes them (draft_engine_config.h
    // applies them to a copy of the main model's EngineConfig), and where it comes from with -hfd.
    int32_t n_threads_draft = -1;        // -td; -1: as the main model's -t
    int32_t n_threads_batch_draft = -1;  // -tbd; -1: as the main model's batch threads (-tb, else -t)
    int32_t n_ubatch_draft = 0;          // --spec-draft-n-ubatch; 0: as -ub
    std::string cache_type_k_draft = "f16";  // -ctkd: f16 whatever -ctk says, as in llama-server
    std::string cache_type_v_draft = "f16";  // -ctvd
    std::vector<std::string> devices_draft;  // -devd; {} = as -dev; {"none"} = no offloading
    std::vector<TensorOverride> tensor_overrides_draft;  // -otd (the main model's -ot is not for it)
    bool cpu_moe_draft = false;          // -cmoed (the main model's --cpu-moe is not for it)
    int32_t n_cpu_moe_draft = 0;         // -ncmoed
    std::string draft_hf_repo;           // -hfd "user/repo[:quant]": main.cpp downloads it as -hf does and
                                         // sets draft_model_path (with -md given: downloaded there)

    bool enabled() const { return !sources.empty(); }
    bool uses(DraftSource source) const {
        for (const DraftSource s : sources) {
            if (s == source) return true;
        }
        return false;
    }
};

}  // namespace cria
