#include "router/model_registry.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>

#include "api/api_error.h"
#include "router/child_process.h"
#include "router/model_registry_entry.h"
#include "util/log.h"

namespace cria::router {


const char* state_name(ModelState state) {
    switch (state) {
        case ModelState::unloaded: return "unloaded";
        case ModelState::loading: return "loading";
        case ModelState::loaded: return "loaded";
        case ModelState::sleeping: return "sleeping";
        case ModelState::failed: return "failed";
    }
    return "unloaded";
}

int64_t ModelRegistry::now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

ModelRegistry::ModelRegistry(std::vector<ModelSpec> models, RegistrySettings settings) : settings_(std::move(settings)) {
    for (auto& spec : models) {
        auto entry = std::make_unique<Entry>();
        entry->spec = std::move(spec);
        entries_.emplace(entry->spec.name, std::move(entry));
    }
    created_s_ = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

ModelRegistry::~ModelRegistry() { shutdown(); }

void ModelRegistry::start() {
    Lock lock(mutex_);
    for (auto& [name, e] : entries_) {
        if (settings_.single || e->spec.load_on_startup) start_load_locked(*e, lock);
    }
    housekeeper_ = std::thread([this] { housekeeping(); });
}

ModelRegistry::Entry& ModelRegistry::find(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) throw ApiError{404, "invalid_request_error", "model '" + name + "' not found", "model"};
    return *it->second;
}

std::string ModelRegistry::resolve(const std::string& requested) const {
    if (settings_.single) return entries_.begin()->first;
    if (requested.empty()) {
        if (entries_.size() == 1) return entries_.begin()->first;
        throw ApiError{400, "invalid_request_error", "model name is missing from the request (GET /models lists them)", "model"};
    }
    find(requested);
    return requested;
}

std::vector<std::string> ModelRegistry::child_args(const Entry& e, int port) const {
    std::vector<std::string> args = e.spec.preset_args;  // [*], then [NAME]: the command line below wins
    args.insert(args.end(), settings_.common_args.begin(), settings_.common_args.end());
    if (!settings_.single) {
        if (!e.spec.model_path.empty()) args.insert(args.end(), {"--model", e.spec.model_path});
        if (!e.spec.mmproj_path.empty()) args.insert(args.end(), {"--mmproj", e.spec.mmproj_path});
        if (!e.spec.draft_path.empty()) args.insert(args.end(), {"--model-draft", e.spec.draft_path});
        args.insert(args.end(), {"--alias", e.spec.name});
    }
    args.insert(args.end(), {"--host", "127.0.0.1", "--port", std::to_string(port)});
    return args;
}

std::vector<ModelUsage> ModelRegistry::usage_locked() const {
    std::vector<ModelUsage> usage;
    for (const auto& [name, e] : entries_) {
        const bool loaded = e->state == ModelState::loaded && !e->stop_requested;
        const bool running = (e->state == ModelState::loading || e->state == ModelState::loaded) && !e->stop_requested;
        usage.push_back(ModelUsage{name, running, loaded, e->in_flight, e->in_use, e->last_used_ms});
    }
    return usage;
}

// Precondition: e is unloaded, sleeping or failed. Evicts what --models-max asks, then hands the
// load to a new supervising thread (the previous one has made its last change already).
void ModelRegistry::start_load_locked(Entry& e, Lock& lock) {
    for (const auto& name : models_to_evict(usage_locked(), e.spec.name, settings_.models_max)) {
        log_info("router: unloading model '" + name + "' (least recently used; --models-max " +
                 std::to_string(settings_.models_max) + ")");
        stop_locked(*entries_.at(name), false);
    }
    e.state = ModelState::loading;
    e.last_error.clear();
    e.load_started_ms = now_ms();
    changed_.notify_all();
    if (e.supervisor.joinable()) {
        std::thread previous = std::move(e.supervisor);
        lock.unlock();
        previous.join();
        lock.lock();
    }
    e.supervisor = std::thread([this, entry = &e] { supervise(entry); });
}

void ModelRegistry::stop_locked(Entry& e, bool sleeping) {
    if (e.state != ModelState::loading && e.state != ModelState::loaded) return;
    if (e.stop_requested) return;
    e.stop_requested = true;
    e.sleep_requested = sleeping;
    e.stop_deadline_ms = now_ms() + int64_t{e.spec.stop_timeout_s} * 1000;
    if (e.pid > 0) ::kill(e.pid, SIGTERM);
    changed_.notify_all();
}

bool ModelRegistry::wait_for_room(Entry& e) {
    Lock lock(mutex_);
    const auto room = [&] {
        if (stopping_ || e.stop_requested || settings_.models_max <= 0) return true;
        int running = 0;
        for (const auto& [name, other] : entries_) running += other.get() != &e && other->pid > 0 ? 1 : 0;
        return running < settings_.models_max;
    };
    // Evicted children get their stop timeout to exit; past that the load goes ahead anyway.
    changed_.wait_for(lock, std::chrono::seconds(30), room);
    return !stopping_ && !e.stop_requested;
}

void ModelRegistry::supervise(Entry* e) {
    if (!wait_for_room(*e)) {
        on_exit(*e, 0, false);
        return;
    }
    const int port = free_loopback_port();
    std::string error;
    const pid_t pid = spawn_child(ChildLaunch{settings_.executable, child_args(*e, port), settings_.unset_env}, &error);
    {
        Lock lock(mutex_);
        if (pid < 0 || port == 0) {
            e->state = ModelState::failed;
            e->last_error = "cannot start its process: " + (port == 0 ? std::string("no free loopback port") : error);
            ++e->load_failures;
            changed_.notify_all();
            return;
        }
        e->pid = pid;
        e->port = port;
        e->killed = false;
        if (e->stop_requested) ::kill(pid, SIGTERM);
    }
    log_info("router: loading model '" + e->spec.name + "' in process " + std::to_string(pid) + " on port " + std::to_string(port));
    int status = 0;
    const bool ready = wait_until_ready(*e, pid, port, &status);
    if (ready) ::waitpid(pid, &status, 0);
    on_exit(*e, status, ready);
}

// Polls the child's /health until it answers 200 (true), or the child exits, or the load times
// out (false: *status is its exit status, the child reaped).
bool ModelRegistry::wait_until_ready(Entry& e, pid_t pid, int port, int* status) {
    const int64_t deadline = now_ms() + int64_t{settings_.load_timeout_s} * 1000;
    for (;;) {
        if (::waitpid(pid, status, WNOHANG) == pid) return false;
        if (child_is_ready(port)) break;
        if (now_ms() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, status, 0);
            Lock lock(mutex_);
            e.last_error = "not ready after " + std::to_string(settings_.load_timeout_s) + " s";
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    Lock lock(mutex_);
    e.state = ModelState::loaded;
    e.last_used_ms = now_ms();
    e.last_load_seconds = static_cast<double>(e.last_used_ms - e.load_started_ms) / 1000.0;
    ++e.loads;
    changed_.notify_all();
    log_info("router: model '" + e.spec.name + "' loaded");
    return true;
}

// The child is gone (or was never started): the state its end leaves the model in.
void ModelRegistry::on_exit(Entry& e, int status, bool was_ready) {
    Lock lock(mutex_);
    const std::string how = e.pid > 0 ? describe_exit(status) : "not started";
    e.pid = 0;
    e.port = 0;
    if (e.stop_requested) {
        e.state = e.sleep_requested ? ModelState::sleeping : ModelState::unloaded;
        log_info("router: model '" + e.spec.name + "' " + (e.sleep_requested ? "sleeping (idle)" : "unloaded"));
    } else if (!was_ready) {
        e.state = ModelState::failed;
        if (e.last_error.empty()) e.last_error = "its process ended while loading (" + how + "; the log above says why)";
        ++e.load_failures;
        log_error("router: model '" + e.spec.name + "' failed to load: " + e.last_error);
    } else {
        e.state = ModelState::unloaded;
        e.last_exit = "its process ended unexpectedly (" + how + ")";
        ++e.crashes;
        log_error("router: model '" + e.spec.name + "': " + e.last_exit + "; it loads again on its next request");
    }
    e.stop_requested = false;
    e.sleep_requested = false;
    changed_.notify_all();
}

void ModelRegistry::wait_until_settled(Entry& e, Lock& lock) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::seconds(settings_.load_timeout_s + e.spec.stop_timeout_s + 30);
    changed_.wait_until(lock, deadline, [&] {
        if (stopping_) return true;
        if (e.stop_requested) return false;
        return e.state != ModelState::loading;
    });
}

ModelRegistry::Lease ModelRegistry::acquire(const std::string& name) {
    return *hold(name, true);
}

std::optional<ModelRegistry::Lease> ModelRegistry::look(const std::string& name) {
    return hold(name, false);
}

std::optional<ModelRegistry::Lease> ModelRegistry::hold(const std::string& name, bool use) {
    Lock lock(mutex_);
    Entry& e = find(name);
    bool started = false;
    for (;;) {
        if (stopping_) throw unavailable_error("the server is stopping");
        const bool asleep = e.state == ModelState::sleeping || (e.stop_requested && e.sleep_requested);
        if (!use && asleep) return std::nullopt;
        if (e.state == ModelState::loaded && !e.stop_requested) {
            ++e.in_flight;
            if (use) {
                ++e.in_use;
                ++e.requests;
                e.last_used_ms = now_ms();
            }
            return Lease(this, &e, e.port, use);
        }
        if (e.state == ModelState::failed) {
            throw ApiError{503, "unavailable_error", "model '" + name + "' failed to load: " + e.last_error +
                                                         " (POST /models/load tries again)", "model"};
        }
        if (started && e.state == ModelState::unloaded && !e.stop_requested) {
            throw ApiError{503, "unavailable_error", "model '" + name + "' was unloaded before it could answer" +
                                                         (e.last_exit.empty() ? "" : ": " + e.last_exit), "model"};
        }
        const bool startable = (e.state == ModelState::unloaded || e.state == ModelState::sleeping) && !e.stop_requested;
        if (startable && e.state == ModelState::unloaded && !settings_.autoload) {
            throw ApiError{400, "invalid_request_error", "model '" + name +
                           "' is not loaded and --no-models-autoload is set: load it with POST /models/load", "model"};
        }
        if (startable) {
            start_load_locked(e, lock);
            started = true;
        }
        wait_until_settled(e, lock);
    }
}

void ModelRegistry::load(const std::string& name) {
    Lock lock(mutex_);
    Entry& e = find(name);
    if (e.state == ModelState::loaded && !e.stop_requested) return;
    if (e.stop_requested) wait_until_settled(e, lock);
    if (e.state != ModelState::loading && e.state != ModelState::loaded) start_load_locked(e, lock);
    wait_until_settled(e, lock);
    if (e.state == ModelState::loaded) return;
    const std::string why = e.state == ModelState::failed ? e.last_error : "it was unloaded while loading";
    throw ApiError{503, "unavailable_error", "model '" + name + "' failed to load: " + why, "model"};
}

void ModelRegistry::unload(const std::string& name) {
    Lock lock(mutex_);
    Entry& e = find(name);
    if ((e.state != ModelState::loaded && e.state != ModelState::loading) || e.stop_requested) {
        throw ApiError{400, "invalid_request_error", "model '" + name + "' is not running (" + state_name(e.state) + ")", "model"};
    }
    stop_locked(e, false);
    wait_until_settled(e, lock);
}

ModelState ModelRegistry::state(const std::string& name) const {
    Lock lock(mutex_);
    return find(name).state;
}

void ModelRegistry::release(Entry* e, bool use) {
    Lock lock(mutex_);
    --e->in_flight;
    if (use) {
        --e->in_use;
        e->last_used_ms = now_ms();
    }
    changed_.notify_all();
}

void ModelRegistry::housekeeping() {
    Lock lock(mutex_);
    while (!stopping_) {
        changed_.wait_for(lock, std::chrono::milliseconds(100));
        if (stopping_) break;
        const int64_t now = now_ms();
        const int64_t idle_ms = settings_.sleep_idle_s > 0 ? int64_t{settings_.sleep_idle_s} * 1000 : -1;
        for (const auto& name : idle_models(usage_locked(), now, idle_ms)) {
            log_info("router: model '" + name + "' idle for " + std::to_string(settings_.sleep_idle_s) + " s: sleeping");
            stop_locked(*entries_.at(name), true);
        }
        for (auto& [name, e] : entries_) {
            if (e->stop_requested && e->pid > 0 && !e->killed && now > e->stop_deadline_ms) {
                log_warn("router: model '" + name + "' did not stop within its stop timeout: killing it");
                ::kill(e->pid, SIGKILL);
                e->killed = true;
            }
        }
    }
}

void ModelRegistry::shutdown() {
    Lock lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    int timeout_s = 0;
    for (auto& [name, e] : entries_) {
        stop_locked(*e, false);
        timeout_s = std::max(timeout_s, e->spec.stop_timeout_s);
    }
    changed_.notify_all();
    lock.unlock();
    if (housekeeper_.joinable()) housekeeper_.join();
    lock.lock();
    const auto all_gone = [&] {
        return std::all_of(entries_.begin(), entries_.end(), [](const auto& kv) { return kv.second->pid == 0; });
    };
    if (!changed_.wait_for(lock, std::chrono::seconds(timeout_s), all_gone)) {
        for (auto& [name, e] : entries_) {
            if (e->pid > 0) ::kill(e->pid, SIGKILL);
        }
    }
    std::vector<std::thread> threads;
    for (auto& [name, e] : entries_) {
        if (e->supervisor.joinable()) threads.push_back(std::move(e->supervisor));
    }
    lock.unlock();
    for (auto& t : threads) t.join();
}

ModelRegistry::Lease::Lease(Lease&& other) noexcept
    : registry_(other.registry_), entry_(other.entry_), port_(other.port_), use_(other.use_) {
    other.registry_ = nullptr;
}

ModelRegistry::Lease::~Lease() {
    if (registry_ != nullptr) registry_->release(entry_, use_);
}

pid_t ModelRegistry::Lease::pid() const {
    Lock lock(registry_->mutex_);
    return entry_->pid;
}

const std::string& ModelRegistry::Lease::model() const { return entry_->spec.name; }

}  // namespace cria::router
