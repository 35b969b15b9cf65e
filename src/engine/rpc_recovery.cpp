// The engine's side of the --rpc workers: connecting at start-up, and what follows a lost worker
// connection (rpc_fault.h): fail what waits, report the server degraded, wait for every worker,
// load the model again over new connections, serve again. Engine thread only (except
// backend_health()).
#include <chrono>

#include "engine/engine.h"
#include "engine/loaded_model.h"
#include "engine/rpc_fault.h"
#include "engine/rpc_workers.h"
#include "engine/scheduler.h"
#include "engine/speculative.h"
#include "util/log.h"

namespace cria {

namespace {

// Whatever was made over lost connections is never freed (rpc_fault.h): its destructors would
// queue commands to a dispatcher thread that has ended, and wait for them forever.
// Its CPU thread pools are not made over connections: they are freed, once the abandoned context
// no longer points at them.
void abandon(LoadedModel& model) {
    if (model.context) llama_detach_threadpool(model.context.get());
    static_cast<void>(model.context.release());
    static_cast<void>(model.model.release());
}

std::string down_message(const std::vector<std::string>& down) {
    std::string names;
    for (const auto& endpoint : down) names += (names.empty() ? "" : ", ") + endpoint;
    return "the RPC worker " + names + " is unreachable; the model is loaded again once every worker answers";
}

}  // namespace

bool Engine::connect_rpc_workers(std::string* error) {
    if (config_.backend.rpc_servers.empty()) return true;
    install_rpc_fault_trap();
    set_rpc_engine_thread();
    watch_rpc_endpoints(config_.backend.rpc_servers);
    rpc_ = std::make_unique<RpcWorkers>(config_.backend.rpc_servers);
    try {
        return rpc_->connect(error);
    } catch (const RpcWorkerLost& lost) {
        *error = lost_worker_message() + " (" + lost.what() + ")";
        return false;
    }
}

BackendHealth Engine::backend_health() const {
    BackendHealth health;
    {
        std::lock_guard<std::mutex> lock(health_mutex_);
        health = health_;
    }
    // From the fault on, before the engine thread has reported it: a request that failed on the
    // lost worker must never be followed by a healthy answer.
    if (!health.degraded && rpc_ && rpc_fault_pending()) {
        health.unreachable = rpc_->unreachable(200);
        health.degraded = true;
        health.message = health.unreachable.empty() ? "an RPC worker connection was lost" : down_message(health.unreachable);
    }
    return health;
}

void Engine::set_backend_health(BackendHealth health) {
    std::lock_guard<std::mutex> lock(health_mutex_);
    health_ = std::move(health);
}

void Engine::abandon_lost_model() {
    static_cast<void>(scheduler_.release());  // its KV mirror, samplers and draft model: all leaked
    abandon(*model_);
    // The workers still running free the abandoned model's buffers when its connections close.
    rpc_->shut_down_connections();
}

void Engine::fail_waiting(const std::string& message) {
    std::vector<std::shared_ptr<Task>> failed;
    queue_.take_in_order([&](const std::shared_ptr<Task>& task) {
        failed.push_back(task);
        return true;
    });
    for (auto& task : failed) task->push(TaskFailure{503, message});
    for (auto& job : slot_files_.take()) {
        SlotFileResult refused;
        refused.http_status = 503;
        refused.error = message;
        job.second.set_value(refused);
    }
}

bool Engine::recover_lost_worker() {
    acknowledge_rpc_fault();
    abandon_lost_model();
    log_error(lost_worker_message());
    for (;;) {
        const std::vector<std::string> down = rpc_->unreachable(500);
        const std::string message = down.empty() ? "the model is being loaded again after a lost RPC worker" : down_message(down);
        set_backend_health({true, message, down});
        fail_waiting(message);
        std::string error;
        if (down.empty() && reload_model(&error)) break;
        if (!error.empty()) log_warn("reloading the model over the RPC workers failed: " + error);
        queue_.wait_for_tasks(std::chrono::milliseconds(500));
        if (queue_.closed()) return false;
    }
    set_backend_health({});
    log_info("every RPC worker answers again: the model is loaded again and requests are served");
    return true;
}

bool Engine::reload_model(std::string* error) {
    if (!config_.lora_adapters.empty()) {
        *error = "LoRA adapters (--lora) cannot be loaded again; restart cria";
        return false;
    }
    rearm_rpc_fault_trap();
    auto fresh = std::make_unique<LoadedModel>();
    EngineInfo scratch;  // info_ keeps what the first load found: other threads read it
    try {
        if (!rpc_->connect(error) || !load_model(config_, fresh.get(), &scratch, error, rpc_.get())) {
            abandon(*fresh);
            return false;
        }
    } catch (const RpcWorkerLost& lost) {
        abandon(*fresh);
        *error = lost.what();
        return false;
    }
    model_->model = std::move(fresh->model);
    model_->context = std::move(fresh->context);
    model_->threadpools = std::move(fresh->threadpools);  // the old context is abandoned and detached: frees its pools
    model_->vocab = fresh->vocab;  // the old one stays valid (never freed): vocabulary_ keeps it
    auto speculator = Speculator::create(config_, *model_, error);
    if (!speculator && !error->empty()) return false;
    scheduler_ = std::make_unique<Scheduler>(*model_, config_, info_, queue_, slot_files_, board_, metrics_);
    scheduler_->set_speculator(std::move(speculator));
    return true;
}

}  // namespace cria
