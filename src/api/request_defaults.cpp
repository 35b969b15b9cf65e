#include "api/request_defaults.h"

namespace cria {

GenerationRequest default_generation_request(const CompletionDefaults& defaults) {
    GenerationRequest r;
    r.sampling = defaults.sampling;
    r.sampling.logit_bias = defaults.logit_bias;
    r.sampling.grammar = defaults.grammar;
    r.speculative = defaults.speculative;
    r.stop.n_predict = defaults.n_predict_cap;
    r.stop.ignore_eos = defaults.ignore_eos;
    r.stop.stop = defaults.stop;
    r.n_keep = defaults.n_keep;
    r.cache_prompt = defaults.cache_prompt;
    return r;
}

}  // namespace cria
