// The scheduler's side of speculative decoding (see speculative.h for the scheme): drafts go into
// the batch behind each generating slot's next input, and are verified after the decode.
#include <algorithm>

#include "engine/scheduler.h"
#include "util/log.h"

namespace cria {

void Scheduler::add_drafts() {
    draft_jobs_.clear();
    for (auto& slot : slots_) {
        slot.draft.clear();
        slot.draft_index = -1;
        const int64_t n = draft_budget(slot);
        if (n < 1) continue;
        DraftJob job;
        job.seq = slot.id;
        job.history = &kv_.tokens(slot.id);  // unchanged until the drafts are placed below
        job.n_max = static_cast<int32_t>(n);
        job.n_max_request = slot.request().speculative.n_max;
        job.p_min = slot.request().speculative.p_min;
        // Sampled drafts only for a sampling request: a greedy one keeps exact verification.
        job.sample = config_.speculative.sample_drafts && slot.request().sampling.temperature > 0.0f;
        draft_jobs_.push_back(std::move(job));
    }
    if (draft_jobs_.empty()) return;
    try {
        speculator_->draft(draft_jobs_);
    } catch (const std::exception& e) {
        // A draft is only a proposal the main model verifies, so the step goes on without one.
        log_warn(std::string("drafting failed; this step goes without drafts: ") + e.what());
        return;
    }
    // The drafts share what is left of the batch, in slot order; prompt chunks get the rest.
    for (auto& job : draft_jobs_) add_draft(slots_[static_cast<size_t>(job.seq)], std::move(job.draft));
}

int64_t Scheduler::draft_budget(const Slot& slot) const {
    // Self-extend gives positions that are not token indices, which drafts and their rollback
    // assume (the options refuse the combination; this keeps the invariant regardless).
    if (kv_.self_extend_enabled()) return 0;
    // Only slots whose next input went into this batch (it is the last token of their cache).
    if (slot.state != SlotState::generate || slot.batch_index < 0) return 0;
    // A chain attached for backend sampling takes one output of its sequence per batch.
    if (slot.backend_sampling) return 0;
    const auto& request = slot.request();
    // Image positions hold placeholders, no tokens: neither a draft model nor an n-gram copy
    // can continue them (and an n-gram draft could copy one into the batch).
    if (!request.images.empty()) return 0;
    // A thinking budget counts (and forces) one token at a time: no drafts until it is done.
    if (slot.budget) return 0;
    int64_t n = request.speculative.n_max;
    n = std::min<int64_t>(n, n_batch_ - batch_.n_tokens);
    n = std::min<int64_t>(n, static_cast<int64_t>(info_.n_ctx_slot) - static_cast<int64_t>(kv_.size(slot.id)));
    if (request.stop.n_predict > 0) {
        // The next input's logits give one token of the budget; a draft token past the rest
        // could never be emitted.
        n = std::min<int64_t>(n, static_cast<int64_t>(request.stop.n_predict) -
                                     static_cast<int64_t>(slot.generated.size()) - 1);
    }
    return n < std::max(1, request.speculative.n_min) ? 0 : n;
}

void Scheduler::add_draft(Slot& slot, std::vector<Token> draft) {
    const size_t room = static_cast<size_t>(std::max(0, n_batch_ - batch_.n_tokens));
    if (draft.size() > room) draft.resize(room);
    if (draft.empty() || static_cast<int32_t>(draft.size()) < slot.request().speculative.n_min) return;
    slot.draft = std::move(draft);
    slot.draft_index = batch_.n_tokens;
    // Positions come from the same owner as the next input's, right after it.
    for (const Token token : slot.draft) put_in_batch(slot.id, token, kv_.append_draft(slot.id, token), true);
    slot.n_drafted += static_cast<int32_t>(slot.draft.size());
    metrics_.record_draft();
}

void Scheduler::verify_draft(Slot& slot) {
    const std::vector<Token> draft = std::move(slot.draft);
    slot.draft.clear();
    // The cache holds the next input, then the draft as unverified tokens. Each accepted draft
    // token joins the cache before the token sampled after it, so the cache is always what plain
    // decoding would hold at that point.
    // A sampled draft (--spec-draft-sampling probabilistic) brings the distributions it was drawn from.
    const std::vector<std::vector<TokenProb>>* q = nullptr;
    for (const auto& job : draft_jobs_) {
        if (job.seq == slot.id && !job.q.empty()) q = &job.q;
    }
    int32_t n_accepted = 0;
    for (size_t j = 0; j <= draft.size(); ++j) {
        if (j > 0) kv_.accept_draft(slot.id);
        // Position j's logits: after the next input (j = 0) or after draft token j-1.
        const int32_t index = j == 0 ? slot.batch_index : slot.draft_index + static_cast<int32_t>(j) - 1;
        const bool by_rejection = q && j < draft.size() && j < q->size();
        Token token = by_rejection ? sample_against_draft(slot, index, draft[j], (*q)[j]) : sample(slot, index);
        bool agreed = j < draft.size() && token == draft[j];
        if (j < draft.size() && speculator_->synthetic()) {
            // Benchmarking only (--spec-synth-*): a coin toss, not the model, accepts the draft
            // token, which is then emitted whatever the model sampled (the KV cache holds it).
            agreed = speculator_->synthetic_accept(j);
            if (agreed) token = draft[j];
        }
        if (agreed) {
            ++n_accepted;
            ++slot.n_draft_accepted;  // before accept_token: a finished request's timings report it
        }
        accept_token(slot, token);  // may finish the request (EOS, stop string, n_predict)
        if (!slot.busy() || !agreed) break;
    }
    speculator_->accepted(slot.id, n_accepted);  // the n-gram kinds learn from how their draft fared
    // The positions of rejected (or never needed) draft tokens leave the KV cache.
    if (!kv_.drop_drafts(slot.id) && slot.busy()) fail(slot, 500, "the KV cache could not drop rejected draft tokens");
}

}  // namespace cria
