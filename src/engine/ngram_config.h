// Settings of the draft-free kinds of speculative decoding (--spec-type ngram-*): what each kind
// matches, how much it drafts, and the lookup-cache files of ngram-cache. No libllama types: the
// options fill this in, the engine's drafters (ngram_*.h) read it.
#pragma once

#include <cstdint>
#include <string>

namespace cria {

// ngram-simple, ngram-map-k and ngram-map-k4v: a key of size_n tokens, a draft of up to size_m.
struct NgramMapParams {
    int32_t size_n = 12;   // tokens of the key: the end of the slot's context to find earlier
    int32_t size_m = 48;   // most tokens drafted from what followed an earlier occurrence
    int32_t min_hits = 1;  // earlier occurrences of the key needed before it drafts
};

// ngram-mod: one hash pool of (n_match tokens -> the token after them), shared by all slots.
struct NgramModParams {
    int32_t n_match = 24;  // tokens hashed to look up the next one
    int32_t n_min = 48;    // a shorter chain of lookups drafts nothing
    int32_t n_max = 64;    // most tokens one draft chains
};

struct NgramConfig {
    NgramMapParams simple;                 // --spec-ngram-simple-*
    NgramMapParams map_k;                  // --spec-ngram-map-k-*
    NgramMapParams map_k4v;                // --spec-ngram-map-k4v-*
    NgramModParams mod;                    // --spec-ngram-mod-*
    std::string lookup_cache_static;       // -lcs: n-gram statistics read at start, never written
    std::string lookup_cache_dynamic;      // -lcd: read at start (if it exists), updated, saved at exit
};

}  // namespace cria
