// Synthetic acceptance (--spec-synth-len, --spec-synth-rates): llama-server's benchmarking mode
// in which a draft token is accepted by a coin toss instead of by the main model, so the speed of
// speculative decoding can be measured at a chosen acceptance. THE OUTPUT IS NOT THE MODEL'S: an
// accepted draft token is emitted whatever the model would have chosen.
//
// The rates are unconditional per-position probabilities: rates[i] is the chance that draft
// position i (and every one before it) is accepted, non-increasing, one per position up to the
// longest draft. --spec-synth-len L asks instead for a mean accepted length of L tokens per step
// (counting the token the main model adds): the rates are then p, p^2, ..., p^K with
// p + p^2 + ... + p^K = L - 1. At verification position i is accepted with the conditional chance
// rates[i] / rates[i-1].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cria {

struct SyntheticAcceptanceConfig {
    double length = -1.0;        // --spec-synth-len; -1: not given
    std::vector<double> rates;   // --spec-synth-rates; empty: not given
    std::vector<double> accept;  // resolved at start-up: the conditional chance per draft position

    bool enabled() const { return !accept.empty(); }
};

// Fills config->accept for drafts of at most `n_max` tokens. Returns "" (nothing given: accept
// stays empty) or why the values cannot work, for the start-up error.
std::string resolve_synthetic_acceptance(SyntheticAcceptanceConfig* config, int32_t n_max);

}  // namespace cria
