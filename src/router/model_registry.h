// ModelRegistry: the state of every model of a router, and the child process of each loaded one.
//
// States: unloaded ▸ loading ▸ loaded ▸ (unload, eviction, idle sleep, crash) ▸ unloaded | sleeping;
// a child that exits before its /health says ready leaves the model failed (it is not retried
// until POST /models/load asks). A loaded model whose child dies is unloaded (its crash recorded)
// and loads again on its next request.
//
// Threads: one supervising thread per child (spawns it, polls its /health until ready, then waits
// for it in waitpid), one housekeeping thread (idle sleep, SIGKILL after a stop timeout), and the
// HTTP threads that call acquire/load/unload. Every field of a model is guarded by mutex_; waits
// are on one condition variable, notified on every change of state.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "router/lru_policy.h"
#include "router/model_catalog.h"

namespace cria::router {

enum class ModelState { unloaded, loading, loaded, sleeping, failed };
const char* state_name(ModelState state);

struct RegistrySettings {
    std::string executable;                 // the cria binary the children run
    std::vector<std::string> common_args;   // the router's own command line, router-only options removed
    std::vector<std::string> unset_env;     // variables of router-only options, kept from the children
    int models_max = 4;                     // 0 = no limit
    bool autoload = true;
    int sleep_idle_s = -1;                  // -1 = never
    bool single = false;                    // one model (-m with --sleep-idle-seconds): every request is its
    int load_timeout_s = 600;               // a child not ready by then is killed: failed
};

class ModelRegistry {
    struct Entry;

public:
    // A request's hold on a loaded model: while any lease is held the model counts as busy (never
    // idle, evicted last). Move-only; releasing it records the model's last use.
    class Lease {
    public:
        Lease(ModelRegistry* registry, Entry* entry, int port, bool use)
            : registry_(registry), entry_(entry), port_(port), use_(use) {}
        Lease(Lease&& other) noexcept;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Lease& operator=(Lease&&) = delete;
        ~Lease();
        int port() const { return port_; }
        pid_t pid() const;
        const std::string& model() const;

    private:
        ModelRegistry* registry_;
        Entry* entry_;
        int port_;
        bool use_;  // a request (it records the model's last use), not a look at it (/props, /metrics)
    };

    ModelRegistry(std::vector<ModelSpec> models, RegistrySettings settings);
    ~ModelRegistry();

    // Loads the load-on-startup models (every model in single mode) and starts housekeeping.
    void start();
    // Stops every child (SIGTERM, SIGKILL after its stop timeout) and joins every thread.
    void shutdown();

    // The model a request is for. `requested` is its "model" ("" = none). Single mode: always the
    // one model. Otherwise the named model; with none named, the only model if there is one.
    // Throws ApiError: 400 (none named among several), 404 (no such model).
    std::string resolve(const std::string& requested) const;

    // Waits until `name` is loaded (loading it if it is not and autoload, or the model sleeps),
    // then holds it for a request. Throws ApiError 503 when it failed to load or its load timed
    // out, 400 when it is not loaded and autoload is off.
    Lease acquire(const std::string& name);
    // A look at the model (/props, /metrics): held as acquire holds it, but it neither counts as
    // a request nor delays its idle sleep, and it never wakes a model that sleeps or is on its way
    // to sleep (then: nullopt). Before, a look that came while the child was exiting to sleep
    // waited for the exit and then loaded the model again, so polling /props kept it awake.
    std::optional<Lease> look(const std::string& name);
    // POST /models/load: loads `name` (a failed model too) and waits for the outcome; throws as acquire.
    void load(const std::string& name);
    // POST /models/unload: stops the child; throws ApiError 400 when it is not running.
    void unload(const std::string& name);

    bool single() const { return settings_.single; }
    size_t size() const { return entries_.size(); }
    ModelState state(const std::string& name) const;
    nlohmann::json describe() const;     // GET /models: the OpenAI list, each model with its status
    std::string metrics_text() const;    // GET /metrics: Prometheus text, one series per model
    const RegistrySettings& settings() const { return settings_; }

private:
    using Lock = std::unique_lock<std::mutex>;

    Entry& find(const std::string& name) const;  // throws 404
    std::vector<std::string> child_args(const Entry& e, int port) const;
    std::vector<ModelUsage> usage_locked() const;
    void start_load_locked(Entry& e, Lock& lock);
    void stop_locked(Entry& e, bool sleeping);
    void wait_until_settled(Entry& e, Lock& lock);
    std::optional<Lease> hold(const std::string& name, bool use);  // acquire (use) or look (!use)
    void supervise(Entry* e);
    bool wait_for_room(Entry& e);
    bool wait_until_ready(Entry& e, pid_t pid, int port, int* status);
    void on_exit(Entry& e, int status, bool was_ready);
    void housekeeping();
    void release(Entry* e, bool use);
    static int64_t now_ms();

    RegistrySettings settings_;
    std::map<std::string, std::unique_ptr<Entry>> entries_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool stopping_ = false;
    std::thread housekeeper_;
    int64_t created_s_ = 0;
};

}  // namespace cria::router
