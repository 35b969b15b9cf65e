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
// The sources, each tried in the order given until one drafts: a draft model (draft_model.h), the
// heads that read the main model's hidden states (hidden_state_drafter.h: its own
// multi-token-prediction layers, mtp_head.h, and an EAGLE-3 draft model, eagle3_head.h; they follow
// every main decode, see decoded()), a DFlash draft model (dflash_drafter.h: it too follows every
// main decode), and the draft-free kinds that copy from text already seen: ngram-simple (ngram_lookup.h),
// ngram-map-k and ngram-map-k4v (ngram_map.h), ngram-mod (ngram_mod.h) and ngram-cache
// (ngram_cache_drafter.h). The stateful ones index each slot's context as it grows; the Speculator
// resets a slot's state when its context stops extending what they saw (a new request on another
// prefix, a context shift).
#pragma once

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/dflash_drafter.h"
#include "engine/draft_model.h"
#include "engine/engine.h"
#include "engine/loaded_model.h"
#include "engine/hidden_state_drafter.h"
#include "engine/ngram_cache_drafter.h"
#include "engine/ngram_map.h"
#include "engine/ngram_mod.h"

namespace cria {

class Speculator {
public:
    // Null (with *error empty) when config.speculative drafts nothing; null with *error set when
    // it cannot work: the draft model fails to load or does not match, a lookup cache file is not
    // valid, the main model has no NextN layers for draft-mtp, the EAGLE-3 draft model does not fit
    // it, or the main model cannot take back
    // rejected tokens (recurrent models).
    static std::unique_ptr<Speculator> create(const EngineConfig& config, const LoadedModel& main, std::string* error);

    // Writes the dynamic lookup cache (-lcd), if there is one.
    ~Speculator();
    Speculator(const Speculator&) = delete;
    Speculator& operator=(const Speculator&) = delete;

    // Fills each job's draft from the first source that proposes one (it may stay empty).
    void draft(std::vector<DraftJob>& jobs);

    // After every successful decode of the main context (`batch`, recorded by `main_kv`): draft-mtp
    // and draft-eagle3 take the main model's hidden states of the batch's rows.
    void decoded(const llama_batch& batch, const KvCache& main_kv) {
        if (mtp_) mtp_->observe(batch, main_kv);
        if (eagle3_) eagle3_->observe(batch, main_kv);
        if (dflash_) dflash_->observe(batch, main_kv);
    }

    // The main model accepted `n_accepted` tokens of slot `seq`'s last draft (the kinds that learn
    // from it adjust).
    void accepted(int32_t seq, int32_t n_accepted);

    // Benchmarking only (--spec-synth-len, --spec-synth-rates): whether synthetic acceptance
    // replaces the main model's verdict, and the coin toss for draft position `position`, given
    // that every position before it was accepted.
    bool synthetic() const { return config_.synthetic.enabled(); }
    bool synthetic_accept(size_t position);

    // A uniform draw in [0, 1) for rejection sampling of sampled drafts.
    double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(synthetic_rng_); }

private:
    // One slot's state across steps.
    struct SlotState {
        std::vector<Token> seen;       // the context the stateful kinds have indexed
        std::unique_ptr<NgramMap> map_k;
        std::unique_ptr<NgramMap> map_k4v;
        int last_source = -1;          // index in config_.sources of the source of the last draft
    };

    Speculator(SpeculativeConfig config, std::unique_ptr<DraftModel> draft_model,
               std::unique_ptr<HiddenStateDrafter> mtp, std::unique_ptr<HiddenStateDrafter> eagle3,
               std::unique_ptr<DflashDrafter> dflash, std::unique_ptr<NgramCacheDrafter> cache);
    SlotState& slot(int32_t seq);
    void follow(const DraftJob& job);  // resets the slot's state when its context changed otherwise than growing
    std::vector<Token> draft_ngram(DraftSource source, const DraftJob& job);

    SpeculativeConfig config_;
    std::unique_ptr<DraftModel> draft_model_;
    std::unique_ptr<HiddenStateDrafter> mtp_;     // draft-mtp, when listed
    std::unique_ptr<HiddenStateDrafter> eagle3_;  // draft-eagle3, when listed
    std::unique_ptr<DflashDrafter> dflash_;       // draft-dflash or draft-dspark, when listed
    std::unique_ptr<NgramCacheDrafter> cache_;  // ngram-cache, when listed
    std::unique_ptr<NgramMod> mod_;             // ngram-mod, when listed
    bool stateful_ = false;                     // a listed kind keeps state per slot
    std::vector<SlotState> slots_;
    std::mt19937_64 synthetic_rng_{0x5eed};  // coin tosses: fixed seed, a run is repeatable
};

}  // namespace cria
