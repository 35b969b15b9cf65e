#include "engine/sampling.h"

#include <algorithm>

namespace cria {

llama_sampler_ptr make_sampler_chain(const SamplingParams& params, const llama_vocab* vocab,
                                     int32_t n_ctx_slot, const std::vector<Token>& history) {
    llama_sampler_chain_params chain_params = llama_sampler_chain_default_params();
    chain_params.no_perf = true;
    llama_sampler_ptr chain(llama_sampler_chain_init(chain_params));
    llama_sampler* c = chain.get();

    const int32_t penalty_last_n = params.repeat_last_n < 0 ? n_ctx_slot : params.repeat_last_n;
    const bool penalize = params.repeat_penalty != 1.0f && penalty_last_n > 0;
    if (penalize) {
        llama_sampler_chain_add(
            c, llama_sampler_init_penalties(llama_vocab_n_tokens(vocab), penalty_last_n, params.repeat_penalty, 0.0f, 0.0f));
    }

    if (params.temperature <= 0.0f) {
        llama_sampler_chain_add(c, llama_sampler_init_greedy());
    } else {
        if (params.top_k > 0) llama_sampler_chain_add(c, llama_sampler_init_top_k(params.top_k));
        if (params.top_p < 1.0f) llama_sampler_chain_add(c, llama_sampler_init_top_p(params.top_p, 1));
        if (params.min_p > 0.0f) llama_sampler_chain_add(c, llama_sampler_init_min_p(params.min_p, 1));
        llama_sampler_chain_add(c, llama_sampler_init_temp(params.temperature));
        llama_sampler_chain_add(c, llama_sampler_init_dist(params.seed));
    }

    // Only the penalty sampler keeps history; feeding the rest is harmless but wasted work.
    if (penalize) {
        const size_t n = std::min(history.size(), static_cast<size_t>(penalty_last_n));
        for (size_t i = history.size() - n; i < history.size(); ++i) llama_sampler_accept(c, history[i]);
    }
    return chain;
}

}  // namespace cria
