#include "engine/engine.h"

#include <algorithm>
#include <optional>

#include "engine/loaded_model.h"
#include "engine/memory_fit_probe.h"
#include "engine/rpc_fault.h"
#include "engine/rpc_workers.h"
#include "engine/scheduler.h"
#include "engine/speculative.h"
#include "util/log.h"

namespace cria {

Engine::Engine(EngineConfig config)
    : config_(std::move(config)), queue_(static_cast<size_t>(std::max(1, config_.max_queued_requests))) {}

Engine::~Engine() = default;

bool Engine::load(std::string* error) {
    if (!connect_rpc_workers(error)) return false;
    fit_to_device_memory(&config_);  // -fit: before the load, with the RPC workers' devices known
    auto model = std::make_unique<LoadedModel>();
    try {
        if (!load_model(config_, model.get(), &info_, error, rpc_.get())) return false;
    } catch (const RpcWorkerLost& lost) {
        static_cast<void>(model.release());  // made over a lost connection: never freed (rpc_fault.h)
        *error = lost_worker_message() + " (" + lost.what() + ")";
        return false;
    }
    model_ = std::move(model);
    vocabulary_ = std::make_unique<Vocabulary>(model_->vocab);
    auto speculator = Speculator::create(config_, *model_, error);
    if (!speculator && !error->empty()) return false;
    scheduler_ = std::make_unique<Scheduler>(*model_, config_, info_, queue_, slot_files_, board_, metrics_);
    scheduler_->set_speculator(std::move(speculator));
    return true;
}

void Engine::run() {
    if (rpc_) set_rpc_engine_thread();
    for (;;) {
        scheduler_->run();
        if (queue_.closed() || !rpc_fault_pending() || !recover_lost_worker()) break;
    }
    // --perf: libllama's own timings of the whole run.
    if (config_.backend.perf && model_ && model_->context) {
        const llama_perf_context_data d = llama_perf_context(model_->context.get());
        log_info("perf (libllama): load " + std::to_string(static_cast<int64_t>(d.t_load_ms)) + " ms; prompts " +
                 std::to_string(d.n_p_eval) + " tokens in " + std::to_string(static_cast<int64_t>(d.t_p_eval_ms)) +
                 " ms; generation " + std::to_string(d.n_eval) + " tokens in " +
                 std::to_string(static_cast<int64_t>(d.t_eval_ms)) + " ms");
    }
}

const MediaProjector* Engine::media() const { return model_ ? model_->media.get() : nullptr; }

void Engine::shutdown() {
    // Closing the queue is the stop signal: the scheduler fails what is left and returns.
    for (const auto& task : queue_.close()) task->push(TaskFailure{503, "the server is shutting down"});
}

Engine::Submission Engine::submit(std::vector<GenerationRequest> requests) {
    Submission submission;
    submission.queue_capacity = queue_.capacity();
    if (requests.size() > queue_.capacity()) {  // before making tasks that could never wait
        submission.admission = QueueAdmission::too_large;
        return submission;
    }
    std::vector<std::shared_ptr<Task>> tasks;
    tasks.reserve(requests.size());
    const std::optional<LoraScales> scales = model_->loras.scales();
    for (auto& request : requests) {
        // The scales are fixed now: the KV cache a request builds depends on them.
        if (!request.lora) request.lora = scales;
        tasks.push_back(std::make_shared<Task>(next_task_id_.fetch_add(1), std::move(request)));
    }
    submission.admission = queue_.push_all(tasks);
    if (submission.admission == QueueAdmission::full) metrics_.record_rejected();
    if (submission.admission != QueueAdmission::queued) return submission;
    for (auto& task : tasks) submission.tasks.emplace_back(std::move(task));
    return submission;
}

size_t Engine::lora_adapter_count() const { return model_ ? model_->loras.size() : 0; }

std::vector<LoraAdapterInfo> Engine::lora_adapters() const {
    return model_ ? model_->loras.list() : std::vector<LoraAdapterInfo>{};
}

void Engine::set_lora_scales(const LoraScales& scales) {
    if (model_) model_->loras.set_scales(scales);
}

std::future<SlotFileResult> Engine::slot_file(SlotFileRequest request) {
    auto result = slot_files_.submit(std::move(request));
    queue_.wake();
    return result;
}

}  // namespace cria
