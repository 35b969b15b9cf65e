#include "engine/engine.h"

#include "engine/loaded_model.h"
#include "engine/scheduler.h"
#include "engine/speculative.h"

namespace cria {

Engine::Engine(EngineConfig config) : config_(std::move(config)) {}

Engine::~Engine() = default;

bool Engine::load(std::string* error) {
    auto model = std::make_unique<LoadedModel>();
    if (!load_model(config_, model.get(), &info_, error)) return false;
    model_ = std::move(model);
    vocabulary_ = std::make_unique<Vocabulary>(model_->vocab);
    auto speculator = Speculator::create(config_, *model_, error);
    if (!speculator && !error->empty()) return false;
    scheduler_ = std::make_unique<Scheduler>(*model_, config_, info_, queue_, slot_files_, board_, metrics_);
    scheduler_->set_speculator(std::move(speculator));
    return true;
}

void Engine::run() { scheduler_->run(); }

const MediaProjector* Engine::media() const { return model_ ? model_->media.get() : nullptr; }

void Engine::shutdown() {
    // Closing the queue is the stop signal: the scheduler fails what is left and returns.
    for (const auto& task : queue_.close()) task->push(TaskFailure{503, "the server is shutting down"});
}

TaskHandle Engine::submit(GenerationRequest request) {
    // The scales are fixed now: the KV cache a request builds depends on them.
    if (!request.lora) request.lora = model_->loras.scales();
    auto task = std::make_shared<Task>(next_task_id_.fetch_add(1), std::move(request));
    if (!queue_.push(task)) return TaskHandle();
    return TaskHandle(std::move(task));
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
