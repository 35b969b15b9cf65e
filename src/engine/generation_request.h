// The typed request the engine runs: tokens in, sampling and stop rules, no JSON.
//
// api/ builds one of these from a validated HTTP body; the engine never sees the body itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cria {

// libllama's llama_token is int32_t; code outside engine/ uses this name and never includes llama.h.
using Token = int32_t;

// Random seed value that means "pick a fresh random seed for this request".
inline constexpr uint32_t kRandomSeed = 0xFFFFFFFFu;

struct SamplingParams {
    float temperature = 0.8f;      // <= 0: greedy (argmax after penalties)
    int32_t top_k = 40;            // <= 0: off
    float top_p = 0.95f;           // 1.0: off
    float min_p = 0.05f;           // 0.0: off
    uint32_t seed = kRandomSeed;
    float repeat_penalty = 1.0f;   // 1.0: off
    int32_t repeat_last_n = 64;    // 0: off, -1: the whole slot context
};

struct StopRules {
    int32_t n_predict = -1;              // generated-token limit; -1: none; 0: only evaluate the prompt
    bool ignore_eos = false;             // keep going past end-of-generation tokens
    std::vector<std::string> stop;       // stop strings; never part of the returned text
};

struct GenerationRequest {
    std::vector<Token> prompt;           // never empty; every id is inside the vocabulary
    SamplingParams sampling;
    StopRules stop;
    int32_t n_keep = 0;                  // prompt tokens kept on a context shift; -1: the whole prompt
    bool cache_prompt = true;            // reuse the longest common prefix already in a slot's cache
    int32_t id_slot = -1;                // -1: any idle slot; otherwise wait for exactly this slot
    bool stream = false;                 // emit one TokenChunk per generated token
};

}  // namespace cria
