// ModelRegistry's record of one model: private to model_registry*.cpp. Every field is guarded by
// ModelRegistry::mutex_.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <thread>

#include "router/model_registry.h"

namespace cria::router {

struct ModelRegistry::Entry {
    ModelSpec spec;
    ModelState state = ModelState::unloaded;
    pid_t pid = 0;                  // the child, while one runs
    int port = 0;                   // its loopback port
    bool stop_requested = false;    // SIGTERM sent (unload, eviction, sleep, shutdown): its exit is no crash
    bool sleep_requested = false;   // ... because it was idle: it ends sleeping, not unloaded
    bool killed = false;            // SIGKILL sent after the stop timeout
    int64_t stop_deadline_ms = 0;
    int in_flight = 0;              // leases held
    int in_use = 0;                 // of those, leases that use the model: only they keep it awake
    int64_t last_used_ms = 0;
    int64_t load_started_ms = 0;
    std::string last_error;         // why it failed to load
    std::string last_exit;          // how its last child ended unexpectedly
    uint64_t loads = 0, load_failures = 0, crashes = 0, requests = 0;
    double last_load_seconds = 0;
    std::thread supervisor;         // joined before the next load and at shutdown
};

}  // namespace cria::router
