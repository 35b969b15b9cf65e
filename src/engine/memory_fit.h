// --fit: adjusting the options the user left unset (-c, -ngl, -ts) so that the model fits in the
// memory of its devices, keeping a margin free on each (-fitt), and never cutting the context below
// a floor (-fitc). llama-server 0.7 does this before it loads a model; these are its rules, as its
// --help and its start-up log describe them (llama.cpp common/fit.cpp), with our own arithmetic:
//
//   1. If the model, its KV cache and the compute buffers fit with every margin kept, nothing changes.
//   2. Else, if the context was not given by the user (-c, also -c 0 = "the full training
//      context"), it is cut, in steps of 256 tokens and not below -fitc (both per KV stream: times
//      -np unless --kv-unified), to the largest that fits.
//   3. Else, with no GPU device, nothing more can be done: the values stay as they are.
//   4. Else, if the user gave -ngl, -ts (several GPUs) or tensor overrides (-ot, --cpu-moe,
//      --n-cpu-moe), they stay as given ("already set by user").
//   5. Else the devices are filled with whole layers, back to front (the output layer first, as
//      libllama offloads), as many as fit in each; the rest stays on the CPU. With several GPUs the
//      layer counts become the tensor split.
//
// Without a GPU the host's memory is what must hold the model (the first margin applies to it), as
// llama-server checks on a CPU-only machine. Plain data and a pure function: the engine's adapter
// (memory_fit_probe.h) measures the devices and the model; tests use made-up ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cria {

// What --fit, --fit-target and --fit-ctx say, and which of the options fit may change were given.
struct MemoryFitConfig {
    bool enabled = true;                     // -fit on|off
    std::vector<int64_t> target_mib = {1024};  // -fitt: margin per device in MiB; one value applies to all
    int32_t min_ctx = 4096;                  // -fitc: the smallest context fit may choose
    bool ctx_given = false;                  // -c (or LLAMA_ARG_CTX_SIZE) was given by the user, not a preset
};

// One device the model may be placed on, as ggml_backend_dev_memory() reports it.
struct FitDevice {
    std::string name;
    int64_t free_bytes = 0;
    int64_t total_bytes = 0;
};

// The model and the context as the adapter measured them.
struct FitModel {
    int32_t n_layer = 0;               // repeating layers; libllama's -ngl counts one more (the output layer)
    int32_t n_ctx_train = 0;
    int64_t weight_bytes = 0;          // all weights
    int64_t kv_bytes_per_token = 0;    // K and V of every layer for one token of context
    int64_t compute_bytes = 0;         // compute buffer per device used (an estimate)
};

// The options as given (after presets and defaults) that fit may change.
struct FitRequest {
    MemoryFitConfig fit;
    int32_t n_ctx = 4096;              // the whole KV pool; 0 = the training context
    int32_t n_streams = 1;             // KV streams: -np without --kv-unified; -fitc and the 256-token
                                       // step are per stream, as in llama-server
    int32_t n_gpu_layers = -1;         // -1 = auto (not given)
    bool tensor_split_given = false;   // -ts with a non-zero entry
    bool tensor_overrides_given = false;  // -ot, --cpu-moe, --n-cpu-moe
    std::vector<FitDevice> gpus;       // the GPU devices the model would use (none: CPU only)
    int64_t host_free_bytes = 0;
};

struct FitPlan {
    int32_t n_ctx = 0;                 // the context to use (as given when unchanged)
    int32_t n_gpu_layers = -1;         // as given when unchanged
    std::vector<float> tensor_split;   // empty: as given
    bool changed = false;              // any of the three differs from the request
    bool fits = false;                 // the plan keeps every margin
    std::vector<std::string> log;      // what fit decided, one line each, for the start-up log
};

// The plan. Never fails: where nothing can be done, the values stay and the log says why.
FitPlan plan_memory_fit(const FitRequest& request, const FitModel& model);

// Parses -fitt "MiB0,MiB1,...": non-negative integers. Returns "" or the reason it is refused.
std::string parse_fit_targets(const std::string& text, std::vector<int64_t>* out);

}  // namespace cria
