// Where the model's weights go (-dev and the --rpc workers' devices, -ot, --cpu-moe, --n-cpu-moe, --n-cpu-ffn) and how it is
// loaded (--repack, --no-host, -lm, -lzm): BackendConfig turned into llama_model_params.
#pragma once

#include <llama.h>

#include <string>
#include <vector>

#include "engine/engine_config.h"
#include "engine/rpc_workers.h"

namespace cria {

// What llama_model_params points into; it must outlive the model load.
struct BackendPlacement {
    std::vector<ggml_backend_dev_t> devices;  // ended by nullptr; empty = every device (libllama's default)
    std::vector<std::string> patterns;        // the override patterns' text
    std::vector<llama_model_tensor_buft_override> overrides;  // ended by {nullptr, nullptr}; empty = none
};

// Resolves device and buffer type names; with RPC workers (null or empty: none), -dev names their
// devices as rpc_workers.h says, and the device list is always explicit (never a lost connection's
// devices). False with *error naming the unknown one (and the known ones) when a name matches no
// device or buffer type.
bool make_backend_placement(const BackendConfig& config, const RpcWorkers* rpc, BackendPlacement* out, std::string* error);

// Sets the model parameters from the config and the resolved placement (which must outlive the load).
void apply_backend_config(const EngineConfig& config, const BackendPlacement& placement, llama_model_params* params);

// While alive, counts libllama's "layer N assigned to device X" messages of a model load per ggml
// device name (in order of their first layer), and passes every message on to the log callback set
// before it, which it restores when destroyed. Engine thread; one load at a time.
class LayerAssignmentLog {
public:
    LayerAssignmentLog();
    ~LayerAssignmentLog();
    LayerAssignmentLog(const LayerAssignmentLog&) = delete;
    LayerAssignmentLog& operator=(const LayerAssignmentLog&) = delete;
    const std::vector<DeviceLayers>& layers() const { return layers_; }

private:
    static void on_log(ggml_log_level level, const char* text, void* self);
    ggml_log_callback previous_ = nullptr;
    void* previous_data_ = nullptr;
    std::vector<DeviceLayers> layers_;
};

// The context parameters of BackendConfig: --op-offload, --perf, --moe-cache-mib.
void apply_backend_context_config(const BackendConfig& config, llama_context_params* params);

}  // namespace cria
