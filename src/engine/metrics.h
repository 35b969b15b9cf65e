// EngineMetrics: counters and histograms for /metrics. The engine thread records (and a submitting
// thread, a refusal); any thread reads a snapshot. One short lock per finished request; nothing on the per-token path.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>

namespace cria {

// Upper bounds (seconds) of the latency histograms' buckets; +Inf is implicit.
inline constexpr std::array<double, 10> kLatencyBuckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

struct Histogram {
    std::array<uint64_t, kLatencyBuckets.size()> buckets{};  // cumulative counts per upper bound
    uint64_t count = 0;
    double sum = 0.0;

    void observe(double seconds) {
        for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
            if (seconds <= kLatencyBuckets[i]) ++buckets[i];
        }
        ++count;
        sum += seconds;
    }
};

struct MetricsSnapshot {
    uint64_t prompt_tokens_total = 0;     // prompt tokens evaluated (cache reuse excluded)
    double prompt_seconds_total = 0.0;
    uint64_t tokens_predicted_total = 0;
    double predicted_seconds_total = 0.0;
    uint64_t requests_total = 0;          // finished requests
    uint64_t requests_rejected_total = 0; // requests refused because the task queue was full (503)
    // The host-memory prompt cache (--cache-ram, engine/kv/host_prompt_cache.h).
    uint64_t prompt_cache_hits_total = 0;             // prompts restored from it
    uint64_t prompt_cache_tokens_restored_total = 0;  // prompt tokens those restores saved computing
    uint64_t prompt_cache_saves_total = 0;            // sequences stored in it as they left a slot
    uint64_t prompt_cache_bytes = 0;                  // bytes it holds now
    uint64_t prompt_cache_entries = 0;                // entries it holds now
    // Context checkpoints (-ctxcp, engine/kv/context_checkpoints.h).
    uint64_t context_checkpoint_restores_total = 0;   // prompts that went back to one instead of the start
    uint64_t context_checkpoints = 0;                 // checkpoints the slots hold now
    uint64_t context_checkpoint_bytes = 0;            // their bytes
    uint64_t prompt_tokens_cached_total = 0;  // prompt tokens reused from a cache instead of evaluated
    uint64_t n_tokens_max = 0;            // longest sequence a request reached (prompt + generated)
    uint64_t draft_tokens_total = 0;      // speculative decoding: tokens drafted
    uint64_t draft_accepted_total = 0;    // of those, accepted
    uint64_t drafts_total = 0;            // drafts verified (one per slot and step that had one)
    uint64_t n_decode_total = 0;          // llama_decode calls of the main model's step loop
    uint64_t busy_slots_total = 0;        // sum over those calls of the slots busy at the time
    Histogram time_to_first_token;        // seconds from admission to the first token
    Histogram request_latency;            // seconds from admission to the end
};

class EngineMetrics {
public:
    void record_request(uint64_t prompt_tokens, double prompt_seconds, uint64_t predicted_tokens,
                        double predicted_seconds) {
        std::lock_guard<std::mutex> lock(mutex_);
        m_.prompt_tokens_total += prompt_tokens;
        m_.prompt_seconds_total += prompt_seconds;
        m_.tokens_predicted_total += predicted_tokens;
        m_.predicted_seconds_total += predicted_seconds;
        ++m_.requests_total;
        m_.time_to_first_token.observe(prompt_seconds);
        m_.request_latency.observe(prompt_seconds + predicted_seconds);
    }

    // The rest of a finished request's figures (engine thread, right after record_request).
    void record_request_details(uint64_t cached_tokens, uint64_t n_tokens, uint64_t drafted, uint64_t accepted) {
        std::lock_guard<std::mutex> lock(mutex_);
        m_.prompt_tokens_cached_total += cached_tokens;
        m_.n_tokens_max = std::max(m_.n_tokens_max, n_tokens);
        m_.draft_tokens_total += drafted;
        m_.draft_accepted_total += accepted;
    }

    // Engine thread, per step: atomics, so the step loop never waits on a reader's lock.
    void record_decode(uint64_t busy_slots) {
        n_decode_.fetch_add(1, std::memory_order_relaxed);
        busy_slots_.fetch_add(busy_slots, std::memory_order_relaxed);
    }
    void record_draft() { drafts_.fetch_add(1, std::memory_order_relaxed); }

    // Any thread: a request was refused because the queue was full.
    void record_rejected() {
        std::lock_guard<std::mutex> lock(mutex_);
        ++m_.requests_rejected_total;
    }

    // Engine thread: a prompt restored `tokens` tokens from the host cache (hit), or a sequence was
    // saved into it (saved); either way, what it holds now.
    void record_prompt_cache(bool hit, uint64_t tokens, bool saved, uint64_t bytes, uint64_t entries) {
        std::lock_guard<std::mutex> lock(mutex_);
        m_.prompt_cache_hits_total += hit ? 1 : 0;
        m_.prompt_cache_tokens_restored_total += hit ? tokens : 0;
        m_.prompt_cache_saves_total += saved ? 1 : 0;
        m_.prompt_cache_bytes = bytes;
        m_.prompt_cache_entries = entries;
    }

    // Engine thread: the context checkpoints' totals now.
    void record_checkpoints(uint64_t restores_total, uint64_t count, uint64_t bytes) {
        std::lock_guard<std::mutex> lock(mutex_);
        m_.context_checkpoint_restores_total = restores_total;
        m_.context_checkpoints = count;
        m_.context_checkpoint_bytes = bytes;
    }

    MetricsSnapshot snapshot() const {
        std::lock_guard<std::mutex> lock(mutex_);
        MetricsSnapshot out = m_;
        out.n_decode_total = n_decode_.load(std::memory_order_relaxed);
        out.busy_slots_total = busy_slots_.load(std::memory_order_relaxed);
        out.drafts_total = drafts_.load(std::memory_order_relaxed);
        return out;
    }

private:
    mutable std::mutex mutex_;
    MetricsSnapshot m_;
    std::atomic<uint64_t> n_decode_{0};
    std::atomic<uint64_t> busy_slots_{0};
    std::atomic<uint64_t> drafts_{0};
};

}  // namespace cria
