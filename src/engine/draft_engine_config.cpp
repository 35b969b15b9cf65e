#include "engine/draft_engine_config.h"

#include <algorithm>
#include <thread>

namespace cria {

namespace {

// The main context's batch threads: -tb, else -t, else (-t's default) one per hardware thread.
int32_t main_batch_threads(const EngineConfig& main) {
    if (main.n_threads_batch > 0) return main.n_threads_batch;
    if (main.n_threads > 0) return main.n_threads;
    return static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

EngineConfig draft_engine_config(const EngineConfig& main) {
    const SpeculativeConfig& spec = main.speculative;
    // Batch sizes, slots and the KV layout stay the main model's. The main model's LoRA adapters
    // are not for it; NUMA is set up once, by the main model.
    EngineConfig draft = main;
    draft.model_path = spec.draft_model_path;
    draft.lora_adapters.clear();
    draft.numa.clear();
    draft.grp_attn_n = 1;
    draft.n_gpu_layers = spec.n_gpu_layers_draft;
    if (spec.n_ctx_draft > 0) draft.n_ctx = spec.n_ctx_draft;
    draft.embedding = false;
    draft.pooling.clear();
    // draft-mtp drafts with the main model's NextN layers: a draft model's own stay on disk.
    draft.speculative.sources.erase(
        std::remove(draft.speculative.sources.begin(), draft.speculative.sources.end(), DraftSource::draft_mtp),
        draft.speculative.sources.end());

    // Threads: -td (unset: -t), -tbd (unset: the main model's batch threads, -tb, else -t: what
    // llama-server does, though its --help says "same as --threads-draft").
    if (spec.n_threads_draft != -1) draft.n_threads = spec.n_threads_draft;
    draft.n_threads_batch = main_batch_threads(main);
    if (spec.n_threads_batch_draft != -1) draft.n_threads_batch = spec.n_threads_batch_draft;
    // Their CPU pools: -Cd, --prio-draft, ... (each unset one as the main model's), and -Cbd,
    // --prio-batch-draft, ... for its batches (each unset one as the draft's own).
    draft.cpu = inherited(spec.cpu_draft, main.cpu);
    draft.cpu_batch = spec.cpu_batch_draft;
    if (spec.n_ubatch_draft > 0) draft.n_ubatch = spec.n_ubatch_draft;
    draft.tuning.cache_type_k = spec.cache_type_k_draft;
    draft.tuning.cache_type_v = spec.cache_type_v_draft;

    if (!spec.devices_draft.empty()) draft.backend.devices = spec.devices_draft;
    draft.backend.tensor_overrides = spec.tensor_overrides_draft;
    draft.backend.cpu_moe = spec.cpu_moe_draft;
    draft.backend.n_cpu_moe = spec.n_cpu_moe_draft;
    draft.backend.n_cpu_ffn = 0;  // llama-server has no draft form of --n-cpu-ffn
    return draft;
}

std::string draft_load_error(const std::string& why) {
    static const std::pair<const char*, const char*> renamed[] = {
        {"--device:", "--spec-draft-device (-devd):"},
        {"--override-tensor:", "--spec-draft-override-tensor (-otd):"},
    };
    for (const auto& [main_name, draft_name] : renamed) {
        const std::string prefix = main_name;
        if (why.rfind(prefix, 0) == 0) return "draft model: " + std::string(draft_name) + why.substr(prefix.size());
    }
    return "draft model (--model-draft): " + why;
}

}  // namespace cria
