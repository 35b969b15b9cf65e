#include "engine/draft_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/draft_engine_config.h"
#include "util/log.h"

namespace cria {

std::string vocabulary_mismatch(const llama_vocab* main_vocab, const llama_vocab* draft_vocab) {
    if (llama_vocab_type(main_vocab) != llama_vocab_type(draft_vocab)) return "the tokenizer types differ";
    const int32_t n = llama_vocab_n_tokens(main_vocab);
    const int32_t n_draft = llama_vocab_n_tokens(draft_vocab);
    if (n != n_draft) {
        return "the vocabularies have " + std::to_string(n) + " and " + std::to_string(n_draft) + " tokens";
    }
    if (llama_vocab_bos(main_vocab) != llama_vocab_bos(draft_vocab) ||
        llama_vocab_eos(main_vocab) != llama_vocab_eos(draft_vocab)) {
        return "the BOS/EOS tokens differ";
    }
    for (Token t = 0; t < n; ++t) {
        const char* a = llama_vocab_get_text(main_vocab, t);
        const char* b = llama_vocab_get_text(draft_vocab, t);
        if (std::strcmp(a ? a : "", b ? b : "") != 0) return "token " + std::to_string(t) + " differs";
    }
    return "";
}

std::unique_ptr<DraftModel> DraftModel::load(const EngineConfig& config, const llama_vocab* main_vocab,
                                             std::string* error) {
    const EngineConfig draft_config = draft_engine_config(config);
    std::unique_ptr<DraftModel> draft(new DraftModel());
    std::string why;
    if (!load_model(draft_config, &draft->model_, &draft->info_, &why)) {
        *error = draft_load_error(why);
        return nullptr;
    }
    llama_model* model = draft->model_.model.get();
    if (llama_model_is_recurrent(model) || llama_model_is_hybrid(model)) {
        // Their state cannot be rolled back to before a rejected draft token.
        *error = "draft model (--model-draft) '" + draft_config.model_path + "' is recurrent; it cannot draft";
        return nullptr;
    }
    const std::string mismatch = vocabulary_mismatch(main_vocab, draft->model_.vocab);
    if (!mismatch.empty()) {
        *error = "draft model (--model-draft) '" + draft_config.model_path +
                 "' cannot draft for the main model: its vocabulary is not the same (" + mismatch + ")";
        return nullptr;
    }
    llama_context* context = draft->model_.context.get();
    // What the draft options (-td, -tbd, --spec-draft-n-ubatch, -ctkd, -ctvd) made of its context.
    log_info("draft context: " + std::to_string(llama_n_ctx(context)) + " tokens, threads " +
             std::to_string(llama_n_threads(context)) + " (batch " + std::to_string(llama_n_threads_batch(context)) +
             "), n_ubatch " + std::to_string(llama_n_ubatch(context)) + ", KV cache " +
             draft_config.tuning.cache_type_k + "/" + draft_config.tuning.cache_type_v);
    draft->kv_memory_ = std::make_unique<LlamaKvMemory>(context);
    draft->kv_ = std::make_unique<KvCache>(*draft->kv_memory_, draft->info_.n_slots, SelfExtend(1, 0), config.kv_unified);
    draft->n_batch_ = static_cast<int32_t>(llama_n_batch(context));
    draft->batch_ = llama_batch_init(draft->n_batch_, 0, 1);
    // Sampled drafts (--spec-draft-sampling probabilistic) need the draft's whole distribution,
    // which a greedy chain in the graph would replace by its argmax.
    if (config.speculative.draft_backend_sampling && !config.speculative.sample_drafts) draft->attach_greedy_samplers();
    return draft;
}

void DraftModel::attach_greedy_samplers() {
    // Each drafting decode has at most one output per sequence, as libllama's backend sampling
    // requires (catching up decodes without outputs).
    llama_context* context = model_.context.get();
    for (int32_t seq = 0; seq < info_.n_slots; ++seq) {
        llama_sampler_ptr chain(llama_sampler_chain_init(llama_sampler_chain_default_params()));
        llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
        if (!llama_set_sampler(context, seq, chain.get())) {
            llama_set_sampler(context, seq, nullptr);
            continue;  // this sequence's argmax is taken here (best_token reads no sampled token)
        }
        if (greedy_.size() <= static_cast<size_t>(seq)) greedy_.resize(static_cast<size_t>(seq) + 1);
        greedy_[static_cast<size_t>(seq)] = std::move(chain);
    }
    const auto attached = std::count_if(greedy_.begin(), greedy_.end(), [](const auto& c) { return c != nullptr; });
    log_debug("draft model: the argmax runs on the backend for " + std::to_string(attached) + " of " +
              std::to_string(info_.n_slots) + " sequences");
}

DraftModel::~DraftModel() {
    // The context outlives the chains (members go in reverse order): it must not point at them.
    for (size_t seq = 0; seq < greedy_.size(); ++seq) {
        if (greedy_[seq]) llama_set_sampler(model_.context.get(), static_cast<llama_seq_id>(seq), nullptr);
    }
    if (batch_.token != nullptr) llama_batch_free(batch_);
}

void DraftModel::add(int32_t seq, Token token, bool wants_logits) {
    const int32_t i = batch_.n_tokens++;
    batch_.token[i] = token;
    batch_.pos[i] = kv_->append(seq, token);
    batch_.n_seq_id[i] = 1;
    batch_.seq_id[i][0] = seq;
    batch_.logits[i] = wants_logits ? 1 : 0;
}

bool DraftModel::decode() {
    const int32_t status = llama_decode(model_.context.get(), batch_);
    if (status == 0) kv_->decoded();
    if (status != 0) {
        // What the failed batch left in the cache is unknown: start those sequences afresh.
        for (int32_t i = 0; i < batch_.n_tokens; ++i) kv_->clear(batch_.seq_id[i][0]);
    }
    batch_.n_tokens = 0;
    return status == 0;
}

void DraftModel::sync(DraftJob& job) {
    const auto& history = *job.history;
    // The history's last token is decoded again even if cached: its logits give the first draft.
    const size_t keep = std::min(common_prefix(kv_->tokens(job.seq), history), history.size() - 1);
    if (keep == kv_->size(job.seq)) return;
    kv_->truncate(job.seq, keep);  // if the memory refuses, the sequence is emptied and caught up whole
}

void DraftModel::draft(std::vector<DraftJob*>& jobs) {
    for (auto* job : jobs) {
        job->draft.clear();
        job->q.clear();
    }
    // One token per job goes into each decode of the drafting loop, so a group fits one batch.
    const size_t group = static_cast<size_t>(std::max(1, n_batch_));
    for (size_t first = 0; first < jobs.size(); first += group) {
        const auto end = jobs.begin() + static_cast<std::ptrdiff_t>(std::min(jobs.size(), first + group));
        draft_group(std::vector<DraftJob*>(jobs.begin() + static_cast<std::ptrdiff_t>(first), end));
    }
}

void DraftModel::draft_group(const std::vector<DraftJob*>& jobs) {
    struct Work {
        DraftJob* job;
        int32_t n_max;
        int32_t logits_at = -1;  // batch index of the logits that give the next draft token; -1: done
    };
    std::vector<Work> work;
    std::vector<DraftJob*> syncing;
    for (auto* job : jobs) {
        const auto& history = *job->history;
        if (history.empty() || job->seq < 0 || job->seq >= info_.n_slots) continue;
        // Every drafted token but the last is decoded here, after the history.
        const int64_t room = static_cast<int64_t>(info_.n_ctx_slot) - static_cast<int64_t>(history.size());
        const int32_t n_max = static_cast<int32_t>(std::min<int64_t>(job->n_max, room));
        if (n_max < 1) continue;
        sync(*job);
        work.push_back({job, n_max});
        syncing.push_back(job);
    }
    if (!catch_up(syncing)) return;

    // Then one decode per drafted position: each job's latest token in, its most likely successor out.
    for (auto& w : work) {
        w.logits_at = batch_.n_tokens;
        add(w.job->seq, w.job->history->back(), true);
    }
    while (batch_.n_tokens > 0) {
        if (!decode()) {
            for (auto& w : work) {
                w.job->draft.clear();  // its logits never came
                w.job->q.clear();
            }
            return;
        }
        for (auto& w : work) {
            if (w.logits_at < 0) continue;
            const Token best = w.job->sample ? sampled_token(w.logits_at, *w.job) : best_token(w.logits_at, w.job->p_min);
            w.logits_at = -1;
            if (best < 0) continue;  // no logits, or not sure enough: the draft ends here
            w.job->draft.push_back(best);
            if (static_cast<int32_t>(w.job->draft.size()) >= w.n_max) continue;
            w.logits_at = batch_.n_tokens;
            add(w.job->seq, best, true);
        }
    }
}

bool DraftModel::catch_up(const std::vector<DraftJob*>& jobs) {
    batch_.n_tokens = 0;
    for (auto* job : jobs) {
        const auto& history = *job->history;
        while (kv_->size(job->seq) + 1 < history.size()) {
            if (batch_.n_tokens == n_batch_ && !decode()) return false;
            add(job->seq, history[kv_->size(job->seq)], false);
        }
    }
    // The drafting loop's first batch takes one token per job: make room for it.
    return !(batch_.n_tokens + static_cast<int32_t>(jobs.size()) > n_batch_ && !decode());
}

Token DraftModel::best_token(int32_t i, float p_min) const {
    llama_context* context = model_.context.get();
    const llama_seq_id seq = batch_.seq_id[i][0];
    const bool on_backend = static_cast<size_t>(seq) < greedy_.size() && greedy_[static_cast<size_t>(seq)];
    // On the backend the argmax comes back with the logits it was taken over (the whole vocabulary:
    // a lone greedy sampler filters nothing).
    const Token sampled = on_backend ? llama_get_sampled_token_ith(context, i) : LLAMA_TOKEN_NULL;
    const float* logits = llama_get_logits_ith(context, i);
    if (on_backend && llama_get_sampled_logits_count_ith(context, i) != static_cast<uint32_t>(info_.n_vocab)) {
        logits = nullptr;  // not the whole vocabulary's, in token order: no probability to check
    }
    if (logits == nullptr) return sampled != LLAMA_TOKEN_NULL && p_min <= 0.0f ? sampled : -1;
    const int32_t n_vocab = info_.n_vocab;
    Token best = sampled;
    if (best == LLAMA_TOKEN_NULL) {
        best = 0;
        for (Token t = 1; t < n_vocab; ++t) {
            if (logits[t] > logits[best]) best = t;
        }
    }
    if (p_min > 0.0f) {
        double sum = 0.0;
        for (Token t = 0; t < n_vocab; ++t) sum += std::exp(static_cast<double>(logits[t] - logits[best]));
        if (1.0 / sum < p_min) return -1;
    }
    return best;
}

Token DraftModel::sampled_token(int32_t i, DraftJob& job) {
    constexpr size_t kTopK = 10;  // as llama-server's draft sampler
    const float* logits = llama_get_logits_ith(model_.context.get(), i);
    if (logits == nullptr) return -1;
    std::vector<TokenProb> top;
    top.reserve(kTopK + 1);
    for (Token t = 0; t < info_.n_vocab; ++t) {
        if (top.size() == kTopK && logits[t] <= top.back().p) continue;
        const TokenProb candidate{t, logits[t]};
        top.insert(std::upper_bound(top.begin(), top.end(), candidate,
                                    [](const TokenProb& a, const TokenProb& b) { return a.p > b.p; }),
                   candidate);
        if (top.size() > kTopK) top.pop_back();
    }
    // Softmax over the kept ones (their logits are in .p until here).
    const float max_logit = top.front().p;
    double sum = 0.0;
    for (auto& tp : top) sum += (tp.p = static_cast<float>(std::exp(static_cast<double>(tp.p - max_logit))));
    for (auto& tp : top) tp.p = static_cast<float>(tp.p / sum);
    if (top.front().p < job.p_min) return -1;
    double target = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    Token token = top.back().token;
    for (const auto& tp : top) {
        if ((target -= tp.p) < 0.0) {
            token = tp.token;
            break;
        }
    }
    job.q.push_back(std::move(top));
    return token;
}

}  // namespace cria
