// Backend sampling (-bs, a request's backend_sampling): libllama's experimental API that runs a
// slot's sampler chain inside the compute graph, on the device that computes the logits.
//
// How libllama 0.7 does it: a chain attached to a sequence (llama_set_sampler) is split once, at
// attachment, into its longest prefix of samplers with a backend form (logit bias, penalties,
// top-k, top-p, min-p, temperature, dynamic temperature, greedy, dist) and the rest. The decode
// runs the prefix; when the prefix ends with the draw (greedy or dist), the token comes back
// (llama_get_sampled_token_ith); otherwise the filtered logits and
// their token ids come back and the rest of the chain (DRY, typical, XTC, top-n-sigma, Mirostat,
// adaptive-p, tail-free, cria's newline-exempt penalties) runs on the CPU over them. Either way
// the chain is the same chain, so the output is the same as CPU sampling; only where it runs
// changes. A chain whose first stage has no backend form runs on the CPU whole.
//
// Invariants the scheduler keeps (scheduler_backend_sampling.cpp): a chain is attached at most
// once in its life (libllama aborts on a second attachment), it is detached before it is freed,
// and an attached sequence never has more than one output in a batch (libllama refuses the
// decode).
#pragma once

#include "engine/generation_request.h"

namespace cria {

// Whether `request` samples on the backend. Not when it did not ask (backend_sampling), computes
// an embedding, or has
//  - a grammar: libllama's grammar sampler has no backend form and comes first, so nothing could
//    run there (llama-server turns backend sampling off for it too);
//  - a thinking budget: it forces tokens in place of sampled ones (as llama-server);
//  - n_probs: a token drawn on the backend need not come back with the candidates it was drawn
//    from (llama-server samples such requests on the CPU too);
//  - drafts (`server_drafts`: the server drafts, and the request's speculative.n_max > 0):
//    verifying a draft needs several outputs of one sequence in a batch.
bool samples_on_backend(const GenerationRequest& request, bool server_drafts);

}  // namespace cria
