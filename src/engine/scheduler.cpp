// The step loop and admission: which waiting task goes into which slot, what of the slot's cache
// it keeps, and which other slot's prefix it may take.
#include "engine/scheduler.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "engine/request_failure.h"
#include "engine/rpc_fault.h"
#include "engine/sampling.h"
#include "util/log.h"

namespace cria {

namespace {

using Clock = std::chrono::steady_clock;

// How long running requests may take to finish once the server is told to stop.
constexpr std::chrono::seconds kShutdownGrace{30};

// A donor must save at least this many tokens of prompt processing to be worth waiting for.
constexpr size_t kMinSharedPrefix = 32;

}  // namespace

Scheduler::Scheduler(LoadedModel& model, const EngineConfig& config, const EngineInfo& info, TaskQueue& queue,
                     SlotFileJobs& slot_files, StatusBoard& board, EngineMetrics& metrics)
    : model_(model),
      ctx_(model.context.get()),
      config_(config),
      info_(info),
      queue_(queue),
      slot_files_(slot_files),
      board_(board),
      metrics_(metrics),
      vocabulary_(model.vocab),
      kv_memory_(model.context.get()),
      kv_(kv_memory_, info.n_slots, SelfExtend(config.grp_attn_n, config.grp_attn_w), config.kv_unified,
          host_cache_budget(config.prompt_cache), partial_memory(model.model.get(), config)),
      slots_(static_cast<size_t>(info.n_slots)),
      n_batch_(static_cast<int32_t>(std::min(llama_n_batch(model.context.get()), llama_n_ubatch(model.context.get())))),
      batch_(llama_batch_init(n_batch_, 0, 1)),
      admitted_at_(static_cast<size_t>(info.n_slots), 0) {
    for (size_t i = 0; i < slots_.size(); ++i) slots_[i].id = static_cast<int32_t>(i);
    if (kv_.checkpoints_enabled()) {
        log_info("context checkpoints enabled, max = " + std::to_string(config.prompt_cache.ctx_checkpoints) +
                 " per slot, min spacing = " + std::to_string(config.prompt_cache.checkpoint_min_step));
    }
    load_prompt_cache();
    publish_status();
}

Scheduler::~Scheduler() {
    for (auto& slot : slots_) detach_sampler(slot);  // the context may outlive the chains
    llama_batch_free(batch_);
}

void Scheduler::run() {
    // After shutdown() closes the queue, requests already running may finish, within a grace period.
    std::optional<Clock::time_point> drain_deadline;
    for (;;) {
        if (queue_.closed()) {
            if (!drain_deadline) drain_deadline = Clock::now() + kShutdownGrace;
            if (!any_busy() || Clock::now() >= *drain_deadline) break;
        }
        if (!any_busy()) queue_.wait_for_tasks(std::chrono::milliseconds(500));
        ++step_;
        try {
            step();
        } catch (...) {
            if (!rpc_fault_pending()) recover_from_failed_step();  // the last resort: see "Containment" in scheduler.h
        }
        if (rpc_fault_pending()) return fail_running_for_lost_worker();  // the engine reloads (rpc_fault.h)
        publish_status();
    }
    fail_everything_left();
    persist_prompt_cache();
}

void Scheduler::step() {
    batch_.n_tokens = 0;  // the last step's batch is decoded (or failed): nothing of it is pending
    const bool freed = release_cancelled();
    const bool files = run_slot_files();
    const bool started = admit_waiting();
    // Readers of /health must see a slot busy while its prompt is decoded, not only after.
    if (freed || files || started) publish_status();
    if (decode_next_image()) sample_outputs();  // multimodal prompts: see scheduler_images.cpp
    if (build_batch() && decode_batch()) sample_outputs();
}

void Scheduler::fail_everything_left() {
    for (const auto& task : queue_.close()) task->push(TaskFailure{503, "the server is shutting down"});
    for (auto& job : slot_files_.take()) {
        SlotFileResult stopped;
        stopped.http_status = 503;
        stopped.error = "the server is shutting down";
        job.second.set_value(stopped);
    }
    for (auto& slot : slots_) {
        if (slot.busy()) fail(slot, 503, "the server is shutting down");
    }
    publish_status();
}

bool Scheduler::any_busy() const {
    return std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.busy(); });
}

// ---- admission ------------------------------------------------------------------------------

bool Scheduler::release_cancelled() {
    bool freed = false;
    for (auto& slot : slots_) {
        if (slot.busy() && slot.task->cancelled()) {
            release(slot);
            freed = true;
        }
    }
    return freed;
}

bool Scheduler::run_slot_files() {
    bool changed = false;
    for (auto& [request, promise] : slot_files_.take()) {
        Slot& slot = slots_[static_cast<size_t>(request.id_slot)];
        // A slot another one is about to copy its prefix from must keep its cache until then.
        const bool donating = std::any_of(slots_.begin(), slots_.end(),
                                          [&](const Slot& s) { return s.busy() && s.donor == slot.id; });
        if (slot.busy() || donating) {
            SlotFileResult busy;
            busy.http_status = 409;
            busy.error = "slot " + std::to_string(slot.id) + " is busy; try again when it is idle";
            promise.set_value(busy);
            continue;
        }
        // A restored cache counts as computed under the server's current LoRA scales.
        SlotFileResult result;
        try {
            result = run_slot_file_request(ctx_, kv_, slot.id, info_.n_ctx_slot, model_.loras.scales(), request);
        } catch (const std::exception& e) {
            kv_.clear(slot.id);  // a restore may have stopped half-way
            result.http_status = 500;
            result.error = std::string("the slot file operation failed: ") + e.what();
        }
        promise.set_value(result);
        slot.last_used = step_;
        changed = true;
    }
    return changed;
}

bool Scheduler::admit_waiting() {
    // Without continuous batching, requests start together only when every slot is free.
    if (!config_.cont_batching && any_busy()) return false;
    std::vector<bool> idle(slots_.size());
    size_t room = 0;
    for (const auto& slot : slots_) {
        idle[static_cast<size_t>(slot.id)] = !slot.busy();
        room += slot.busy() ? 0 : 1;
    }
    if (room == 0) return false;
    // Under the queue's lock only the O(1) choice of which tasks start now; `idle` then holds the
    // slots no pinned task claimed.
    std::vector<std::shared_ptr<Task>> starting;
    queue_.take_in_order([&](const std::shared_ptr<Task>& task) {
        if (task->cancelled()) return true;  // drop it: nobody is listening
        if (!claim_for(*task, idle, room)) return false;
        starting.push_back(task);
        return true;
    });
    // In arrival order, outside the lock: each pinned task gets its slot, each other one the best
    // slot no pinned task of this round claimed.
    std::vector<bool> taken(slots_.size(), false);
    for (size_t i = 0; i < slots_.size(); ++i) taken[i] = !idle[i];
    bool started = false;
    for (auto& task : starting) {
        Slot* slot = choose_slot(task->request(), taken);
        taken[static_cast<size_t>(slot->id)] = true;  // claim_for() left a slot for every task taken
        try {
            start(*slot, task);
        } catch (...) {
            fail_start(*slot, *task);
        }
        started = true;
    }
    if (started) cache_idle_slots(taken);
    return started;
}

bool Scheduler::claim_for(const Task& task, std::vector<bool>& idle, size_t& room) {
    if (room == 0) return false;
    const int32_t pinned = task.request().id_slot;
    if (pinned >= 0) {
        // It waits while its slot is busy (or claimed by an earlier pinned task of this round).
        if (!idle[static_cast<size_t>(pinned)]) return false;
        idle[static_cast<size_t>(pinned)] = false;
    }
    --room;
    return true;
}

Slot* Scheduler::choose_slot(const GenerationRequest& request, const std::vector<bool>& taken) {
    if (request.id_slot >= 0) return &slots_[static_cast<size_t>(request.id_slot)];
    // Prefer the free slot whose cache shares the longest prefix with the prompt, then the one
    // idle the longest (its cache is the least likely to be wanted again).
    // --slot-prompt-similarity: a cache that matches no more than that share of the prompt does not
    // choose its slot (0: none does).
    const float similarity = config_.prompt_cache.slot_similarity;
    const double least = similarity * static_cast<double>(request.prompt.size());
    Slot* best = nullptr;
    size_t best_prefix = 0;
    for (auto& slot : slots_) {
        if (taken[static_cast<size_t>(slot.id)]) continue;
        const bool reusable = request.cache_prompt && kv_.lora(slot.id) == request.lora;
        size_t prefix = reusable ? common_prefix(kv_.tokens(slot.id), request.prompt) : 0;
        if (similarity <= 0.0f || static_cast<double>(prefix) <= least) prefix = 0;
        if (best == nullptr || prefix > best_prefix || (prefix == best_prefix && slot.last_used < best->last_used)) {
            best = &slot;
            best_prefix = prefix;
        }
    }
    return best;
}

std::optional<TaskFailure> Scheduler::admission_refusal(const GenerationRequest& request) const {
    if (request.prompt.empty() || static_cast<int32_t>(request.prompt.size()) >= info_.n_ctx_slot) {
        // The API layer checks this first; this guards the slot's invariant regardless.
        return TaskFailure{400, "the prompt does not fit in the context of a slot"};
    }
    if (request.embed && static_cast<int32_t>(request.prompt.size()) > n_batch_) {
        return TaskFailure{400, "the input is longer than one batch (" + std::to_string(n_batch_) + " tokens)"};
    }
    return std::nullopt;
}

void Scheduler::start(Slot& slot, std::shared_ptr<Task> task) {
    const GenerationRequest& request = task->request();
    if (auto refusal = admission_refusal(request)) return task->push(std::move(*refusal));
    // The chain first: if building it throws, the slot and its cache are untouched.
    llama_sampler_ptr sampler;
    std::optional<ReasoningBudget> budget;
    try {
        if (!request.embed) sampler = make_sampler_chain(request.sampling, model_.vocab, info_.n_ctx_slot, request.prompt);
        budget = reasoning_budget_for(request);
    } catch (...) {
        const bool by_request = !request.sampling.grammar.empty();
        return task->push(failure_for_exception(std::current_exception(), "building the sampler chain", by_request));
    }
    const size_t reuse = prepare_cache(slot, request);  // scheduler_prompt_cache.cpp
    if (kv_.checkpoints_enabled()) record_checkpoints();  // the cut may have restored or dropped some
    slot.last_batched = 0;  // a new request goes first among the LoRA groups

    slot.task = std::move(task);
    slot.state = SlotState::prefill;
    slot.prompt_done = reuse;
    slot.cache_reused = static_cast<int32_t>(reuse);
    slot.generated.clear();
    slot.has_new_line = false;
    slot.probabilities.clear();
    slot.truncated = false;
    slot.output.emplace(request.stop.stop);
    slot.indent_limit = IndentLimit(request.stop.n_indent);
    slot.sampler = std::move(sampler);
    slot.budget = std::move(budget);
    slot.started = Clock::now();
    slot.last_used = step_;
    slot.donor = -1;
    slot.draft.clear();
    slot.n_drafted = 0;
    slot.n_draft_accepted = 0;
    attach_sampler(slot);
    admitted_at_[static_cast<size_t>(slot.id)] = ++admissions_;
    if (request.cache_prompt && !request.embed) find_prefix_donor(slot);
}

void Scheduler::find_prefix_donor(Slot& slot) {
    if (kv_.self_extend_enabled()) return;  // a donor's positions are not token indices
    const auto& prompt = slot.request().prompt;
    const size_t usable = prompt.size() - 1;  // the last prompt token is always evaluated here
    Slot* best = nullptr;
    size_t best_tokens = kv_.size(slot.id) + kMinSharedPrefix;
    for (auto& other : slots_) {
        if (&other == &slot || kv_.copy_pending(other.id) || kv_.lora(other.id) != kv_.lora(slot.id)) continue;
        // A slot still reading its prompt will hold all of it soon; any other holds its cache.
        const auto& tokens = other.state == SlotState::prefill ? other.request().prompt : kv_.tokens(other.id);
        const size_t shared =
            image_boundary_at_or_before(slot.request().images, std::min(common_prefix(tokens, prompt), usable));
        if (shared >= best_tokens) {
            best = &other;
            best_tokens = shared;
        }
    }
    if (best == nullptr) return;
    slot.donor = best->id;
    slot.donor_tokens = best_tokens;
    take_donated_prefixes();  // a donor that already holds the prefix gives it right away
}

void Scheduler::take_donated_prefixes() {
    for (auto& slot : slots_) {
        if (slot.state != SlotState::prefill || slot.donor < 0) continue;
        const Slot& donor = slots_[static_cast<size_t>(slot.donor)];
        const auto& prompt = slot.request().prompt;
        if (kv_.copy_pending(donor.id)) continue;  // its own copy lands at the next decode: wait for it
        const auto& held = kv_.tokens(donor.id);
        if (held.size() >= slot.donor_tokens && common_prefix(held, prompt) >= slot.donor_tokens) {
            if (!kv_.keeps_prefix(donor.id, slot.donor_tokens)) {
                slot.donor = -1;  // its sliding-window (or recurrent) cells moved past the prefix: read it ourselves
                continue;
            }
            kv_.share_prefix(donor.id, slot.id, slot.donor_tokens);
            slot.prompt_done = slot.donor_tokens;
            slot.cache_reused = static_cast<int32_t>(slot.donor_tokens);
            slot.donor = -1;
        } else if (donor.state != SlotState::prefill ||
                   common_prefix(donor.request().prompt, prompt) < slot.donor_tokens) {
            slot.donor = -1;  // the donor stopped or moved on without the prefix: read it ourselves
        }
    }
}

}  // namespace cria
