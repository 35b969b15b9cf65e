// The Prometheus text exposition of /metrics (names as the seed lists them, "llamacpp:" prefix).
#pragma once

#include <cstdint>
#include <string>

#include "engine/metrics.h"

namespace cria {

struct MetricsGauges {
    int64_t kv_cache_tokens = 0;
    int64_t n_ctx = 0;
    int64_t requests_processing = 0;
    int64_t requests_deferred = 0;
};

std::string prometheus_text(const MetricsSnapshot& counters, const MetricsGauges& gauges);

}  // namespace cria
