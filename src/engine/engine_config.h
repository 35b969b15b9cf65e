// EngineConfig: everything the engine is started with (model, context, batching, devices, RoPE and
// KV-cache settings, speculative decoding). Plain data without libllama types, so the option parser
// (options/server_options.h) writes these fields directly and main.cpp hands them to Engine as is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/backend_config.h"
#include "engine/cpu_placement.h"
#include "engine/metadata_override.h"
#include "engine/speculative_config.h"

namespace cria {

// One --lora / --lora-scaled adapter. Its id (in /lora-adapters and a request's `lora`) is its
// place in EngineConfig::lora_adapters.
struct LoraAdapterConfig {
    std::string path;
    float scale = 1.0f;
};

// RoPE, YaRN and KV-cache settings handed to libllama's context as given; the defaults mean "the
// model's own" (libllama's conventions: 0 or -1).
struct ContextTuning {
    std::string rope_scaling;          // --rope-scaling: "", none, linear, yarn ("" = the model's)
    float rope_freq_base = 0.0f;       // --rope-freq-base (0 = the model's)
    float rope_freq_scale = 0.0f;      // --rope-freq-scale; --rope-scale N sets 1/N (0 = the model's)
    int32_t yarn_orig_ctx = 0;         // --yarn-orig-ctx (0 = the training context)
    float yarn_ext_factor = -1.0f;     // --yarn-ext-factor (-1 = the model's)
    float yarn_attn_factor = -1.0f;    // --yarn-attn-factor (-1 = the model's)
    float yarn_beta_slow = -1.0f;      // --yarn-beta-slow (-1 = the model's)
    float yarn_beta_fast = -1.0f;      // --yarn-beta-fast (-1 = the model's)
    std::string cache_type_k = "f16";  // -ctk: ggml type names: f32, f16, bf16, q8_0, q4_0, ...
    std::string cache_type_v = "f16";  // -ctv
    float defrag_thold = -1.0f;        // -dt (deprecated in libllama; < 0 = off)
    bool kv_offload = true;            // -kvo / -nkvo
    bool swa_full = false;             // --swa-full
};

// The prompt caches beyond a slot's own common prefix (engine/kv/host_prompt_cache.h, KvCache).
struct PromptCacheConfig {
    int32_t ram_mib = 8192;         // --cache-ram: host-memory budget in MiB; -1 = no limit, 0 = off
    int32_t reuse_min_chunk = 0;    // --cache-reuse: smallest chunk after the common prefix reused by KV shifting; 0 = off
    float slot_similarity = 0.1f;   // --slot-prompt-similarity: the share of the prompt a slot's cache must
                                    // match for its slot to be chosen by it (else the least recently used); 0 = never
    std::string dir;                // --cache-dir: the host cache is written here at shutdown, read at start ("" = not)
    bool cache_idle_slots = true;   // --cache-idle-slots: a starting task saves the idle slots to the host
                                    // cache (and, with a unified KV cache, empties those it saved)
    int32_t ctx_checkpoints = 32;   // -ctxcp: context checkpoints per slot (engine/kv/context_checkpoints.h); 0 = none
    int32_t checkpoint_min_step = 8192;  // -cms: spacing the eviction of earlier requests' checkpoints keeps; 0 = none
};

// The default of --max-queued-requests: room for bursts far beyond any slot count, while a flood
// of requests gets a quick 503 instead of waiting without end.
inline constexpr int32_t kDefaultMaxQueuedRequests = 1024;

struct EngineConfig {
    std::string model_path;         // -m: the file to load; with -mu/-hf, where the download is kept ("" =
                                    // the cache directory); main.cpp sets the downloaded path on the Engine
    std::vector<LoraAdapterConfig> lora_adapters;  // --lora / --lora-scaled, in order: ids 0, 1, ...
    int32_t n_ctx = 4096;           // -c: total context, shared by all slots; 0 = the model's training context
    int32_t n_batch = 2048;         // -b: logical batch (tokens per llama_decode)
    int32_t n_ubatch = 512;         // -ub: physical batch; never above n_batch (options' validate() lowers it)
    int32_t n_parallel = 1;         // -np: slots; each gets n_ctx / n_parallel tokens of context
    bool cont_batching = true;      // -cb / -nocb; false: waiting requests start only when every slot is idle
    int32_t max_queued_requests = kDefaultMaxQueuedRequests;  // --max-queued-requests: generation tasks
                                    // (one per prompt and choice) waiting for a slot at most; more get a 503
    bool kv_unified = false;        // -kvu; false: each slot its own KV stream (attends only to its own cells)
    int32_t n_ctx_slot_max = 0;     // --kv-unified-per-slot: no slot's context exceeds this (0 = no cap);
                                    // without -c, options size n_ctx to n_parallel times it
    int32_t n_threads = -1;         // -t; -1: hardware threads
    int32_t n_threads_batch = -1;   // -tb; -1: same as n_threads
    CpuPlacement cpu;               // -C, -Cr, --cpu-strict, --prio, --poll: the generation threads
    CpuPlacement cpu_batch;         // -Cb, -Crb, --cpu-strict-batch, ...: the batch threads (unset: as `cpu`)
    int32_t n_gpu_layers = -1;      // -ngl; -1: "auto" (libllama's default; llama.h itself reads any negative
                                    // value as "all layers", so the engine maps -1); "all" = kAllGpuLayers
    int32_t main_gpu = 0;           // -mg
    std::string split_mode = "layer";  // -sm: none, layer, row
    std::vector<float> tensor_split;   // -ts "3,2" (empty = split by free memory)
    bool mlock = false;             // --mlock
    bool mmap = true;               // --mmap / --no-mmap
    bool check_tensors = false;     // --check-tensors: libllama validates the tensor data while loading
    std::vector<MetadataOverride> kv_overrides;  // --override-kv: metadata values read instead of the file's
    std::string numa;               // --numa: "", distribute, isolate, numactl ("" = off)
    int32_t grp_attn_n = 1;         // -gan: self-extend factor; 1 = off
    int32_t grp_attn_w = 512;       // -gaw: self-extend window (a multiple of grp_attn_n)
    std::string flash_attn = "auto";  // -fa: on, off or auto
    bool embedding = false;         // --embedding: the context outputs embeddings, not logits
    std::string pooling;            // --pooling: none, mean, cls, last; "" = the model's
    std::string mmproj_path;        // -mm, --mmproj: a vision projector; "" = text only
    bool mmproj_offload = true;     // --no-mmproj-offload: the vision encoder runs on the CPU
    SpeculativeConfig speculative;  // -md, --spec-type, ...: draft model / n-gram lookup; off by default
    ContextTuning tuning;
    PromptCacheConfig prompt_cache;
    bool context_shift = true;      // --no-context-shift: a slot whose context is full stops instead of shifting
    bool warmup = true;             // --warmup: one empty decode at load, so the first request does not pay for it
    BackendConfig backend;          // -dev, -ot, --cpu-moe, -lm, --control-vector, ... (engine/backend_config.h)
    int32_t embd_normalize = 2;     // --embd-normalize: -1 none, 0 max-abs to int16, 1 taxicab, 2 euclidean, >2 p-norm
    bool special = false;           // -sp, --special: special tokens are rendered in generated text
};

// What "-ngl all" stores in EngineConfig::n_gpu_layers: more layers than any model has.
inline constexpr int32_t kAllGpuLayers = 999;

}  // namespace cria
