// Rejection sampling of a sampled draft token (--spec-draft-sampling probabilistic): the main
// model keeps draft token x, drawn from the draft model's distribution q, with probability
// min(1, p(x) / q(x)), where p is the main model's distribution after the request's samplers;
// otherwise the token is drawn from what p has beyond q, max(0, p - q) normalized. The token that
// comes out is distributed exactly as p, whatever q is (Leviathan et al., Chen et al. 2023).
//
// Pure code on sparse distributions: a token absent from a list has probability 0 there.
#pragma once

#include <vector>

#include "engine/generation_request.h"

namespace cria {

struct TokenProb {
    Token token = -1;
    float p = 0.0f;
};

// `u` and `v` are independent uniform draws in [0, 1): `u` decides on x, `v` picks the
// replacement. p and q must each sum to 1 (within rounding). Returns x or the replacement.
Token rejection_sample(const std::vector<TokenProb>& p, const std::vector<TokenProb>& q, Token x, double u, double v);

}  // namespace cria
