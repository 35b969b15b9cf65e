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
#include <vector>

#include "engine/generation_request.h"
#include "engine/metrics.h"
#include "engine/speculative_config.h"
#include "engine/task.h"
#include "engine/task_queue.h"
#include "engine/vocabulary.h"

namespace cria {

struct EngineConfig {
    std::string model_path;
    int32_t n_ctx = 4096;           // total context; 0 = the model's training context
    int32_t n_batch = 2048;
    int32_t n_ubatch = 512;
    int32_t n_parallel = 1;         // slots; each gets n_ctx / n_parallel tokens of context
    bool cont_batching = true;      // false: waiting requests start only when every slot is idle
    bool kv_unified = false;       // false: each slot its own KV stream (attends only to its own cells)
    int32_t n_threads = -1;         // -1: hardware threads
    int32_t n_threads_batch = -1;   // -1: same as n_threads
    int32_t n_gpu_layers = -1;      // -1: libllama's default
    int32_t main_gpu = 0;
    std::vector<float> tensor_split;
    bool mlock = false;
    bool mmap = true;
    std::string flash_attn = "auto";
    bool embedding = false;         // embedding mode: the context outputs embeddings, not logits
    std::string pooling;            // none, mean, cls, last; "" = the model's
    SpeculativeConfig speculative;  // draft model / n-gram lookup; off by default
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

class Engine {
public:
    explicit Engine(EngineConfig config);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Loads the model and creates the context. Call once, on the thread that will call run().
    // Returns false and sets *error on failure.
    bool load(std::string* error);

    // The step loop. Returns after shutdown(). Call only after a successful load().
    void run();

    // Any thread: stops accepting requests (waiting ones get a 503 TaskFailure); run() returns once
    // the running ones have finished, or after a 30 s grace period (the rest then get a 503).
    void shutdown();

    // Any thread, after load(): queues the request; results arrive on the returned Task.
    // Returns null once the engine is shutting down.
    std::shared_ptr<Task> submit(GenerationRequest request);

    // Any thread, after load().
    const Vocabulary& vocabulary() const { return *vocabulary_; }
    const EngineInfo& info() const { return info_; }
    std::vector<SlotStatus> slot_statuses() const { return board_.statuses(); }
    int32_t slots_processing() const { return board_.processing(); }
    MetricsSnapshot metrics() const { return metrics_.snapshot(); }
    size_t tasks_waiting() const { return queue_.size(); }

private:
    EngineConfig config_;
    EngineInfo info_;
    std::unique_ptr<LoadedModel> model_;
    std::unique_ptr<Vocabulary> vocabulary_;
    std::unique_ptr<Scheduler> scheduler_;
    TaskQueue queue_;
    StatusBoard board_;
    EngineMetrics metrics_;
    std::atomic<uint64_t> next_task_id_{1};
};

}  // namespace cria
