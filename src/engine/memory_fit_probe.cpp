#include "engine/memory_fit_probe.h"

#include <sys/stat.h>

#include <algorithm>

#include <ggml-backend.h>
#include <llama-cpp.h>
#include <llama.h>

#include "engine/backend_devices.h"
#include "engine/memory_fit.h"
#include "util/log.h"

namespace cria {

namespace {

// Bytes of one KV cache element of a -ctk/-ctv type, as ggml stores it (blocks of 32 for the
// quantized ones).
double cache_element_bytes(const std::string& type) {
    if (type == "f32") return 4.0;
    if (type == "q8_0") return 34.0 / 32;
    if (type == "q4_0" || type == "iq4_nl") return 18.0 / 32;
    if (type == "q4_1") return 20.0 / 32;
    if (type == "q5_0") return 22.0 / 32;
    if (type == "q5_1") return 24.0 / 32;
    return 2.0;  // f16, bf16
}

bool is_gpu(ggml_backend_dev_t dev) {
    const auto type = ggml_backend_dev_type(dev);
    return type == GGML_BACKEND_DEVICE_TYPE_GPU || type == GGML_BACKEND_DEVICE_TYPE_IGPU;
}

// The GPU devices the model would be placed on: those -dev names, else every GPU ggml offers.
std::vector<FitDevice> gpu_devices(const BackendConfig& backend) {
    std::vector<FitDevice> out;
    if (backend.devices.size() == 1 && backend.devices[0] == "none") return out;
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        const std::string name = ggml_backend_dev_name(dev);
        const bool chosen = backend.devices.empty()
                                ? is_gpu(dev)
                                : std::find(backend.devices.begin(), backend.devices.end(), name) != backend.devices.end();
        if (!chosen || ggml_backend_dev_type(dev) == GGML_BACKEND_DEVICE_TYPE_CPU) continue;
        size_t free = 0;
        size_t total = 0;
        ggml_backend_dev_memory(dev, &free, &total);
        if (free == 0 && total == 0) {
            log_warn("fit: device " + name + " did not report its memory; --fit does not use it");
            continue;
        }
        out.push_back({name, static_cast<int64_t>(free), static_cast<int64_t>(total)});
    }
    return out;
}

int64_t host_free_bytes() {
    ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    size_t free = 0;
    size_t total = 0;
    if (cpu) ggml_backend_dev_memory(cpu, &free, &total);
    return static_cast<int64_t>(free);
}

// The model's sizes from its metadata: the weights are not read (no_alloc), nothing is offloaded.
bool measure_model(const EngineConfig& config, FitModel* out) {
    llama_model_params params = llama_model_default_params();
    params.no_alloc = true;
    params.n_gpu_layers = 0;
    params.load_mode = LLAMA_LOAD_MODE_NONE;
    const llama_model_ptr model(llama_model_load_from_file(config.model_path.c_str(), params));
    if (!model) return false;
    const int64_t n_layer = llama_model_n_layer(model.get());
    const int64_t n_head = std::max(1, llama_model_n_head(model.get()));
    const int64_t n_embd = llama_model_n_embd(model.get());
    const int64_t n_embd_kv = n_embd / n_head * llama_model_n_head_kv(model.get());
    const double per_element = cache_element_bytes(config.tuning.cache_type_k) + cache_element_bytes(config.tuning.cache_type_v);
    out->n_layer = static_cast<int32_t>(n_layer);
    out->n_ctx_train = llama_model_n_ctx_train(model.get());
    out->weight_bytes = static_cast<int64_t>(llama_model_size(model.get()));
    if (out->weight_bytes == 0) {
        struct stat st {};
        if (::stat(config.model_path.c_str(), &st) == 0) out->weight_bytes = st.st_size;
    }
    out->kv_bytes_per_token = static_cast<int64_t>(static_cast<double>(n_layer * n_embd_kv) * per_element);
    // The compute buffer: a batch of activations and of logits (an estimate; libllama reserves more
    // or less by architecture).
    const int64_t n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model.get()));
    out->compute_bytes = static_cast<int64_t>(std::max(config.n_ubatch, 1)) * 4 * (n_vocab + 16 * n_embd);
    return true;
}

}  // namespace

void fit_to_device_memory(EngineConfig* config) {
    if (!config->fit.enabled) {
        log_info("fit: off (-fit off): the options are used as given");
        return;
    }
    init_backends();  // the devices and the model loader need ggml's backends
    FitModel model;
    if (!measure_model(*config, &model)) return;  // the load that follows says why
    FitRequest request;
    request.fit = config->fit;
    request.n_ctx = config->n_ctx;
    request.n_streams = config->kv_unified ? 1 : std::max(1, config->n_parallel);
    request.n_gpu_layers = config->n_gpu_layers;
    request.tensor_split_given = std::any_of(config->tensor_split.begin(), config->tensor_split.end(),
                                             [](float share) { return share != 0.0f; });
    request.tensor_overrides_given = !config->backend.tensor_overrides.empty() || config->backend.cpu_moe ||
                                     config->backend.n_cpu_moe > 0;
    request.gpus = gpu_devices(config->backend);
    request.host_free_bytes = host_free_bytes();
    const FitPlan plan = plan_memory_fit(request, model);
    for (const auto& line : plan.log) log_info(line);
    if (!plan.changed) return;
    config->n_ctx = plan.n_ctx;
    config->n_gpu_layers = plan.n_gpu_layers;
    if (!plan.tensor_split.empty()) config->tensor_split = plan.tensor_split;
}

}  // namespace cria
