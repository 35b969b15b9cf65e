// The scheduler's side of the thinking budget (reasoning_budget.h): a forced token takes the place
// of a sampled one. It is fed to the model at the next step like any sampled token, accepted into
// the sampler chain (so repetition penalties see it), emitted as output text (so the answer reader
// sees the end tag) and counted in n_predict.
#include "engine/scheduler.h"

namespace cria {

std::optional<ReasoningBudget> Scheduler::reasoning_budget_for(const GenerationRequest& request) const {
    const ReasoningBudgetParams& params = request.reasoning_budget;
    // A grammar's state advances with every token it accepts, and it may refuse the forced text:
    // with a grammar the budget does nothing (documented in docs/tool-calls.md).
    if (request.embed || !params.enabled() || !request.sampling.grammar.empty()) return std::nullopt;
    // As llama-server: the message then the tag, tokenized as one text, special tokens parsed.
    std::vector<Token> forced = vocabulary_.tokenize(params.message + params.end_tag, false, true);
    ReasoningBudget budget(params, std::move(forced));
    if (budget.done()) return std::nullopt;
    return budget;
}

bool Scheduler::forcing(const Slot& slot) const {
    return slot.budget.has_value() && slot.budget->forced_token().has_value();
}

Token Scheduler::next_token(Slot& slot, int32_t batch_index) {
    if (forcing(slot)) return force_token(slot, *slot.budget->forced_token());
    return sample(slot, batch_index);
}

Token Scheduler::force_token(Slot& slot, Token token) {
    llama_sampler_accept(slot.sampler.get(), token);
    if (slot.request().n_probs > 0) {
        // The forced token had no choice: probability 1, and it is its own only candidate.
        TokenProbabilities probs;
        probs.token = token;
        probs.prob = 1.0f;
        probs.top.push_back({token, 1.0f});
        keep_probabilities(slot, std::move(probs));
    }
    return token;
}

void Scheduler::observe_for_budget(Slot& slot, Token token) {
    if (!slot.budget) return;
    slot.budget->observe(vocabulary_.piece(token, /*render_special=*/true));
    if (slot.budget->done()) slot.budget.reset();  // drafting may resume
}

}  // namespace cria
