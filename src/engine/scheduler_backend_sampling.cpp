// The scheduler's side of backend sampling (engine/backend_sampling.h): which slots' chains are
// attached to the context, and what their CPU part starts from.
#include <stdexcept>
#include <string>

#include "engine/backend_sampling.h"
#include "engine/sampling.h"
#include "engine/scheduler.h"
#include "util/log.h"

namespace cria {

void Scheduler::attach_sampler(Slot& slot) {
    slot.backend_sampling = false;
    if (!slot.sampler || !samples_on_backend(slot.request(), speculator_ != nullptr)) return;
    if (llama_set_sampler(ctx_, slot.id, slot.sampler.get())) {
        slot.backend_sampling = true;
        log_debug("slot " + std::to_string(slot.id) + ": its sampler chain runs on the backend");
        return;
    }
    log_warn("slot " + std::to_string(slot.id) + ": libllama refused backend sampling; this request samples on the CPU");
    // Refused: the chain may have been split for the backend all the same, and a split chain run on
    // the CPU would skip its backend part. A fresh one samples on the CPU whole.
    llama_set_sampler(ctx_, slot.id, nullptr);
    const GenerationRequest& request = slot.request();
    slot.sampler = make_sampler_chain(request.sampling, model_.vocab, info_.n_ctx_slot, request.prompt);
}

void Scheduler::detach_sampler(Slot& slot) {
    if (!slot.backend_sampling) return;
    llama_set_sampler(ctx_, slot.id, nullptr);  // before the chain is freed: the context points at it
    slot.backend_sampling = false;
}

llama_token_data_array Scheduler::output_candidates(const Slot& slot, int32_t batch_index) {
    const float* logits = nullptr;
    const llama_token* ids = nullptr;
    size_t n = static_cast<size_t>(info_.n_vocab);
    if (slot.backend_sampling) {
        logits = llama_get_sampled_logits_ith(ctx_, batch_index);
        if (logits != nullptr) {
            n = llama_get_sampled_logits_count_ith(ctx_, batch_index);
            // No ids: the logits are the whole vocabulary's, in token order.
            if (llama_get_sampled_candidates_count_ith(ctx_, batch_index) == n) {
                ids = llama_get_sampled_candidates_ith(ctx_, batch_index);
            }
        }
    }
    if (logits == nullptr) {
        logits = llama_get_logits_ith(ctx_, batch_index);
        n = static_cast<size_t>(info_.n_vocab);
    }
    if (logits == nullptr || n == 0) throw std::runtime_error("the model produced no logits for this position");
    candidates_.resize(n);
    for (size_t i = 0; i < n; ++i) {
        candidates_[i] = {ids != nullptr ? ids[i] : static_cast<llama_token>(i), logits[i], 0.0f};
    }
    return {candidates_.data(), candidates_.size(), -1, false};
}

}  // namespace cria
