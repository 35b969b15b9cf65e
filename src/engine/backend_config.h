// BackendConfig: where the model's weights and work go, and how libllama loads it: llama-server's
// -dev, --rpc, -ot, --cpu-moe, --n-cpu-moe, --n-cpu-ffn, --moe-cache-mib, --repack, --no-host,
// --op-offload, -lm, -lzm, --perf, --control-vector* and the projector's device and image sizes.
// Plain data without libllama types (engine_config.h holds one); loaded_model.cpp hands it on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/media_prompt.h"

namespace cria {

// -ot PATTERN=BUFFER_TYPE: tensors whose name matches the regular expression go to that buffer
// type (a device's name, e.g. CPU). The first matching entry wins.
struct TensorOverride {
    std::string pattern;
    std::string buffer_type;
};

// --control-vector(-scaled): a control vector file and its scale.
struct ControlVectorConfig {
    std::string path;
    float scale = 1.0f;
};

// How many of the model's layers (the output layer counts as one) a device holds, as libllama
// placed them at load ("RPC0 (127.0.0.1:50052)", "CPU (...)"). For /props.
struct DeviceLayers {
    std::string device;
    int32_t layers = 0;
};

struct BackendConfig {
    std::vector<std::string> devices;       // -dev: device names to offload to; {"none"} = none; {} = all
    std::vector<std::string> rpc_servers;   // --rpc HOST:PORT,...: ggml-rpc-server workers whose devices join
    std::vector<TensorOverride> tensor_overrides;  // -ot, in the order given
    bool cpu_moe = false;                   // -cmoe: every MoE expert weight stays on the CPU
    int32_t n_cpu_moe = 0;                  // -ncmoe N: those of the first N layers stay on the CPU
    int32_t n_cpu_ffn = 0;                  // -ncffn N: the dense FFN weights of the first N layers too
    int32_t moe_cache_mib = 0;              // --moe-cache-mib: device cache for experts kept on the CPU
    bool repack = true;                     // --repack / -nr: extra buffer types (weight repacking)
    bool host_buffer = true;                // --no-host: false bypasses the host buffer
    bool op_offload = true;                 // --op-offload / --no-op-offload
    std::string load_mode;                  // -lm: auto, none, mmap, mlock, mmap+mlock, dio ("" = from --mmap/--mlock)
    std::string lazy_mode = "auto";         // -lzm: on, auto, off
    bool perf = false;                      // --perf: libllama's internal timings (logged at exit)
    std::vector<ControlVectorConfig> control_vectors;  // --control-vector, --control-vector-scaled
    int32_t control_vector_layer_start = -1;  // --control-vector-layer-range START END (-1 = all layers)
    int32_t control_vector_layer_end = -1;
    std::string mmproj_device;              // -mmdev: the projector's device ("" = follows -dev)
    int32_t image_min_tokens = -1;          // --image-min-tokens (-1 = the projector's own)
    int32_t image_max_tokens = -1;          // --image-max-tokens (-1 = the projector's own)
    int32_t mtmd_batch_max_tokens = 1024;   // --mtmd-batch-max-tokens: image tokens per vision-encoder batch
    VideoSettings video;                    // --video-fps, --video-timestamp-interval, --video-ffmpeg-dir
};

}  // namespace cria
