// N-gram hash pool (--spec-type ngram-mod): drafting by chained lookups in one fixed-size table
// shared by all slots, so one request's text can draft for another's.
//
// The table maps the hash of n_match tokens to the token that followed them (the latest writer of
// a bucket wins: collisions just overwrite). Every slot adds the n-grams of its context as it
// grows. A draft hashes the last n_match tokens, looks up the next token, appends it and repeats,
// up to n_max tokens, until a bucket is empty; a chain shorter than n_min drafts nothing.
//
// The pool is emptied when it fills up (a slot's new sequence finds over a quarter of the buckets
// used) and when drafts keep failing (five drafts in a row of one slot with under a quarter of
// their tokens accepted): stale statistics cost more than they give.
//
// Memory: the table has a fixed number of buckets (kDefaultBuckets: 4 Mi, 16 MiB), allocated at
// the first use, whatever the number of slots or the length of the text; each slot adds a few
// counters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/generation_request.h"
#include "engine/ngram_config.h"

namespace cria {

class NgramMod {
public:
    static constexpr size_t kDefaultBuckets = size_t{4} << 20;

    NgramMod(const NgramModParams& params, int32_t n_slots, size_t n_buckets = kDefaultBuckets);

    // Slot `seq` starts a new sequence: its context is indexed from the start at the next draft.
    void begin(int32_t seq);

    // Indexes what `context` adds to slot `seq`'s (extending what the previous call saw), then
    // drafts up to min(n_max, params.n_max) tokens, or nothing.
    std::vector<Token> draft(int32_t seq, const std::vector<Token>& context, int32_t n_max);

    // The main model accepted `n_accepted` tokens of slot `seq`'s last draft.
    void accepted(int32_t seq, int32_t n_accepted);

    size_t buckets_used() const { return used_; }
    size_t n_buckets() const { return n_buckets_; }

private:
    struct SlotState {
        size_t next_start = 0;  // the first n-gram start of the context not added yet
        size_t last_draft = 0;  // length of the slot's last draft
        int32_t low_streak = 0; // drafts in a row with under a quarter accepted
    };

    SlotState& slot(int32_t seq);  // grows the slot list on demand
    size_t bucket(const Token* tokens) const;
    void add(const Token* ngram_then_next);
    void clear();

    size_t n_;
    int32_t n_min_;
    int32_t n_max_;
    size_t n_buckets_;
    std::vector<Token> table_;  // -1: empty
    size_t used_ = 0;
    std::vector<SlotState> slots_;
};

}  // namespace cria
