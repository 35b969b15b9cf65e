// The scheduler's containment of failures (see "Containment" in scheduler.h): a request whose work
// throws, a batch whose decode fails, and the last resort around a whole step.
#include <algorithm>

#include "engine/request_failure.h"
#include "engine/rpc_fault.h"
#include "engine/scheduler.h"
#include "util/log.h"

namespace cria {

void Scheduler::fail_from_exception(Slot& slot, const char* during) {
    // A lost --rpc worker (rpc_fault.h): nothing may touch libllama any more; once the step is over
    // fail_running_for_lost_worker() answers every running request, this one included.
    if (rpc_fault_pending()) return;
    const std::exception_ptr error = std::current_exception();
    // Whatever the throw interrupted (a draft half verified, an image half decoded), the sequence
    // no longer matches its mirror for sure: start it afresh.
    kv_.clear(slot.id);
    if (!slot.busy()) return;  // its request was answered before the throw
    // The only samplers that throw on what a request asks are the grammar's: a grammar that its
    // logit_bias (or the model) leaves with no allowed token.
    const bool by_request = !slot.request().embed && !slot.request().sampling.grammar.empty();
    const TaskFailure failure =
        failure_for_exception(error, by_request ? std::string(during) + " under the request's grammar" : during, by_request);
    log_warn("request " + std::to_string(slot.task->id()) + " in slot " + std::to_string(slot.id) +
             " failed: " + failure.message);
    fail(slot, failure.http_status, failure.message);
}

void Scheduler::fail_start(Slot& slot, Task& task) {
    if (slot.busy() && slot.task.get() == &task) return fail_from_exception(slot, "starting the request");
    if (rpc_fault_pending()) return task.push(TaskFailure{503, lost_worker_message()});
    kv_.clear(slot.id);  // the throw may have come after its cache was cut to the reused prefix
    task.push(failure_for_exception(std::current_exception(), "starting the request", false));
}

void Scheduler::fail_batch(int http_status, const std::string& message) {
    // The KV cache of every slot in this batch is now uncertain: start those slots afresh.
    std::vector<bool> in_batch(slots_.size(), false);
    for (int32_t i = 0; i < batch_.n_tokens; ++i) in_batch[static_cast<size_t>(batch_.seq_id[i][0])] = true;
    batch_.n_tokens = 0;
    for (auto& slot : slots_) {
        if (!in_batch[static_cast<size_t>(slot.id)]) continue;
        kv_.clear(slot.id);
        if (slot.busy()) fail(slot, http_status, message);
    }
}

bool Scheduler::decode_batch() {
    if (model_.loras.size() > 0 && !model_.loras.apply(ctx_, batch_lora_)) {
        fail_batch(500, "libllama refused the LoRA adapter set");
        return false;
    }
    const int32_t status = decode_tokens();
    if (status == 0) return true;
    const TaskFailure failure = decode_failure(status);
    log_warn("llama_decode of a batch of " + std::to_string(batch_.n_tokens) + " tokens failed: " + failure.message);
    fail_batch(failure.http_status, failure.message);
    return false;
}

void Scheduler::fail_running_for_lost_worker() {
    // Nothing here may call libllama: the context's state lives partly on the lost worker, and the
    // engine abandons this scheduler with it.
    const std::string message = lost_worker_message();
    log_error(message);
    for (auto& slot : slots_) {
        if (slot.busy()) slot.task->push(TaskFailure{503, message});
    }
}

void Scheduler::recover_from_failed_step() {
    const TaskFailure failure = failure_for_exception(std::current_exception(), "the engine's step", false);
    log_error(failure.message);
    for (auto& slot : slots_) slot.draft.clear();
    if (batch_.n_tokens > 0) {
        fail_batch(failure.http_status, failure.message);
        return;
    }
    // Nothing in the batch to pin the failure on: a throw that would come back every step must
    // not spin forever, so every running request fails (their sequences cleared).
    for (auto& slot : slots_) {
        if (!slot.busy()) continue;
        kv_.clear(slot.id);
        fail(slot, failure.http_status, failure.message);
    }
}

}  // namespace cria
