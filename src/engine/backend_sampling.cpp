#include "engine/backend_sampling.h"

namespace cria {

bool samples_on_backend(const GenerationRequest& request, bool server_drafts) {
    if (!request.sampling.backend_sampling || request.embed) return false;
    if (!request.sampling.grammar.empty() || request.reasoning_budget.enabled() || request.n_probs > 0) return false;
    return !(server_drafts && request.speculative.n_max > 0);
}

}  // namespace cria
