// The scheduler's side of speculative decoding (see speculative.h for the scheme): drafts go into
// the batch behind each generating slot's next input, and are verified after the decode.
#include <algorithm>

#include "engine/scheduler.h"

namespace cria {

void Scheduler::add_drafts() {
    draft_jobs_.clear();
    for (auto& slot : slots_) {
        slot.draft.clear();
        slot.draft_index = -1;
        // Self-extend gives positions that are not token indices, which drafts and their rollback
        // assume (the options refuse the combination; this keeps the invariant regardless).
        if (self_extend_.enabled()) continue;
        // Only slots whose next input went into this batch (it is the last token of `cached`).
        if (slot.state != SlotState::generate || slot.batch_index < 0) continue;
        const auto& request = slot.request();
        // Image positions hold placeholders, no tokens: neither a draft model nor an n-gram copy
        // can continue them (and an n-gram draft could copy one into the batch).
        if (!request.images.empty()) continue;
        int64_t n = request.speculative.n_max;
        n = std::min<int64_t>(n, n_batch_ - batch_.n_tokens);
        n = std::min<int64_t>(n, static_cast<int64_t>(info_.n_ctx_slot) - static_cast<int64_t>(slot.cached.size()));
        if (request.stop.n_predict > 0) {
            // The next input's logits give one token of the budget; a draft token past the rest
            // could never be emitted.
            n = std::min<int64_t>(n, static_cast<int64_t>(request.stop.n_predict) -
                                         static_cast<int64_t>(slot.generated.size()) - 1);
        }
        if (n < std::max(1, request.speculative.n_min)) continue;
        DraftJob job;
        job.seq = slot.id;
        job.history = &slot.cached;
        job.n_max = static_cast<int32_t>(n);
        job.p_min = request.speculative.p_min;
        draft_jobs_.push_back(std::move(job));
    }
    if (draft_jobs_.empty()) return;
    speculator_->draft(draft_jobs_);

    // The drafts share what is left of the batch, in slot order; prompt chunks get the rest.
    for (auto& job : draft_jobs_) {
        Slot& slot = slots_[static_cast<size_t>(job.seq)];
        const size_t room = static_cast<size_t>(std::max(0, n_batch_ - batch_.n_tokens));
        if (job.draft.size() > room) job.draft.resize(room);
        if (job.draft.empty() || static_cast<int32_t>(job.draft.size()) < slot.request().speculative.n_min) continue;
        slot.draft = std::move(job.draft);
        slot.draft_index = batch_.n_tokens;
        for (const Token token : slot.draft) {
            const int32_t i = batch_.n_tokens++;
            batch_.token[i] = token;
            batch_.pos[i] = static_cast<llama_pos>(slot.cached.size());
            batch_.n_seq_id[i] = 1;
            batch_.seq_id[i][0] = slot.id;
            batch_.logits[i] = 1;
            slot.cached.push_back(token);
        }
        slot.n_drafted += static_cast<int32_t>(slot.draft.size());
    }
}

void Scheduler::verify_draft(Slot& slot) {
    const std::vector<Token> draft = std::move(slot.draft);
    slot.draft.clear();
    // `cached` ends with the next input, then the draft. Take the draft off; each accepted draft
    // token comes back before the token sampled after it, so `cached` is always what plain
    // decoding would hold at that point.
    slot.cached.resize(slot.cached.size() - draft.size());
    for (size_t j = 0; j <= draft.size(); ++j) {
        if (j > 0) slot.cached.push_back(draft[j - 1]);
        // Position j's logits: after the next input (j = 0) or after draft token j-1.
        const int32_t index = j == 0 ? slot.batch_index : slot.draft_index + static_cast<int32_t>(j) - 1;
        const Token token = sample(slot, index);
        const bool agreed = j < draft.size() && token == draft[j];
        if (agreed) ++slot.n_draft_accepted;
        accept_token(slot, token);  // may finish the request (EOS, stop string, n_predict)
        if (!slot.busy() || !agreed) break;
    }
    // The positions of rejected (or never needed) draft tokens leave the KV cache.
    if (!llama_memory_seq_rm(memory_, slot.id, static_cast<llama_pos>(slot.cached.size()), -1)) {
        llama_memory_seq_rm(memory_, slot.id, -1, -1);
        slot.cached.clear();
        if (slot.busy()) fail(slot, 500, "the KV cache could not drop rejected draft tokens");
    }
}

}  // namespace cria
