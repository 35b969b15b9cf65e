#include "engine/loaded_model.h"

#include <ggml-backend.h>

#include "engine/backend_devices.h"
#include "engine/backend_placement.h"
#include "engine/control_vectors.h"
#include "engine/kv/llama_kv_memory.h"
#include "engine/self_extend.h"
#include "engine/video_frames.h"
#include "util/log.h"

#include <algorithm>
#include <memory>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace cria {

namespace {

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

llama_split_mode split_mode_for(const std::string& mode) {
    if (mode == "none") return LLAMA_SPLIT_MODE_NONE;
    if (mode == "row") return LLAMA_SPLIT_MODE_ROW;
    if (mode == "tensor") return LLAMA_SPLIT_MODE_TENSOR;
    return LLAMA_SPLIT_MODE_LAYER;
}

ggml_numa_strategy numa_for(const std::string& mode) {
    if (mode == "distribute") return GGML_NUMA_STRATEGY_DISTRIBUTE;
    if (mode == "isolate") return GGML_NUMA_STRATEGY_ISOLATE;
    if (mode == "numactl") return GGML_NUMA_STRATEGY_NUMACTL;
    return GGML_NUMA_STRATEGY_DISABLED;
}

// The backend devices, and which of them model layers can be offloaded to.
void describe_devices(RuntimeInfo* runtime) {
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        const std::string name = std::string(ggml_backend_dev_name(dev)) + " (" + ggml_backend_dev_description(dev) + ")";
        runtime->devices.push_back(name);
        const auto type = ggml_backend_dev_type(dev);
        if (type == GGML_BACKEND_DEVICE_TYPE_GPU || type == GGML_BACKEND_DEVICE_TYPE_IGPU) runtime->gpu_devices.push_back(name);
    }
}

// libllama keeps the last n_gpu_layers of the n_layer + 1 layers (the output layer counts as
// one) on the GPUs, when there is any GPU to keep them on.
int32_t offloaded_layers(const RuntimeInfo& runtime) {
    if (!runtime.gpu_offload_supported || runtime.gpu_devices.empty()) return 0;
    const int32_t all = runtime.n_layer + 1;
    return runtime.n_gpu_layers < 0 ? all : std::min(runtime.n_gpu_layers, all);
}

bool load_lora_adapters(const EngineConfig& config, LoadedModel* out, std::string* error) {
    for (const auto& adapter : config.lora_adapters) {
        llama_adapter_lora* handle = llama_adapter_lora_init(out->model.get(), adapter.path.c_str());
        if (handle == nullptr) {
            *error = "failed to load the LoRA adapter '" + adapter.path +
                     "': not readable, not a LoRA adapter GGUF, or made for another model (libllama's reason is logged above)";
            return false;
        }
        if (llama_adapter_get_alora_n_invocation_tokens(handle) > 0) {
            *error = "the LoRA adapter '" + adapter.path + "' is an activated LoRA (aLoRA), which cria does not support";
            return false;
        }
        out->loras.add(handle, adapter.path, adapter.scale);
    }
    return true;
}

// ggml's name for a KV cache type (the option table allows only those below).
ggml_type cache_type(const std::string& name) {
    if (name == "f32") return GGML_TYPE_F32;
    if (name == "bf16") return GGML_TYPE_BF16;
    if (name == "q8_0") return GGML_TYPE_Q8_0;
    if (name == "q4_0") return GGML_TYPE_Q4_0;
    if (name == "q4_1") return GGML_TYPE_Q4_1;
    if (name == "iq4_nl") return GGML_TYPE_IQ4_NL;
    if (name == "q5_0") return GGML_TYPE_Q5_0;
    if (name == "q5_1") return GGML_TYPE_Q5_1;
    return GGML_TYPE_F16;
}

void apply_tuning(const ContextTuning& t, llama_context_params* p) {
    if (t.rope_scaling == "none") p->rope_scaling_type = LLAMA_ROPE_SCALING_TYPE_NONE;
    if (t.rope_scaling == "linear") p->rope_scaling_type = LLAMA_ROPE_SCALING_TYPE_LINEAR;
    if (t.rope_scaling == "yarn") p->rope_scaling_type = LLAMA_ROPE_SCALING_TYPE_YARN;
    p->rope_freq_base = t.rope_freq_base;
    p->rope_freq_scale = t.rope_freq_scale;
    p->yarn_orig_ctx = static_cast<uint32_t>(t.yarn_orig_ctx);
    p->yarn_ext_factor = t.yarn_ext_factor;
    p->yarn_attn_factor = t.yarn_attn_factor;
    p->yarn_beta_slow = t.yarn_beta_slow;
    p->yarn_beta_fast = t.yarn_beta_fast;
    p->type_k = cache_type(t.cache_type_k);
    p->type_v = cache_type(t.cache_type_v);
    p->defrag_thold = t.defrag_thold;
    p->offload_kqv = t.kv_offload;
    // libllama's own default is a full-size SWA cache; llama-server's (and ours) is the small one.
    p->swa_full = t.swa_full;
}

// One decode of a single token, then an empty cache: libllama allocates and warms its compute
// buffers here rather than during the first request. A failure here is not fatal: the first real
// decode would report it to its request.
void warm_up(llama_context* ctx, const llama_vocab* vocab) {
    llama_token token = llama_vocab_bos(vocab);
    if (token == LLAMA_TOKEN_NULL) token = 0;
    llama_decode(ctx, llama_batch_get_one(&token, 1));
    llama_synchronize(ctx);
    LlamaKvMemory(ctx).clear();
}

}  // namespace

// --override-kv as libllama takes it: fixed-size fields (lengths checked by the option parser),
// ended by an entry whose key is empty.
static std::vector<llama_model_kv_override> kv_overrides_for(const std::vector<MetadataOverride>& entries) {
    std::vector<llama_model_kv_override> out;
    for (const auto& entry : entries) {
        llama_model_kv_override o{};
        std::snprintf(o.key, sizeof o.key, "%s", entry.key.c_str());
        switch (entry.type) {
            case MetadataOverride::Type::integer:
                o.tag = LLAMA_KV_OVERRIDE_TYPE_INT;
                o.val_i64 = entry.int_value;
                break;
            case MetadataOverride::Type::floating:
                o.tag = LLAMA_KV_OVERRIDE_TYPE_FLOAT;
                o.val_f64 = entry.float_value;
                break;
            case MetadataOverride::Type::boolean:
                o.tag = LLAMA_KV_OVERRIDE_TYPE_BOOL;
                o.val_bool = entry.bool_value;
                break;
            case MetadataOverride::Type::text:
                o.tag = LLAMA_KV_OVERRIDE_TYPE_STR;
                std::snprintf(o.val_str, sizeof o.val_str, "%s", entry.text_value.c_str());
                break;
        }
        out.push_back(o);
    }
    out.push_back(llama_model_kv_override{});  // key[0] == 0: the end
    return out;
}

namespace {

// The model's load parameters. `split`, `overrides` and `placement` must outlive the load (libllama
// reads them).
llama_model_params model_params_for(const EngineConfig& config, std::vector<float>* split,
                                    const std::vector<llama_model_kv_override>& overrides,
                                    const BackendPlacement& placement) {
    llama_model_params model_params = llama_model_default_params();
    if (config.n_gpu_layers >= 0) model_params.n_gpu_layers = config.n_gpu_layers;
    model_params.main_gpu = config.main_gpu;
    model_params.split_mode = split_mode_for(config.split_mode);
    apply_backend_config(config, placement, &model_params);
    if (!config.tensor_split.empty()) {
        std::copy_n(config.tensor_split.begin(), std::min(split->size(), config.tensor_split.size()), split->begin());
        model_params.tensor_split = split->data();
    }
    model_params.check_tensors = config.check_tensors;
    if (!config.kv_overrides.empty()) model_params.kv_overrides = overrides.data();
    // --spec-type draft-mtp drafts with the model's multi-token-prediction layers, which libllama
    // leaves out of memory unless asked.
    model_params.load_mtp = config.speculative.uses(DraftSource::draft_mtp);
    return model_params;
}

llama_context_params context_params_for(const EngineConfig& config, int32_t n_ctx_train) {
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
    apply_tuning(config.tuning, &ctx_params);
    apply_backend_context_config(config.backend, &ctx_params);  // no_perf unless --perf: we time requests ourselves
    ctx_params.embeddings = config.embedding;
    if (config.pooling == "none") ctx_params.pooling_type = LLAMA_POOLING_TYPE_NONE;
    if (config.pooling == "mean") ctx_params.pooling_type = LLAMA_POOLING_TYPE_MEAN;
    if (config.pooling == "cls") ctx_params.pooling_type = LLAMA_POOLING_TYPE_CLS;
    if (config.pooling == "last") ctx_params.pooling_type = LLAMA_POOLING_TYPE_LAST;
    if (config.pooling == "rank") ctx_params.pooling_type = LLAMA_POOLING_TYPE_RANK;
    return ctx_params;
}

const char* pooling_name(enum llama_pooling_type type) {
    switch (type) {
        case LLAMA_POOLING_TYPE_MEAN: return "mean";
        case LLAMA_POOLING_TYPE_CLS: return "cls";
        case LLAMA_POOLING_TYPE_LAST: return "last";
        case LLAMA_POOLING_TYPE_RANK: return "rank";
        default: return "none";
    }
}

// The context of the whole pool (info->n_ctx) and of one slot (info->n_ctx_slot).
// libllama rounds context sizes up (to 256 per stream); slots get exactly what was asked for,
// so -c means the same whatever the rounding, and never more than libllama really holds.
void size_slots(const EngineConfig& config, uint32_t n_ctx_asked, llama_context* context, EngineInfo* info) {
    const int32_t n_parallel = std::max(1, config.n_parallel);
    int32_t pool_per_slot = 0;
    if (config.kv_unified) {
        // One KV buffer shared by every slot: as in llama-server, one slot may fill all of it (the
        // slots together still hold at most -c tokens; a step that finds no room fails its requests).
        pool_per_slot = static_cast<int32_t>(std::min<uint32_t>(n_ctx_asked, llama_n_ctx(context)));
        info->n_ctx = pool_per_slot;
    } else {
        pool_per_slot = static_cast<int32_t>(
            std::min<uint32_t>(n_ctx_asked / static_cast<uint32_t>(n_parallel), llama_n_ctx_seq(context)));
        info->n_ctx = pool_per_slot * n_parallel;
    }
    // --kv-unified-per-slot: no slot holds more than N tokens, whatever room the pool has.
    info->n_ctx_slot = config.n_ctx_slot_max > 0 ? std::min(pool_per_slot, config.n_ctx_slot_max) : pool_per_slot;
}

// The sizes and shape of the loaded model and context, for /props, /slots and the engine.
void describe_model(const EngineConfig& config, const LoadedModel& out, uint32_t n_ctx_asked, EngineInfo* info) {
    const llama_model* model = out.model.get();
    llama_context* context = out.context.get();
    const int32_t n_parallel = std::max(1, config.n_parallel);
    char description[128];
    llama_model_desc(model, description, sizeof(description));
    info->model_path = config.model_path;
    info->model_description = description;
    size_slots(config, n_ctx_asked, context, info);
    info->n_ctx_train = llama_model_n_ctx_train(model);
    info->n_slots = n_parallel;
    info->n_vocab = llama_vocab_n_tokens(out.vocab);
    info->n_embd = llama_model_n_embd(model);
    info->n_params = llama_model_n_params(model);
    info->model_size = llama_model_size(model);
    info->n_ubatch = static_cast<int32_t>(llama_n_ubatch(context));
    info->embedding = config.embedding;
    info->pooling = pooling_name(llama_pooling_type(context));
    info->n_cls_out = static_cast<int32_t>(llama_model_n_cls_out(model));
}

// llama-server's layout of a reranking pair (EngineInfo::rerank).
RerankFormat rerank_format(const llama_model* model, const llama_vocab* vocab) {
    RerankFormat f;
    const char* tmpl = llama_model_chat_template(model, "rerank");
    f.prompt_template = tmpl ? tmpl : "";
    f.add_bos = llama_vocab_get_add_bos(vocab);
    f.add_eos = llama_vocab_get_add_eos(vocab);
    f.add_sep = llama_vocab_get_add_sep(vocab);
    f.bos = llama_vocab_bos(vocab);
    f.sep = llama_vocab_sep(vocab);
    f.eos = llama_vocab_eos(vocab) != LLAMA_TOKEN_NULL ? llama_vocab_eos(vocab) : f.sep;
    return f;
}

// The metadata for /api/show: every key but the vocabulary's long arrays.
std::vector<std::pair<std::string, std::string>> model_metadata_list(const llama_model* model) {
    std::vector<std::pair<std::string, std::string>> out;
    const int32_t n = llama_model_meta_count(model);
    for (int32_t i = 0; i < n; ++i) {
        char key[256];
        if (llama_model_meta_key_by_index(model, i, key, sizeof(key)) < 0) continue;
        const std::string name = key;
        if (name.rfind("tokenizer.ggml.", 0) == 0 &&
            (name == "tokenizer.ggml.tokens" || name == "tokenizer.ggml.scores" ||
             name == "tokenizer.ggml.token_type" || name == "tokenizer.ggml.merges")) {
            continue;
        }
        const int32_t size = llama_model_meta_val_str_by_index(model, i, nullptr, 0);
        if (size < 0) continue;
        std::string value(static_cast<size_t>(size) + 1, '\0');
        llama_model_meta_val_str_by_index(model, i, value.data(), value.size());
        value.resize(static_cast<size_t>(size));
        out.emplace_back(name, std::move(value));
    }
    return out;
}

// What /props reports about how the model runs (threads, devices, memory, positions).
void describe_runtime(const EngineConfig& config, const LoadedModel& out, int32_t n_gpu_layers, EngineInfo* info) {
    RuntimeInfo& runtime = info->runtime;
    runtime.n_threads = llama_n_threads(out.context.get());
    runtime.n_threads_batch = llama_n_threads_batch(out.context.get());
    runtime.n_layer = llama_model_n_layer(out.model.get());
    runtime.n_gpu_layers = n_gpu_layers;
    runtime.gpu_offload_supported = llama_supports_gpu_offload();
    describe_devices(&runtime);
    runtime.n_gpu_layers_offloaded = offloaded_layers(runtime);
    runtime.rpc_servers = config.backend.rpc_servers;
    runtime.main_gpu = config.main_gpu;
    runtime.split_mode = config.split_mode;
    runtime.tensor_split = config.tensor_split;
    runtime.mmap = config.mmap;
    runtime.check_tensors = config.check_tensors;
    for (const auto& entry : config.kv_overrides) runtime.kv_overrides.push_back(entry.key);
    runtime.mlock = config.mlock;
    runtime.numa = config.numa;
    runtime.grp_attn_n = config.grp_attn_n;
    runtime.grp_attn_w = config.grp_attn_w;
    runtime.max_position = SelfExtend(config.grp_attn_n, config.grp_attn_w).max_position(info->n_ctx_slot);
    runtime.tuning = config.tuning;
    runtime.context_shift = config.context_shift;
}

// Self-extend and --mmproj: the checks that need the context, then the projector.
bool load_extras(const EngineConfig& config, LoadedModel* out, EngineInfo* info, std::string* error) {
    if (!apply_control_vectors(config.backend, out->model.get(), out->context.get(), error)) return false;
    if (config.grp_attn_n > 1 && !LlamaKvMemory(out->context.get()).can_shift()) {
        *error = "--grp-attn-n (self-extend) needs a model whose KV cache can move positions; this one cannot";
        return false;
    }
    if (config.mmproj_path.empty()) return true;
    if (config.grp_attn_n > 1) {
        // Self-extend groups positions as it goes; an image's run of positions does not fit that yet.
        *error = "--mmproj does not work with --grp-attn-n (self-extend) yet";
        return false;
    }
    MediaProjectorConfig media_config;
    media_config.path = config.mmproj_path;
    media_config.use_gpu = config.mmproj_offload;
    media_config.n_threads = resolve_threads(config.n_threads_batch > 0 ? config.n_threads_batch : config.n_threads);
    media_config.device = config.backend.mmproj_device;
    media_config.image_min_tokens = config.backend.image_min_tokens;
    media_config.image_max_tokens = config.backend.image_max_tokens;
    media_config.batch_max_tokens = config.backend.mtmd_batch_max_tokens;
    media_config.video = config.backend.video;
    out->media = MediaProjector::load(media_config, out->model.get(), error);
    if (!out->media) return false;
    info->vision = out->media->supports_vision();
    info->video = out->media->supports_video();
    if (info->video && !video_tools_found(media_config.video.ffmpeg_dir)) {
        log_warn("video input will fail: no ffmpeg and ffprobe " +
                 (media_config.video.ffmpeg_dir.empty() ? std::string("on PATH")
                                                        : "in --video-ffmpeg-dir " + media_config.video.ffmpeg_dir));
    }
    return true;
}

}  // namespace

// Which device holds how many layers, under the names /props shows.
std::vector<DeviceLayers> named_device_layers(const std::vector<DeviceLayers>& by_ggml_name, const RpcWorkers* rpc) {
    std::vector<DeviceLayers> out;
    for (const auto& entry : by_ggml_name) {
        ggml_backend_dev_t dev = ggml_backend_dev_by_name(entry.device.c_str());
        const std::string local = dev ? entry.device + " (" + ggml_backend_dev_description(dev) + ")" : entry.device;
        out.push_back({rpc != nullptr ? rpc->display_name(entry.device) : local, entry.layers});
    }
    return out;
}

bool load_model(const EngineConfig& config, LoadedModel* out, EngineInfo* info, std::string* error, const RpcWorkers* rpc,
                llama_context* other) {
    init_backends();

    // NUMA placement must be set before the model's memory is touched.
    if (!config.numa.empty()) llama_numa_init(numa_for(config.numa));

    std::vector<float> split(llama_max_devices(), 0.0f);
    // Must outlive the load; libllama reads it up to the entry with an empty key.
    const std::vector<llama_model_kv_override> overrides = kv_overrides_for(config.kv_overrides);
    BackendPlacement placement;  // must outlive the load, like `split` and `overrides`
    if (!make_backend_placement(config.backend, rpc, &placement, error)) return false;
    const llama_model_params model_params = model_params_for(config, &split, overrides, placement);
    auto assignment = std::make_unique<LayerAssignmentLog>();
    out->model.reset(llama_model_load_from_file(config.model_path.c_str(), model_params));
    info->runtime.device_layers = named_device_layers(assignment->layers(), rpc);
    assignment.reset();
    if (!out->model) {
        *error = "failed to load model from '" + config.model_path + "'";
        return false;
    }
    llama_model* model = out->model.get();
    out->vocab = llama_model_get_vocab(model);
    if (!load_lora_adapters(config, out, error)) return false;

    llama_context_params ctx_params = context_params_for(config, llama_model_n_ctx_train(model));
    ctx_params.ctx_other = other;
    out->context.reset(llama_init_from_model(model, ctx_params));
    if (!out->context) {
        *error = "failed to create a context of " + std::to_string(ctx_params.n_ctx) + " tokens for '" +
                 config.model_path + "'";
        return false;
    }
    const std::string name = config.model_path.substr(config.model_path.find_last_of('/') + 1);
    if (!out->threadpools.attach(out->context.get(), config.cpu, config.cpu_batch, name, error)) return false;
    if (config.warmup) warm_up(out->context.get(), out->vocab);

    describe_model(config, *out, ctx_params.n_ctx, info);
    describe_runtime(config, *out, model_params.n_gpu_layers, info);
    if (!load_extras(config, out, info, error)) return false;
    const char* tmpl = llama_model_chat_template(model, nullptr);
    info->chat_template = tmpl ? tmpl : model_metadata(model, "tokenizer.chat_template");
    info->rerank = rerank_format(model, out->vocab);
    info->metadata = model_metadata_list(model);
    return true;
}

}  // namespace cria
