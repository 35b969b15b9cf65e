// EngineMetrics: counters and histograms for /metrics. The engine thread records (and a submitting
// thread, a refusal); any thread reads a snapshot. One short lock per finished request; nothing on the per-token path.
#pragma once

#include <array>
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

    MetricsSnapshot snapshot() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return m_;
    }

private:
    mutable std::mutex mutex_;
    MetricsSnapshot m_;
};

}  // namespace cria
