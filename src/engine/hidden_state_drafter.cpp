#include "engine/hidden_state_drafter.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "engine/llama_private_api.h"
#include "util/log.h"

namespace cria {

namespace {

// One decode of `token` at position 0 of sequence 0 on the main context, then of the same token
// with the head's hidden state of that row on the head's context: what drafting relies on, checked
// before anything else uses either context (both sequences are emptied again). Empty when it all
// works, else what did not.
std::string check_head(llama_context* main, DraftHead& head, Token token) {
    llama_batch one = llama_batch_init(1, 0, 1);
    one.n_tokens = 1;
    one.token[0] = token;
    one.pos[0] = 0;
    one.n_seq_id[0] = 1;
    one.seq_id[0][0] = 0;
    one.logits[0] = 1;
    std::string problem;
    const float* hidden = nullptr;
    if (llama_decode(main, one) != 0) {
        problem = "a one-token decode of the main model failed";
    } else if ((hidden = head.hidden_states(one)) == nullptr) {
        problem = "libllama gave no hidden states for the main model's rows";
    }
    llama_batch_free(one);
    const int32_t n_embd = head.n_embd();
    llama_context* context = head.context();
    if (problem.empty()) {
        llama_batch row = llama_batch_init(1, n_embd, 1);
        row.token = static_cast<llama_token*>(std::malloc(sizeof(llama_token)));
        row.n_tokens = 1;
        row.token[0] = token;
        std::memcpy(row.embd, hidden, sizeof(float) * static_cast<size_t>(n_embd));
        row.pos[0] = 0;
        row.n_seq_id[0] = 1;
        row.seq_id[0][0] = 0;
        row.logits[0] = 1;
        if (llama_decode(context, row) != 0) {
            problem = "a decode of the drafting layers failed";
        } else if (llama_get_logits_ith(context, 0) == nullptr || llama_get_embeddings_nextn_ith(context, 0) == nullptr) {
            problem = "the drafting layers gave no logits or no hidden state";
        }
        llama_batch_free(row);  // frees the token array too
    }
    LlamaKvMemory(main).seq_rm(0, -1, -1);
    LlamaKvMemory(context).seq_rm(0, -1, -1);
    return problem;
}

// The length of the common prefix of `rows` and history[shift..].
size_t common_prefix_from(const std::vector<Token>& rows, const std::vector<Token>& history, size_t shift) {
    size_t n = 0;
    while (n < rows.size() && shift + n < history.size() && rows[n] == history[shift + n]) ++n;
    return n;
}

}  // namespace

std::unique_ptr<HiddenStateDrafter> HiddenStateDrafter::create(const EngineConfig& config, const LoadedModel& main,
                                                               std::unique_ptr<DraftHead> head, std::string* error) {
    const llama_vocab* vocab = main.vocab;
    const Token probe = llama_vocab_bos(vocab) != LLAMA_TOKEN_NULL ? llama_vocab_bos(vocab) : 0;
    const std::string problem = check_head(main.context.get(), *head, probe);
    if (!problem.empty()) {
        *error = "--spec-type " + head->name() + ": " + problem;
        return nullptr;
    }
    std::unique_ptr<HiddenStateDrafter> drafter(new HiddenStateDrafter());
    drafter->context_ = head->context();
    drafter->shift_ = head->shift();
    drafter->n_embd_ = head->n_embd();
    drafter->n_vocab_ = llama_vocab_n_tokens(vocab);
    drafter->n_batch_ = static_cast<int32_t>(llama_n_batch(drafter->context_));
    drafter->n_slots_ = std::max(1, config.n_parallel);
    drafter->kv_memory_ = std::make_unique<LlamaKvMemory>(drafter->context_);
    drafter->kv_ = std::make_unique<KvCache>(*drafter->kv_memory_, drafter->n_slots_, SelfExtend(1, 0), config.kv_unified);
    drafter->batch_ = llama_batch_init(drafter->n_batch_, drafter->n_embd_, 1);
    // llama_batch_init gives a batch either tokens or embeddings; each row here has both.
    drafter->batch_.token = static_cast<llama_token*>(std::malloc(sizeof(llama_token) * static_cast<size_t>(drafter->n_batch_)));
    drafter->recent_.resize(static_cast<size_t>(drafter->n_slots_));
    drafter->head_ = std::move(head);
    return drafter;
}

HiddenStateDrafter::~HiddenStateDrafter() {
    if (batch_.embd != nullptr) llama_batch_free(batch_);  // the token array too
}

bool HiddenStateDrafter::hidden_at(int32_t seq, llama_pos pos, Token token, float* out) const {
    const Recent& r = recent_[static_cast<size_t>(seq)];
    const size_t bytes = sizeof(float) * static_cast<size_t>(n_embd_);
    if (pos >= r.first && static_cast<size_t>(pos - r.first) < r.count() &&
        r.tokens[static_cast<size_t>(pos - r.first)] == token) {
        std::memcpy(out, r.rows.data() + static_cast<size_t>(pos - r.first) * static_cast<size_t>(n_embd_), bytes);
        return true;
    }
    std::memset(out, 0, bytes);
    return false;
}

size_t HiddenStateDrafter::pairs(int32_t seq) const { return kv_->size(seq) + static_cast<size_t>(shift_); }

int32_t HiddenStateDrafter::add(int32_t seq, Token token, const float* hidden, bool wants_logits) {
    const int32_t i = batch_.n_tokens++;
    batch_.token[i] = token;
    std::memcpy(batch_.embd + static_cast<size_t>(i) * static_cast<size_t>(n_embd_), hidden,
                sizeof(float) * static_cast<size_t>(n_embd_));
    batch_.pos[i] = kv_->append(seq, token);
    batch_.n_seq_id[i] = 1;
    batch_.seq_id[i][0] = seq;
    batch_.logits[i] = wants_logits ? 1 : 0;
    return i;
}

bool HiddenStateDrafter::decode() {
    if (batch_.n_tokens == 0) return true;
    const int32_t status = llama_decode(context_, batch_);
    if (status == 0) {
        kv_->decoded();
    } else {
        // What the failed batch left in the cache is unknown: those sequences start afresh.
        log_warn(head_->name() + ": a decode of the drafting layers failed (" + std::to_string(status) + ")");
        for (int32_t i = 0; i < batch_.n_tokens; ++i) kv_->clear(batch_.seq_id[i][0]);
    }
    batch_.n_tokens = 0;
    return status == 0;
}

bool HiddenStateDrafter::catch_up(int32_t seq, const std::vector<Token>& history, size_t limit, size_t end) {
    const size_t shift = static_cast<size_t>(shift_);
    if (end <= shift) return true;  // no row before pair `shift`
    const size_t keep = std::min({common_prefix_from(kv_->tokens(seq), history, shift), limit - std::min(limit, shift),
                                  end - shift});
    if (keep < kv_->size(seq)) kv_->truncate(seq, keep);  // if refused, the sequence is empty: caught up whole
    std::vector<float> hidden(static_cast<size_t>(n_embd_));
    while (pairs(seq) < end) {
        const size_t q = pairs(seq);
        const Token token = history[q];
        if (token < 0 || token >= n_vocab_) return true;  // an image's placeholder: no token to feed
        if (batch_.n_tokens == n_batch_ && !decode()) return false;
        if (q == 0) {
            std::fill(hidden.begin(), hidden.end(), 0.0f);
        } else {
            hidden_at(seq, static_cast<llama_pos>(q - 1), history[q - 1], hidden.data());
        }
        add(seq, token, hidden.data(), false);
    }
    return true;
}

void HiddenStateDrafter::observe(const llama_batch& batch, const KvCache& main_kv) {
    if (batch.token == nullptr || batch.n_tokens <= 0) return;
    const float* hidden = head_->hidden_states(batch);
    if (hidden == nullptr) return;
    // Each slot's rows: consecutive positions (its next input then its draft, or a prompt chunk),
    // though not next to each other in the batch.
    std::vector<std::vector<int32_t>> rows(static_cast<size_t>(n_slots_));
    for (int32_t i = 0; i < batch.n_tokens; ++i) {
        const llama_seq_id seq = batch.seq_id[i][0];
        if (seq >= 0 && seq < n_slots_) rows[static_cast<size_t>(seq)].push_back(i);
    }
    batch_.n_tokens = 0;
    for (int32_t seq = 0; seq < n_slots_; ++seq) {
        const auto& mine = rows[static_cast<size_t>(seq)];
        if (mine.empty()) continue;
        const llama_pos first = batch.pos[mine.front()];
        // The rows before this decode's that the head's cache still lacks pair with the previous
        // decode's hidden states, about to be replaced: they go in now. This decode's own rows
        // wait for the next draft() (they share its first decode, and rejected drafts never go in)
        // or for this slot's next decode.
        std::vector<Token> decoded = main_kv.tokens(seq);  // drafts included
        const auto& draft = main_kv.draft(seq);
        decoded.insert(decoded.end(), draft.begin(), draft.end());
        catch_up(seq, decoded, decoded.size(), std::min(decoded.size(), static_cast<size_t>(first)));
        // The new Recent: the row before this decode's first (the pairing of its first row),
        // then this decode's rows.
        Recent fresh;
        if (first > 0) {
            const Recent& old = recent_[static_cast<size_t>(seq)];
            const llama_pos at = first - 1;
            if (at >= old.first && static_cast<size_t>(at - old.first) < old.count()) {
                fresh.tokens.push_back(old.tokens[static_cast<size_t>(at - old.first)]);
                fresh.rows.insert(fresh.rows.end(), old.rows.begin() + (at - old.first) * n_embd_,
                                  old.rows.begin() + (at - old.first + 1) * n_embd_);
            }
        }
        fresh.first = fresh.tokens.empty() ? first : first - 1;
        for (size_t k = 0; k < mine.size(); ++k) {
            const int32_t i = mine[k];
            if (batch.pos[i] != first + static_cast<llama_pos>(k)) break;  // not consecutive: stop there
            fresh.tokens.push_back(batch.token[i]);
            fresh.rows.insert(fresh.rows.end(), hidden + static_cast<size_t>(i) * static_cast<size_t>(n_embd_),
                              hidden + static_cast<size_t>(i + 1) * static_cast<size_t>(n_embd_));
        }
        recent_[static_cast<size_t>(seq)] = std::move(fresh);
    }
    decode();
}

Token HiddenStateDrafter::best_token(int32_t i, float p_min) const {
    const float* logits = llama_get_logits_ith(context_, i);
    if (logits == nullptr) return -1;
    Token best = 0;
    for (Token t = 1; t < n_vocab_; ++t) {
        if (logits[t] > logits[best]) best = t;
    }
    if (p_min > 0.0f) {
        double sum = 0.0;
        for (Token t = 0; t < n_vocab_; ++t) sum += std::exp(static_cast<double>(logits[t] - logits[best]));
        if (1.0 / sum < p_min) return -1;
    }
    return best;
}

void HiddenStateDrafter::draft(std::vector<DraftJob*>& jobs) {
    std::vector<Work> work;
    bool failed = false;
    batch_.n_tokens = 0;
    const int64_t n_ctx_seq = static_cast<int64_t>(llama_n_ctx_seq(context_));
    for (auto* job : jobs) {
        job->draft.clear();
        job->q.clear();
        const auto& history = *job->history;
        if (history.size() <= static_cast<size_t>(shift_) || job->seq < 0 || job->seq >= n_slots_) continue;
        if (static_cast<int32_t>(work.size()) >= n_batch_) continue;  // one seed row each must fit one batch
        const size_t n = history.size() - 1;
        // Every draft row but the last sits in the head's cache, after the next input's.
        const int32_t n_max = static_cast<int32_t>(
            std::min<int64_t>(job->n_max, n_ctx_seq - static_cast<int64_t>(n) + shift_));
        if (n_max < 1) continue;
        // The rows before the next input's: usually all there (observe() brought them in).
        if (!catch_up(job->seq, history, n, n)) {
            failed = true;  // a decode failed, emptying the sequences in it: no drafts this step
            break;
        }
        if (pairs(job->seq) < n) continue;  // an image's placeholder in the way
        work.push_back({job, n, n_max});
    }
    failed = failed || !run(work);
    for (auto& w : work) {
        if (failed) w.job->draft.clear();
        // The draft rows paired tokens with the head's guesses, not the main model's states: they
        // go. The next input's row stays (observe() keeps it when the main model decodes it).
        if (pairs(w.job->seq) > w.seed + 1) kv_->truncate(w.job->seq, w.seed + 1 - static_cast<size_t>(shift_));
    }
}

bool HiddenStateDrafter::run(std::vector<Work>& work) {
    // The rows caught up go in a decode of their own, as in llama-server: in a decode that also has
    // rows with logits, libllama 0.7's eagle3 context gives the logits of the row before the one
    // asked for.
    if (!decode()) return false;
    // The seed rows: each slot's next input with the main model's hidden state before it.
    std::vector<float> hidden(static_cast<size_t>(n_embd_));
    for (auto& w : work) {
        const auto& history = *w.job->history;
        if (w.seed == 0) {
            std::fill(hidden.begin(), hidden.end(), 0.0f);
        } else {
            hidden_at(w.job->seq, static_cast<llama_pos>(w.seed - 1), history[w.seed - 1], hidden.data());
        }
        w.logits_at = add(w.job->seq, history[w.seed], hidden.data(), true);
    }
    while (batch_.n_tokens > 0) {
        if (!decode()) return false;
        for (auto& w : work) {
            if (w.logits_at < 0) continue;
            const Token best = best_token(w.logits_at, w.job->p_min);
            const float* head_hidden = llama_get_embeddings_nextn_ith(context_, w.logits_at);
            w.logits_at = -1;
            if (best < 0 || head_hidden == nullptr) continue;
            w.job->draft.push_back(best);
            if (static_cast<int32_t>(w.job->draft.size()) >= w.n_max) continue;
            // The next row: the draft token with the head's own hidden state for the row before.
            w.logits_at = add(w.job->seq, best, head_hidden, true);
        }
    }
    return true;
}

}  // namespace cria
