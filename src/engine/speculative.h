// Speculator: proposes drafts for generating slots, from the sources --spec-type names.
//
// Speculative decoding, as the scheduler runs it (scheduler_speculative.cpp):
//   1. A generating slot's next input goes into the batch as usual; then its draft (up to
//      speculative.n_max guessed tokens) follows it, every position with logits.
//   2. After the one decode, the slot samples at each position in turn with its own sampler chain,
//      exactly as plain decoding would one step at a time, and keeps going while the sampled token
//      equals the draft token at that position. Every sampled token is emitted (stop strings, EOS
//      and n_predict apply to each as usual); the first one that differs from the draft ends the
//      step, and the main KV cache drops the positions after the last one kept.
// Each emitted token is drawn from the main model's logits with the request's sampler in the
// same state as without a draft, so the output is the same as plain decoding's: at temperature 0,
// and also when sampling with a seed (a draft is then accepted only where the draw matches it).
//
// Drafts are greedy. A draft model drafts from its own context (draft_model.h); n-gram lookup
// (ngram_lookup.h) copies from the slot's own history.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/draft_model.h"
#include "engine/engine.h"
#include "engine/loaded_model.h"

namespace cria {

class Speculator {
public:
    // Null (with *error empty) when config.speculative drafts nothing; null with *error set when
    // it cannot work: the draft model fails to load or does not match, or the main model cannot
    // take back rejected tokens (recurrent models).
    static std::unique_ptr<Speculator> create(const EngineConfig& config, const LoadedModel& main, std::string* error);

    // Fills each job's draft from the first source that proposes one (it may stay empty).
    void draft(std::vector<DraftJob>& jobs);

private:
    Speculator(SpeculativeConfig config, std::unique_ptr<DraftModel> draft_model);

    SpeculativeConfig config_;
    std::unique_ptr<DraftModel> draft_model_;
};

}  // namespace cria
