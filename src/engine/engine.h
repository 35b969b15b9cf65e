// Engine: the facade the HTTP side talks to. It owns the loaded model and the scheduler thread's
// state; the scheduler (scheduler.h) runs the step loop and alone touches libllama's mutable state.
//
// Other threads call submit(), the read-only accessors and shutdown(); nothing here blocks on
// llama_decode.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine_config.h"
#include "engine/generation_request.h"
#include "engine/lora_adapters.h"
#include "engine/metadata_override.h"
#include "engine/metrics.h"
#include "engine/speculative_config.h"
#include "engine/slot_file.h"
#include "engine/task.h"
#include "engine/task_handle.h"
#include "engine/task_queue.h"
#include "engine/vocabulary.h"

namespace cria {

// How libllama was set up: what the pass-through options became, for /props and the start-up log.
struct RuntimeInfo {
    int32_t n_threads = 0;             // as the context reports them
    int32_t n_threads_batch = 0;
    int32_t n_layer = 0;               // the model's repeating layers
    int32_t n_gpu_layers = 0;          // what libllama was asked for (negative: all)
    int32_t n_gpu_layers_offloaded = 0;  // layers (of n_layer + 1, the output layer included) on a GPU
    bool gpu_offload_supported = false;  // libllama has a GPU backend at all
    std::vector<std::string> devices;  // every backend device, e.g. "CPU (AMD EPYC ...)"
    std::vector<std::string> gpu_devices;  // those layers can be offloaded to
    std::vector<std::string> rpc_servers;  // --rpc workers, as given
    std::vector<DeviceLayers> device_layers;  // where libllama put the layers at load
    int32_t main_gpu = 0;
    std::string split_mode;
    std::vector<float> tensor_split;
    bool mmap = true;
    bool mlock = false;
    bool check_tensors = false;
    std::vector<std::string> kv_overrides;  // the overridden metadata keys
    std::string numa;                  // "" = off
    int32_t grp_attn_n = 1;
    int32_t grp_attn_w = 512;
    int64_t max_position = 0;          // the largest position a full slot reaches (self-extend keeps it low)
    ContextTuning tuning;              // as given (the defaults mean the model's own)
    bool context_shift = true;
};

// How a reranking model (pooling rank) reads a (query, document) pair, as llama-server lays it out:
// the model's "rerank" template with {query} and {document} replaced, else
// [BOS] query [EOS] [SEP] document [EOS], each special token only where the metadata adds it.
struct RerankFormat {
    std::string prompt_template;  // tokenizer.chat_template.rerank, "" if none
    bool add_bos = false;
    bool add_eos = false;
    bool add_sep = false;
    Token bos = -1;
    Token eos = -1;  // the SEP token where the model has no EOS
    Token sep = -1;
};

// Read-only facts about the loaded model and context, fixed after load().
struct EngineInfo {
    std::string model_path;
    std::string model_description;  // e.g. "llama ?B F16"
    int32_t n_ctx = 0;              // total context
    int32_t n_ctx_slot = 0;         // per slot
    int32_t n_ctx_train = 0;
    int32_t n_slots = 0;
    int32_t n_vocab = 0;
    int32_t n_embd = 0;
    uint64_t n_params = 0;
    uint64_t model_size = 0;
    std::string chat_template;      // from the model's metadata, "" if none
    int32_t n_ubatch = 0;           // the most tokens one embedding input may have
    bool embedding = false;         // embedding mode
    std::string pooling;            // the pooling in effect: none, mean, cls, last or rank
    int32_t n_cls_out = 0;          // rank pooling: the scores per input (the classifier's outputs)
    RerankFormat rerank;            // rank pooling: how a (query, document) pair becomes a prompt
    // The model's GGUF metadata as libllama renders it (key, value text), in file order; arrays
    // of the vocabulary (tokens, scores, types, merges) are left out.
    std::vector<std::pair<std::string, std::string>> metadata;
    bool vision = false;            // a projector (--mmproj) is loaded: prompts may hold images
    bool video = false;             // ... and videos (libmtmd's video helper; ffmpeg at run time)
    RuntimeInfo runtime;
};

// What a slot is doing, for /health, /props and /slots. Published by the engine thread.
struct SlotStatus {
    int32_t id = 0;
    bool processing = false;
    uint64_t task_id = 0;
    int32_t n_cached = 0;           // tokens in the slot's cache
    int32_t n_decoded = 0;          // tokens generated for the current request
    std::shared_ptr<const Task> task;  // the request being served (its settings and prompt); null when idle
};

class StatusBoard {
public:
    void publish(std::vector<SlotStatus> statuses) {
        int32_t processing = 0;
        for (const auto& s : statuses) processing += s.processing ? 1 : 0;
        std::lock_guard<std::mutex> lock(mutex_);
        statuses_ = std::move(statuses);
        processing_ = processing;
    }
    std::vector<SlotStatus> statuses() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return statuses_;
    }
    int32_t processing() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return processing_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<SlotStatus> statuses_;
    int32_t processing_ = 0;
};

class Scheduler;
struct LoadedModel;
class MediaProjector;
class RpcWorkers;

// The --rpc workers as /health reports them. degraded: a worker connection was lost and the model
// is not loaded again yet (requests are answered 503 meanwhile); `unreachable` names the workers
// that do not accept connections now.
struct BackendHealth {
    bool degraded = false;
    std::string message;
    std::vector<std::string> unreachable;
};

class Engine {
public:
    explicit Engine(EngineConfig config);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Where load() reads the model, replacing EngineConfig::model_path. Call before load() (main
    // learns the path of a downloaded model only after the HTTP server is listening).
    void set_model_path(std::string path) { config_.model_path = std::move(path); }
    // Likewise EngineConfig::mmproj_path, for a projector downloaded with -mmu or found with -hf.
    void set_mmproj_path(std::string path) { config_.mmproj_path = std::move(path); }
    // Likewise SpeculativeConfig::draft_model_path, for a draft model downloaded with -hfd.
    void set_draft_model_path(std::string path) { config_.speculative.draft_model_path = std::move(path); }

    // Loads the model and creates the context. Call once, on the thread that will call run().
    // Returns false and sets *error on failure (an --rpc worker that does not answer is named).
    bool load(std::string* error);

    // The step loop. Returns after shutdown(). Call only after a successful load(). When an --rpc
    // worker is lost (rpc_fault.h), the running requests fail, the engine waits for every worker
    // to answer, loads the model again over new connections and goes on (rpc_recovery.cpp).
    void run();

    // Any thread: stops accepting requests (waiting ones get a 503 TaskFailure); run() returns once
    // the running ones have finished, or after a 30 s grace period (the rest then get a 503).
    void shutdown();

    // Any thread, after load(): queues the tasks of one HTTP request, all or none; results arrive
    // on the returned handles (one per request, in order), and dropping a handle cancels its task.
    // Refused (no handles) once the engine is shutting down, or when the queue has no room for
    // them (counted in metrics().requests_rejected_total when it is full).
    struct Submission {
        QueueAdmission admission = QueueAdmission::queued;
        std::vector<TaskHandle> tasks;
        size_t queue_capacity = 0;  // --max-queued-requests, for the refusal's message
    };
    Submission submit(std::vector<GenerationRequest> requests);

    // Any thread, after load(): saves, restores or erases an idle slot's cache between two steps.
    // The future answers 409 if the slot is busy (or a busy slot is about to copy its cache), 503
    // once the engine has stopped.
    std::future<SlotFileResult> slot_file(SlotFileRequest request);

    // Any thread, after load().
    const Vocabulary& vocabulary() const { return *vocabulary_; }
    // The vision projector (--mmproj), for tokenizing prompts with images; null without one.
    const MediaProjector* media() const;
    const EngineInfo& info() const { return info_; }
    std::vector<SlotStatus> slot_statuses() const { return board_.statuses(); }
    int32_t slots_processing() const { return board_.processing(); }
    MetricsSnapshot metrics() const { return metrics_.snapshot(); }
    size_t tasks_waiting() const { return queue_.size(); }
    BackendHealth backend_health() const;

    // Any thread, after load(): the LoRA adapters and their server-wide scales. New scales apply
    // to requests submitted from then on; running ones keep theirs.
    size_t lora_adapter_count() const;
    std::vector<LoraAdapterInfo> lora_adapters() const;
    void set_lora_scales(const LoraScales& scales);  // one per adapter (the caller validated them)

private:
    // The --rpc workers (rpc_recovery.cpp).
    bool connect_rpc_workers(std::string* error);
    bool recover_lost_worker();  // false: the queue closed while the workers were away
    bool reload_model(std::string* error);
    void abandon_lost_model();
    void fail_waiting(const std::string& message);
    void set_backend_health(BackendHealth health);

    EngineConfig config_;
    EngineInfo info_;
    std::unique_ptr<LoadedModel> model_;
    std::unique_ptr<Vocabulary> vocabulary_;
    std::unique_ptr<Scheduler> scheduler_;
    TaskQueue queue_;
    SlotFileJobs slot_files_;
    StatusBoard board_;
    EngineMetrics metrics_;
    std::atomic<uint64_t> next_task_id_{1};
    std::unique_ptr<RpcWorkers> rpc_;  // null without --rpc
    mutable std::mutex health_mutex_;
    BackendHealth health_;
};

}  // namespace cria
