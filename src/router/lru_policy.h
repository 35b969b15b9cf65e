// Which models to unload: the least recently used ones when a load would pass --models-max, and
// the idle ones under --sleep-idle-seconds. Pure functions of a snapshot, so they are unit-tested
// without processes; ModelRegistry takes the snapshot under its lock and acts on the answer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cria::router {

struct ModelUsage {
    std::string name;
    bool running = false;   // loaded or loading: it holds (or is about to hold) memory
    bool loaded = false;    // loaded: it can be unloaded now (a loading one never is)
    int in_flight = 0;      // requests being answered
    int in_use = 0;         // of those, requests that use the model (not looks at it: /props, /metrics)
    int64_t last_used_ms = 0;  // when a request last started or ended (monotonic clock)
};

// The models to unload, first to last, so that `incoming` can be loaded with at most `max_loaded`
// models running (0 = no limit). Candidates are loaded models other than `incoming`, idle ones
// before busy ones (a busy one finishes its requests before it exits), each group least recently
// used first. Fewer than needed when too few are loaded (the rest are still loading).
std::vector<std::string> models_to_evict(const std::vector<ModelUsage>& models, const std::string& incoming,
                                         int max_loaded);

// The loaded models without a request for at least `idle_ms` at `now_ms` (idle_ms < 0: none).
std::vector<std::string> idle_models(const std::vector<ModelUsage>& models, int64_t now_ms, int64_t idle_ms);

}  // namespace cria::router
