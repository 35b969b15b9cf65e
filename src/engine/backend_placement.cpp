#include "engine/backend_placement.h"

#include <ggml-backend.h>

#include <algorithm>

namespace cria {

namespace {

std::vector<ggml_backend_buffer_type_t> extra_buffer_types(ggml_backend_dev_t dev) {
    std::vector<ggml_backend_buffer_type_t> out;
    ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(dev);
    auto get_extra = reinterpret_cast<ggml_backend_dev_get_extra_bufts_t>(
        ggml_backend_reg_get_proc_address(reg, "ggml_backend_dev_get_extra_bufts"));
    if (get_extra == nullptr) return out;
    for (ggml_backend_buffer_type_t* buft = get_extra(dev); buft != nullptr && *buft != nullptr; ++buft) out.push_back(*buft);
    return out;
}

// Every buffer type a tensor can be put in: each device's own, its host buffer and its extras.
std::vector<ggml_backend_buffer_type_t> all_buffer_types() {
    std::vector<ggml_backend_buffer_type_t> out;
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        if (auto buft = ggml_backend_dev_buffer_type(dev)) out.push_back(buft);
        if (auto host = ggml_backend_dev_host_buffer_type(dev)) out.push_back(host);
        for (auto extra : extra_buffer_types(dev)) out.push_back(extra);
    }
    return out;
}

ggml_backend_buffer_type_t buffer_type_named(const std::string& name, std::string* known) {
    for (auto buft : all_buffer_types()) {
        const std::string buft_name = ggml_backend_buft_name(buft);
        if (buft_name == name) return buft;
        *known += (known->empty() ? "" : ", ") + buft_name;
    }
    return nullptr;
}

// A -dev name: a worker's device by the name it had at the first connection (rpc_workers.h), any
// other by ggml's name. Null for unknown names, and for the devices of lost connections.
ggml_backend_dev_t device_named(const std::string& name, const RpcWorkers* rpc) {
    if (rpc != nullptr) {
        if (ggml_backend_dev_t dev = rpc->device_named(name)) return dev;
    }
    ggml_backend_dev_t dev = ggml_backend_dev_by_name(name.c_str());
    return dev != nullptr && rpc != nullptr && rpc->owns(dev) ? nullptr : dev;
}

std::string device_names(const RpcWorkers* rpc) {
    std::string known;
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        if (rpc != nullptr && rpc->owns(dev)) continue;
        known += (known.empty() ? "" : ", ") + std::string(ggml_backend_dev_name(dev));
    }
    if (rpc != nullptr) {
        for (auto dev : rpc->devices()) known += ", " + rpc->display_name(ggml_backend_dev_name(dev));
    }
    return known;
}

// Without -dev but with workers: what libllama picks by itself (the workers' devices first, to keep
// network transfers few, then the local GPUs; integrated GPUs only when there is nothing else),
// without the devices of lost connections, which libllama cannot tell apart.
void default_devices(const RpcWorkers& rpc, std::vector<ggml_backend_dev_t>* out) {
    std::vector<ggml_backend_dev_t> gpus;
    std::vector<ggml_backend_dev_t> igpus;
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        if (rpc.owns(dev)) continue;
        if (ggml_backend_dev_type(dev) == GGML_BACKEND_DEVICE_TYPE_GPU) gpus.push_back(dev);
        if (ggml_backend_dev_type(dev) == GGML_BACKEND_DEVICE_TYPE_IGPU) igpus.push_back(dev);
    }
    *out = rpc.devices();
    out->insert(out->end(), gpus.begin(), gpus.end());
    if (out->empty()) *out = igpus;
    out->push_back(nullptr);
}

bool resolve_devices(const std::vector<std::string>& names, const RpcWorkers* rpc, std::vector<ggml_backend_dev_t>* out,
                     std::string* error) {
    if (names.empty()) {
        if (rpc != nullptr && !rpc->empty()) default_devices(*rpc, out);
        return true;
    }
    for (const auto& name : names) {
        if (name == "none") continue;  // with no device named, the list is only its end: no offloading
        ggml_backend_dev_t dev = device_named(name, rpc);
        if (dev == nullptr) {
            *error = "--device: no device named '" + name + "' (devices: " + device_names(rpc) + ")";
            return false;
        }
        out->push_back(dev);
    }
    out->push_back(nullptr);
    return true;
}

// The patterns, and buffer type names, of -ot and of the --cpu-moe family (which keep weights on
// the CPU device's buffer type).
std::vector<TensorOverride> override_list(const BackendConfig& config) {
    std::vector<TensorOverride> list = config.tensor_overrides;
    ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    const std::string cpu_buft = cpu ? ggml_backend_buft_name(ggml_backend_dev_buffer_type(cpu)) : "CPU";
    for (int32_t i = 0; i < config.n_cpu_ffn; ++i) {
        list.push_back({"blk\\." + std::to_string(i) + "\\.ffn_(up|down|gate|gate_up)\\.", cpu_buft});
    }
    for (int32_t i = 0; i < config.n_cpu_moe; ++i) {
        list.push_back({"blk\\." + std::to_string(i) + "\\.ffn_(up|down|gate|gate_up)_(ch|)exps", cpu_buft});
    }
    if (config.cpu_moe) list.push_back({"\\.ffn_(up|down|gate|gate_up)_(ch|)exps", cpu_buft});
    return list;
}

llama_load_mode load_mode_named(const std::string& mode, bool mmap, bool mlock) {
    if (mode == "auto") return LLAMA_LOAD_MODE_AUTO;
    if (mode == "none") return LLAMA_LOAD_MODE_NONE;
    if (mode == "mmap") return LLAMA_LOAD_MODE_MMAP;
    if (mode == "mlock") return LLAMA_LOAD_MODE_MLOCK;
    if (mode == "mmap+mlock") return LLAMA_LOAD_MODE_MMAP_MLOCK;
    if (mode == "dio") return LLAMA_LOAD_MODE_DIRECT_IO;
    if (mmap) return mlock ? LLAMA_LOAD_MODE_MMAP_MLOCK : LLAMA_LOAD_MODE_MMAP;
    return mlock ? LLAMA_LOAD_MODE_MLOCK : LLAMA_LOAD_MODE_NONE;
}

llama_lazy_mode lazy_mode_named(const std::string& mode) {
    if (mode == "on") return LLAMA_LAZY_MODE_ON;
    if (mode == "off") return LLAMA_LAZY_MODE_OFF;
    return LLAMA_LAZY_MODE_AUTO;
}

}  // namespace

bool make_backend_placement(const BackendConfig& config, const RpcWorkers* rpc, BackendPlacement* out, std::string* error) {
    if (!resolve_devices(config.devices, rpc, &out->devices, error)) return false;
    const std::vector<TensorOverride> list = override_list(config);
    if (list.empty()) return true;
    out->patterns.reserve(list.size());  // the overrides point into these strings: no reallocation
    for (const auto& entry : list) {
        std::string known;
        ggml_backend_buffer_type_t buft = buffer_type_named(entry.buffer_type, &known);
        if (buft == nullptr) {
            *error = "--override-tensor: no buffer type named '" + entry.buffer_type + "' (buffer types: " + known + ")";
            return false;
        }
        out->patterns.push_back(entry.pattern);
        out->overrides.push_back({out->patterns.back().c_str(), buft});
    }
    out->overrides.push_back({nullptr, nullptr});
    return true;
}

void apply_backend_config(const EngineConfig& config, const BackendPlacement& placement, llama_model_params* params) {
    const BackendConfig& backend = config.backend;
    if (!placement.devices.empty()) params->devices = const_cast<ggml_backend_dev_t*>(placement.devices.data());
    if (!placement.overrides.empty()) params->tensor_buft_overrides = placement.overrides.data();
    params->load_mode = load_mode_named(backend.load_mode, config.mmap, config.mlock);
    params->lazy_mode = lazy_mode_named(backend.lazy_mode);
    params->use_extra_bufts = backend.repack;
    params->no_host = !backend.host_buffer;
}

LayerAssignmentLog::LayerAssignmentLog() {
    llama_log_get(&previous_, &previous_data_);
    llama_log_set(on_log, this);
}

LayerAssignmentLog::~LayerAssignmentLog() { llama_log_set(previous_, previous_data_); }

void LayerAssignmentLog::on_log(ggml_log_level level, const char* text, void* self) {
    auto* log = static_cast<LayerAssignmentLog*>(self);
    const std::string line(text);
    static const std::string kMarker = " assigned to device ";
    const size_t at = line.find(kMarker);
    if (line.rfind("load_tensors: layer", 0) == 0 && at != std::string::npos) {
        const size_t start = at + kMarker.size();
        const std::string device = line.substr(start, line.find(',', start) - start);
        auto it = std::find_if(log->layers_.begin(), log->layers_.end(), [&](const DeviceLayers& d) { return d.device == device; });
        if (it == log->layers_.end()) it = log->layers_.insert(log->layers_.end(), DeviceLayers{device, 0});
        ++it->layers;
    }
    if (log->previous_ != nullptr) log->previous_(level, text, log->previous_data_);
}

void apply_backend_context_config(const BackendConfig& config, llama_context_params* params) {
    params->op_offload = config.op_offload;
    params->no_perf = !config.perf;
    params->moe_cache_size = static_cast<size_t>(config.moe_cache_mib) << 20;
}

}  // namespace cria
