// N-gram maps (--spec-type ngram-map-k, ngram-map-k4v): drafting from statistics of the slot's
// own context, without a draft model.
//
// Both index every earlier occurrence of each n-gram of size_n (the *key*) together with the
// size_m tokens that followed it (its *value*); an occurrence counts once those size_m tokens are
// in the context. Each step the key is the last size_n tokens of the context:
//   - ngram-map-k drafts what followed the key's most recent occurrence, once the key occurred at
//     least min_hits times;
//   - ngram-map-k4v keeps up to four distinct values per key with how often each followed it, and
//     drafts the most frequent one only if it is clearly ahead: no other value was seen, or it was
//     seen at least three times as often as all the others together. A fifth distinct value is
//     not counted.
// Each key remembers how many tokens of its last draft the main model accepted; its next draft is
// at most one token longer (at first: size_m), so a key whose continuation has changed drafts
// little until it proves right again.
//
// One NgramMap serves one slot. It indexes the context incrementally: each call must pass the
// context the previous call saw with tokens appended; when the slot's sequence changes otherwise
// (a new request, a context shift) call reset() first.
//
// Memory: at most one key per indexed context position (the slot's context is at most n_ctx_slot
// tokens), each a fixed-size record (about 100 bytes with the hash table's node), whatever the
// text: O(n_ctx_slot) per slot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "engine/generation_request.h"
#include "engine/ngram_config.h"

namespace cria {

class NgramMap {
public:
    static constexpr int kMaxValues = 4;  // distinct values ngram-map-k4v counts per key

    // four_values: ngram-map-k4v; else ngram-map-k. Sizes below 1 count as 1.
    NgramMap(const NgramMapParams& params, bool four_values);

    // Indexes `context` (extending what the previous call saw), then drafts up to `n_max` tokens
    // for what follows it, or nothing.
    std::vector<Token> draft(const std::vector<Token>& context, int32_t n_max);

    // The main model accepted `n_accepted` tokens of the last draft (none drafted: ignored).
    void accepted(int32_t n_accepted);

    // Forgets everything: the slot's sequence changed.
    void reset();

    size_t n_keys() const { return keys_.size(); }  // for tests of the memory bound

private:
    struct Value {
        uint32_t start = 0;  // where one occurrence of this value begins in the context
        uint32_t count = 0;  // how often it followed the key
    };
    struct Key {
        uint32_t hits = 0;           // occurrences of the key
        uint32_t latest = 0;         // where its most recent occurrence begins
        int32_t last_accepted = -1;  // tokens accepted of its last draft (-1: never drafted)
        uint8_t n_values = 0;
        Value values[kMaxValues];
    };

    void index(const std::vector<Token>& context);
    void add_occurrence(const std::vector<Token>& context, size_t start);
    uint64_t hash(const Token* tokens) const;

    size_t n_;
    size_t m_;
    uint32_t min_hits_;
    bool four_values_;
    std::unordered_map<uint64_t, Key> keys_;  // by the key's hash; a colliding n-gram is not indexed
    size_t next_start_ = 0;                   // the first occurrence start not indexed yet
    Key* last_drafted_ = nullptr;             // the key of the last draft, for accepted()
};

}  // namespace cria
