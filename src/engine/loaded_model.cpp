#include "engine/loaded_model.h"

#include <ggml-backend.h>

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

namespace cria {

namespace {

llama_load_mode load_mode_for(const EngineConfig& config) {
    if (config.mmap) return config.mlock ? LLAMA_LOAD_MODE_MMAP_MLOCK : LLAMA_LOAD_MODE_MMAP;
    return config.mlock ? LLAMA_LOAD_MODE_MLOCK : LLAMA_LOAD_MODE_NONE;
}

// "auto" is libllama's choice (on wherever the backend supports it, CPU included): about twice
// as fast for prompts on CPU. It keeps results independent of other requests because, by default,
// each slot has its own KV stream: with a unified cache, the CPU kernel's rounding depends on where
// a sequence's cells sit among other sequences' cells.
llama_flash_attn_type flash_attn_for(const std::string& mode) {
    if (mode == "on") return LLAMA_FLASH_ATTN_TYPE_ENABLED;
    if (mode == "off") return LLAMA_FLASH_ATTN_TYPE_DISABLED;
    return LLAMA_FLASH_ATTN_TYPE_AUTO;
}

int32_t resolve_threads(int32_t n) {
    if (n > 0) return n;
    return static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
}

std::string model_metadata(const llama_model* model, const char* key) {
    char buffer[256];
    const int32_t n = llama_model_meta_val_str(model, key, buffer, sizeof(buffer));
    if (n < 0) return {};
    if (static_cast<size_t>(n) < sizeof(buffer)) return std::string(buffer, static_cast<size_t>(n));
    std::string out(static_cast<size_t>(n) + 1, '\0');
    llama_model_meta_val_str(model, key, out.data(), out.size());
    out.resize(static_cast<size_t>(n));
    return out;
}

}  // namespace

bool load_model(const EngineConfig& config, LoadedModel* out, EngineInfo* info, std::string* error) {
    // Backends are plugins in Debian's ggml (one CPU build per instruction set); load them once.
    static std::once_flag backends_loaded;
    std::call_once(backends_loaded, [] {
        ggml_backend_load_all();
        llama_backend_init();
    });

    llama_model_params model_params = llama_model_default_params();
    if (config.n_gpu_layers >= 0) model_params.n_gpu_layers = config.n_gpu_layers;
    model_params.main_gpu = config.main_gpu;
    model_params.load_mode = load_mode_for(config);
    std::vector<float> split(llama_max_devices(), 0.0f);
    if (!config.tensor_split.empty()) {
        std::copy_n(config.tensor_split.begin(), std::min(split.size(), config.tensor_split.size()), split.begin());
        model_params.tensor_split = split.data();
    }

    out->model.reset(llama_model_load_from_file(config.model_path.c_str(), model_params));
    if (!out->model) {
        *error = "failed to load model from '" + config.model_path + "'";
        return false;
    }
    llama_model* model = out->model.get();
    out->vocab = llama_model_get_vocab(model);

    const int32_t n_ctx_train = llama_model_n_ctx_train(model);
    const int32_t n_parallel = std::max(1, config.n_parallel);
    llama_context_params ctx_params = llama_context_default_params();
    ctx_params.n_ctx = static_cast<uint32_t>(config.n_ctx > 0 ? config.n_ctx : n_ctx_train);
    ctx_params.n_batch = static_cast<uint32_t>(config.n_batch);
    ctx_params.n_ubatch = static_cast<uint32_t>(std::min(config.n_ubatch, config.n_batch));
    ctx_params.n_seq_max = static_cast<uint32_t>(n_parallel);
    ctx_params.n_threads = resolve_threads(config.n_threads);
    ctx_params.n_threads_batch = config.n_threads_batch > 0 ? config.n_threads_batch : ctx_params.n_threads;
    ctx_params.flash_attn_type = flash_attn_for(config.flash_attn);
    ctx_params.kv_unified = config.kv_unified;
    ctx_params.no_perf = true;  // we time requests ourselves
    ctx_params.embeddings = config.embedding;
    if (config.pooling == "none") ctx_params.pooling_type = LLAMA_POOLING_TYPE_NONE;
    if (config.pooling == "mean") ctx_params.pooling_type = LLAMA_POOLING_TYPE_MEAN;
    if (config.pooling == "cls") ctx_params.pooling_type = LLAMA_POOLING_TYPE_CLS;
    if (config.pooling == "last") ctx_params.pooling_type = LLAMA_POOLING_TYPE_LAST;

    out->context.reset(llama_init_from_model(model, ctx_params));
    if (!out->context) {
        *error = "failed to create a context of " + std::to_string(ctx_params.n_ctx) + " tokens for '" +
                 config.model_path + "'";
        return false;
    }

    char description[128];
    llama_model_desc(model, description, sizeof(description));
    info->model_path = config.model_path;
    info->model_description = description;
    // libllama rounds context sizes up (to 256 per stream); slots get exactly what was asked for,
    // so -c means the same whatever the rounding, and never more than libllama really holds.
    const uint32_t capacity = config.kv_unified ? llama_n_ctx(out->context.get()) / static_cast<uint32_t>(n_parallel)
                                                : llama_n_ctx_seq(out->context.get());
    info->n_ctx_slot = static_cast<int32_t>(std::min<uint32_t>(ctx_params.n_ctx / static_cast<uint32_t>(n_parallel), capacity));
    info->n_ctx = info->n_ctx_slot * n_parallel;
    info->n_ctx_train = n_ctx_train;
    info->n_slots = n_parallel;
    info->n_vocab = llama_vocab_n_tokens(out->vocab);
    info->n_embd = llama_model_n_embd(model);
    info->n_params = llama_model_n_params(model);
    info->model_size = llama_model_size(model);
    info->n_ubatch = static_cast<int32_t>(llama_n_ubatch(out->context.get()));
    info->embedding = config.embedding;
    switch (llama_pooling_type(out->context.get())) {
        case LLAMA_POOLING_TYPE_MEAN: info->pooling = "mean"; break;
        case LLAMA_POOLING_TYPE_CLS: info->pooling = "cls"; break;
        case LLAMA_POOLING_TYPE_LAST: info->pooling = "last"; break;
        case LLAMA_POOLING_TYPE_RANK: info->pooling = "rank"; break;
        default: info->pooling = "none"; break;
    }
    if (!config.mmproj_path.empty()) {
        MediaProjectorConfig media_config;
        media_config.path = config.mmproj_path;
        media_config.use_gpu = config.mmproj_offload;
        media_config.n_threads = resolve_threads(config.n_threads_batch > 0 ? config.n_threads_batch : config.n_threads);
        out->media = MediaProjector::load(media_config, model, error);
        if (!out->media) return false;
        info->vision = out->media->supports_vision();
    }
    const char* tmpl = llama_model_chat_template(model, nullptr);
    info->chat_template = tmpl ? tmpl : model_metadata(model, "tokenizer.chat_template");
    return true;
}

}  // namespace cria
