// CompletionDefaults: what a request falls back to where it sets nothing. The option parser
// (options/server_options.h) fills one in from the command line; the HTTP server shares it with
// every request and POST /props replaces it (api/props_update.h). Plain data, no libllama.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "api/request_limits.h"
#include "engine/generation_request.h"

namespace cria {

struct CompletionDefaults {
    SamplingParams sampling;        // --temp, --top-k, ..., --samplers, -s; never holds logit_bias or grammar
                                    // (those are the two fields below)
    SpeculativeParams speculative;  // --draft-max, --draft-min, --draft-p-min
    int32_t n_predict_cap = -1;   // --n-predict: no request generates more; -1: no cap
    int32_t n_keep = 0;           // --keep: n_keep when a request gives none
    bool cache_prompt = true;     // --cache-prompt / --no-cache-prompt: cache_prompt when a request gives none
    std::vector<LogitBias> logit_bias;  // -l: a request without logit_bias gets these; one with its own
                                        // list gets only that (the lists are not merged). The ids are
                                        // checked against the vocabulary once the model is loaded.
    bool ignore_eos = false;      // --ignore-eos: ignore_eos when a request gives none
    std::vector<std::string> stop;  // -r, --reverse-prompt: the stop strings of a request that gives no
                                    // `stop` (a request's own list replaces them)
    std::string grammar;          // --grammar/-j: the grammar of a request that sets none of grammar,
                                  // json_schema (and, in chat, response_format); "" = none
    RequestLimits limits;         // --max-request-tasks, --max-stop-strings, ...: every request's budget
                                  // (api/request_limits.h); not changed by POST /props
    // Facts of the loaded engine, set when the server becomes ready (not options):
    int32_t n_slots = 1;          // valid id_slot values are -1 .. n_slots-1
    size_t n_lora_adapters = 0;   // valid ids in a request's `lora` are 0 .. n_lora_adapters-1
};

// The settings of a request that sets nothing, as /props reports them as its
// default_generation_settings (everything but the LoRA scales, which the engine holds).
GenerationRequest default_generation_request(const CompletionDefaults& defaults);

}  // namespace cria
