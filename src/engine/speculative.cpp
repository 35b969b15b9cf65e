#include "engine/speculative.h"

#include <algorithm>

#include "engine/eagle3_head.h"
#include "engine/mtp_head.h"
#include "engine/ngram_lookup.h"
#include "util/log.h"

namespace cria {

namespace {

bool lists(const SpeculativeConfig& spec, DraftSource source) {
    return std::find(spec.sources.begin(), spec.sources.end(), source) != spec.sources.end();
}

}  // namespace

std::unique_ptr<Speculator> Speculator::create(const EngineConfig& config, const LoadedModel& main,
                                               std::string* error) {
    error->clear();
    const SpeculativeConfig& spec = config.speculative;
    if (!spec.enabled()) return nullptr;
    if (llama_model_is_recurrent(main.model.get()) || llama_model_is_hybrid(main.model.get())) {
        *error = "speculative decoding needs a model whose cache can drop rejected tokens; '" + config.model_path +
                 "' is recurrent";
        return nullptr;
    }
    std::unique_ptr<DraftModel> draft_model;
    if (lists(spec, DraftSource::draft_model)) {
        draft_model = DraftModel::load(config, main.vocab, error);
        if (!draft_model) return nullptr;
    }
    std::unique_ptr<HiddenStateDrafter> mtp;
    if (lists(spec, DraftSource::draft_mtp)) {
        std::unique_ptr<DraftHead> head = create_mtp_head(config, main, error);
        if (head) mtp = HiddenStateDrafter::create(config, main, std::move(head), error);
        if (!mtp) return nullptr;
    }
    std::unique_ptr<HiddenStateDrafter> eagle3;
    if (lists(spec, DraftSource::draft_eagle3)) {
        std::unique_ptr<DraftHead> head = create_eagle3_head(config, main, error);
        if (head) eagle3 = HiddenStateDrafter::create(config, main, std::move(head), error);
        if (!eagle3) return nullptr;
    }
    std::unique_ptr<DflashDrafter> dflash;
    if (lists(spec, DraftSource::draft_dflash) || lists(spec, DraftSource::draft_dspark)) {
        dflash = DflashDrafter::create(config, main, lists(spec, DraftSource::draft_dspark), error);
        if (!dflash) return nullptr;
    }
    std::unique_ptr<NgramCacheDrafter> cache;
    if (lists(spec, DraftSource::ngram_cache)) {
        cache = NgramCacheDrafter::create(spec.ngram, config.n_parallel, llama_vocab_n_tokens(main.vocab), error);
        if (!cache) return nullptr;
    }
    return std::unique_ptr<Speculator>(new Speculator(spec, std::move(draft_model), std::move(mtp), std::move(eagle3),
                                                     std::move(dflash), std::move(cache)));
}

Speculator::Speculator(SpeculativeConfig config, std::unique_ptr<DraftModel> draft_model,
                       std::unique_ptr<HiddenStateDrafter> mtp, std::unique_ptr<HiddenStateDrafter> eagle3,
                       std::unique_ptr<DflashDrafter> dflash,
                       std::unique_ptr<NgramCacheDrafter> cache)
    : config_(std::move(config)),
      draft_model_(std::move(draft_model)),
      mtp_(std::move(mtp)),
      eagle3_(std::move(eagle3)),
      dflash_(std::move(dflash)),
      cache_(std::move(cache)) {
    if (lists(config_, DraftSource::ngram_mod)) mod_ = std::make_unique<NgramMod>(config_.ngram.mod, 1);
    stateful_ = cache_ || mod_ || lists(config_, DraftSource::ngram_map_k) || lists(config_, DraftSource::ngram_map_k4v);
}

Speculator::~Speculator() {
    if (!cache_) return;
    std::string error;
    if (!cache_->save(&error)) log_warn("the dynamic lookup cache was not saved: " + error);
}

Speculator::SlotState& Speculator::slot(int32_t seq) {
    const size_t i = static_cast<size_t>(std::max(0, seq));
    if (i >= slots_.size()) slots_.resize(i + 1);
    return slots_[i];
}

void Speculator::follow(const DraftJob& job) {
    SlotState& state = slot(job.seq);
    const std::vector<Token>& context = *job.history;
    const bool grows = context.size() >= state.seen.size() &&
                       std::equal(state.seen.begin(), state.seen.end(), context.begin());
    if (grows) {
        state.seen.insert(state.seen.end(), context.begin() + static_cast<std::ptrdiff_t>(state.seen.size()),
                          context.end());
        return;
    }
    // The slot's sequence changed: what was indexed no longer describes it.
    state.seen = context;
    if (state.map_k) state.map_k->reset();
    if (state.map_k4v) state.map_k4v->reset();
    if (mod_) mod_->begin(job.seq);
    if (cache_) cache_->begin(job.seq);
}

std::vector<Token> Speculator::draft_ngram(DraftSource source, const DraftJob& job) {
    const NgramConfig& ngram = config_.ngram;
    const std::vector<Token>& context = *job.history;
    switch (source) {
        case DraftSource::ngram:
            return ngram_lookup_draft(context, ngram.simple.size_n, std::min(job.n_max, ngram.simple.size_m),
                                      ngram.simple.min_hits);
        case DraftSource::ngram_map_k: {
            auto& map = slot(job.seq).map_k;
            if (!map) map = std::make_unique<NgramMap>(ngram.map_k, false);
            return map->draft(context, job.n_max);
        }
        case DraftSource::ngram_map_k4v: {
            auto& map = slot(job.seq).map_k4v;
            if (!map) map = std::make_unique<NgramMap>(ngram.map_k4v, true);
            return map->draft(context, job.n_max);
        }
        case DraftSource::ngram_mod: return mod_->draft(job.seq, context, job.n_max);
        case DraftSource::ngram_cache: return cache_->draft(job.seq, context, job.n_max);
        case DraftSource::draft_model:
        case DraftSource::draft_mtp:
        case DraftSource::draft_eagle3:
        case DraftSource::draft_dflash:
        case DraftSource::draft_dspark: break;
    }
    return {};
}

void Speculator::draft(std::vector<DraftJob>& jobs) {
    for (auto& job : jobs) {
        job.draft.clear();
        job.q.clear();
        if (stateful_) follow(job);
        slot(job.seq).last_source = -1;
    }
    for (size_t s = 0; s < config_.sources.size(); ++s) {
        const DraftSource source = config_.sources[s];
        std::vector<DraftJob*> undrafted;
        for (auto& job : jobs) {
            if (job.draft.empty()) undrafted.push_back(&job);
        }
        if (undrafted.empty()) return;
        if (source == DraftSource::draft_model) {
            if (draft_model_) draft_model_->draft(undrafted);
        } else if (source == DraftSource::draft_mtp) {
            if (mtp_) mtp_->draft(undrafted);
        } else if (source == DraftSource::draft_eagle3) {
            if (eagle3_) eagle3_->draft(undrafted);
        } else if (source == DraftSource::draft_dflash || source == DraftSource::draft_dspark) {
            if (dflash_) dflash_->draft(undrafted);
        } else {
            for (auto* job : undrafted) job->draft = draft_ngram(source, *job);
        }
        for (auto* job : undrafted) {
            if (!job->draft.empty()) slot(job->seq).last_source = static_cast<int>(s);
        }
    }
}

void Speculator::accepted(int32_t seq, int32_t n_accepted) {
    SlotState& state = slot(seq);
    const int s = state.last_source;
    state.last_source = -1;
    if (s < 0) return;
    switch (config_.sources[static_cast<size_t>(s)]) {
        case DraftSource::ngram_map_k:
            if (state.map_k) state.map_k->accepted(n_accepted);
            break;
        case DraftSource::ngram_map_k4v:
            if (state.map_k4v) state.map_k4v->accepted(n_accepted);
            break;
        case DraftSource::ngram_mod: mod_->accepted(seq, n_accepted); break;
        default: break;
    }
}

bool Speculator::synthetic_accept(size_t position) {
    const std::vector<double>& accept = config_.synthetic.accept;
    if (position >= accept.size()) return false;
    return std::uniform_real_distribution<double>(0.0, 1.0)(synthetic_rng_) < accept[position];
}

}  // namespace cria
