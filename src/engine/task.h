// Task: one submitted GenerationRequest and the channel its results come back on.
//
// Two threads meet here: the engine thread pushes events, the HTTP handler thread pops them.
// Everything in this header is safe to call from either side.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/generation_request.h"

namespace cria {

// A candidate token and its probability after the sampler chain (what the final draw saw).
struct TokenCandidate {
    Token token = 0;
    float prob = 0.0f;
};

// For n_probs: the sampled token, its probability, and the most likely candidates, sorted.
struct TokenProbabilities {
    Token token = 0;
    float prob = 0.0f;
    std::vector<TokenCandidate> top;
};

struct Timings {
    int32_t prompt_n = 0;        // prompt tokens evaluated for this request (excludes reused cache)
    double prompt_ms = 0;
    int32_t predicted_n = 0;     // tokens generated
    double predicted_ms = 0;
    int32_t cache_n = 0;         // prompt tokens reused from the slot's cache
    int32_t draft_n = 0;         // speculative decoding: tokens drafted and verified
    int32_t draft_n_accepted = 0;  // of those, the ones the main model agreed with
};

// One generated token, for streaming. `text` is the part of the output that became safe to send
// with this token: it never ends inside a UTF-8 character and never holds a possible stop string's
// beginning. It may be empty while text is held back.
struct TokenChunk {
    Token token = 0;
    std::string text;
    std::vector<TokenProbabilities> probabilities;  // this token's, when n_probs > 0
    int32_t id_slot = -1;
    int32_t n_prompt_tokens = 0;  // the prompt's length, as in the result
    Timings timings;              // the request's so far (timings_per_token, return_progress)
};

enum class StopReason { none, eos, limit, word };


// The end of a request: everything the non-streaming response and the stream's last event report.
struct CompletionResult {
    std::string content;         // the whole generated text, stop string excluded
    std::string unsent_text;     // streaming: the end of `content` that no TokenChunk carried yet
    std::vector<Token> tokens;   // the generated tokens
    std::vector<TokenProbabilities> probabilities;  // one per generated token, when n_probs > 0
    StopReason stop_reason = StopReason::none;
    std::string stopping_word;   // the stop string that ended generation, or ""
    bool truncated = false;      // the context was shifted (tokens dropped) during this request
    bool has_new_line = false;   // the generated text has a '\n' (t_max_predict_ms counts only after one)
    int32_t n_prompt_tokens = 0; // prompt length in tokens
    int32_t tokens_cached = 0;   // tokens in the slot's cache at the end (n_past)
    int32_t id_slot = -1;
    Timings timings;
};

// A failure found by the engine after the request was accepted (e.g. llama_decode failed).
struct TaskFailure {
    int http_status = 500;
    std::string message;
};

// The end of an embedding request: one L2-normalized vector, or one per token with pooling none.
struct EmbeddingResult {
    std::vector<std::vector<float>> vectors;
    int32_t n_tokens = 0;
};

using TaskEvent = std::variant<TokenChunk, CompletionResult, TaskFailure, EmbeddingResult>;

class Task {
public:
    Task(uint64_t id, GenerationRequest request) : id_(id), request_(std::move(request)) {}

    uint64_t id() const { return id_; }
    const GenerationRequest& request() const { return request_; }

    // Handler side. Waits up to `timeout` for the next event; nullopt on timeout.
    std::optional<TaskEvent> next_event(std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!ready_.wait_for(lock, timeout, [&] { return !events_.empty(); })) return std::nullopt;
        TaskEvent event = std::move(events_.front());
        events_.pop_front();
        return event;
    }

    // Handler side: the client is gone. The engine frees the slot at its next step.
    void cancel() { cancelled_.store(true, std::memory_order_relaxed); }

    // Engine side.
    bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
    void push(TaskEvent event) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            events_.push_back(std::move(event));
        }
        ready_.notify_one();
    }

private:
    const uint64_t id_;
    const GenerationRequest request_;
    std::atomic<bool> cancelled_{false};
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<TaskEvent> events_;
};

}  // namespace cria
