// N-gram lookup drafting (--spec-type ngram-simple): speculative decoding without a draft model.
//
// Text that repeats itself (code being edited, quoted passages, lists, a model stuck in a loop)
// predicts its own continuation: when the last few tokens already occurred earlier in the slot's
// context, the tokens that followed them then are a good guess for what follows now. The main
// model verifies the guess like any draft, so a wrong guess costs only the extra batch positions.
//
// Pure functions on token vectors: no model, no state between steps.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/generation_request.h"

namespace cria {

// Drafts up to `n_draft` tokens continuing `history` (the prompt and the generated tokens so far).
//
// Looks for the most recent earlier occurrence of the last `n_gram` tokens of `history`; the draft
// is the tokens that followed that occurrence. The copy may run on into the draft itself, so a
// pattern repeating with a period shorter than the draft is continued around its cycle (e.g.
// "a b c a b c a b" with n_gram 2 drafts "c a b c ..."). Returns an empty draft when `history` has
// no earlier occurrence of its last n-gram, or is shorter than n_gram + 1 tokens, or when n_gram or
// n_draft is below 1. With min_hits > 1 the last n-gram must have occurred that many times earlier
// (--spec-ngram-simple-min-hits); the draft still copies from the most recent occurrence.
std::vector<Token> ngram_lookup_draft(const std::vector<Token>& history, int32_t n_gram, int32_t n_draft,
                                      int32_t min_hits = 1);

}  // namespace cria
