#include "engine/speculative.h"

#include "engine/ngram_lookup.h"

namespace cria {

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
    for (const DraftSource source : spec.sources) {
        if (source != DraftSource::draft_model || draft_model) continue;
        draft_model = DraftModel::load(config, main.vocab, error);
        if (!draft_model) return nullptr;
    }
    return std::unique_ptr<Speculator>(new Speculator(spec, std::move(draft_model)));
}

Speculator::Speculator(SpeculativeConfig config, std::unique_ptr<DraftModel> draft_model)
    : config_(std::move(config)), draft_model_(std::move(draft_model)) {}

void Speculator::draft(std::vector<DraftJob>& jobs) {
    for (auto& job : jobs) job.draft.clear();
    for (const DraftSource source : config_.sources) {
        std::vector<DraftJob*> undrafted;
        for (auto& job : jobs) {
            if (job.draft.empty()) undrafted.push_back(&job);
        }
        if (undrafted.empty()) return;
        if (source == DraftSource::ngram) {
            for (auto* job : undrafted) job->draft = ngram_lookup_draft(*job->history, config_.ngram_size, job->n_max);
        } else if (draft_model_) {
            draft_model_->draft(undrafted);
        }
    }
}

}  // namespace cria
