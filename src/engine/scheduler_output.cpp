// The scheduler's sampling and emission: after a decode, every slot whose logits are in the batch
// samples (or verifies its draft), and its request gets a TokenChunk, or its final result.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "engine/scheduler.h"

namespace cria {

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

// Post-sampling probabilities: a softmax over the candidates the chain left, as they stood when
// `token` was drawn (after temperature, truncation, penalties and biases), and the n_probs most
// likely of them.
TokenProbabilities probabilities_of(const llama_token_data_array& cur, Token token, int32_t n_probs) {
    float max_logit = -INFINITY;
    for (size_t i = 0; i < cur.size; ++i) max_logit = std::max(max_logit, cur.data[i].logit);
    std::vector<TokenCandidate> all;
    all.reserve(cur.size);
    double sum = 0.0;
    for (size_t i = 0; i < cur.size; ++i) {
        if (!std::isfinite(cur.data[i].logit)) continue;
        const float e = std::exp(cur.data[i].logit - max_logit);
        all.push_back({cur.data[i].id, e});
        sum += e;
    }
    TokenProbabilities probs;
    probs.token = token;
    for (auto& c : all) {
        c.prob = static_cast<float>(c.prob / sum);
        if (c.token == token) probs.prob = c.prob;
    }
    const size_t n_top = std::min(all.size(), static_cast<size_t>(n_probs));
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n_top), all.end(),
                      [](const TokenCandidate& a, const TokenCandidate& b) { return a.prob > b.prob; });
    probs.top.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n_top));
    return probs;
}

}  // namespace

std::vector<float> normalized_embedding(const float* v, int32_t n, int32_t mode) {
    std::vector<float> out(v, v + n);
    double norm = 0.0;
    if (mode == 0) {
        // Largest absolute value to 32760, so that the values fit int16 (llama-server's scale).
        for (const float x : out) norm = std::max(norm, std::fabs(static_cast<double>(x)));
        norm /= 32760.0;
    } else if (mode > 0) {
        for (const float x : out) norm += std::pow(std::fabs(static_cast<double>(x)), mode);
        norm = std::pow(norm, 1.0 / mode);
    }
    if (norm > 0.0) {
        for (auto& x : out) x = static_cast<float>(x / norm);
    }
    return out;
}

// ---- sampling and emission ------------------------------------------------------------------

void Scheduler::sample_outputs() {
    for (auto& slot : slots_) {
        if (slot.batch_index < 0 || !slot.busy()) continue;
        const char* during = slot.request().embed ? "computing the embedding" : "sampling";
        try {
            sample_output(slot);
        } catch (...) {
            // This request alone fails (see "Containment" in scheduler.h); the loop goes on.
            fail_from_exception(slot, during);
        }
    }
}

void Scheduler::sample_output(Slot& slot) {
    if (slot.state == SlotState::prefill) {
        if (slot.prompt_done < slot.request().prompt.size()) return;  // more prompt to read
        if (slot.request().embed) return emit_embedding(slot);
        slot.prompt_finished = Clock::now();
        slot.state = SlotState::generate;
        if (slot.request().stop.n_predict == 0) return finish(slot, StopReason::limit);
    }
    if (!slot.draft.empty()) {
        verify_draft(slot);
    } else {
        accept_token(slot, next_token(slot, slot.batch_index));
    }
}

llama_token_data_array Scheduler::apply_chain(Slot& slot, int32_t batch_index) {
    llama_token_data_array cur = output_candidates(slot, batch_index);
    llama_sampler_apply(slot.sampler.get(), &cur);
    return cur;
}

Token Scheduler::sample(Slot& slot, int32_t batch_index) {
    // A chain whose draw ran on the backend (backend_sampling.h; never one with n_probs) has its
    // token already.
    const Token drawn = slot.backend_sampling ? llama_get_sampled_token_ith(ctx_, batch_index) : LLAMA_TOKEN_NULL;
    if (drawn != LLAMA_TOKEN_NULL) {
        llama_sampler_accept(slot.sampler.get(), drawn);
        return drawn;
    }
    // The steps of llama_sampler_sample, which checks the chain's choice with an assert that ends
    // the process: here a chain that selects no token throws, and only this request fails. The
    // candidates are kept to report probabilities.
    llama_token_data_array cur = apply_chain(slot, batch_index);
    if (cur.selected < 0 || cur.selected >= static_cast<int64_t>(cur.size)) {
        throw std::runtime_error("the sampler chain selected no token");
    }
    const Token token = cur.data[cur.selected].id;
    llama_sampler_accept(slot.sampler.get(), token);
    if (slot.request().n_probs > 0) keep_probabilities(slot, probabilities_of(cur, token, slot.request().n_probs));
    return token;
}

Token Scheduler::sample_against_draft(Slot& slot, int32_t batch_index, Token draft, const std::vector<TokenProb>& q) {
    // The chain's stages (penalties, grammar, top-k/p, temperature, ...) shape the candidates; its
    // own draw is not used: p is the softmax of what it leaves.
    llama_token_data_array cur = apply_chain(slot, batch_index);
    float max_logit = -INFINITY;
    for (size_t i = 0; i < cur.size; ++i) max_logit = std::max(max_logit, cur.data[i].logit);
    if (!std::isfinite(max_logit)) throw std::runtime_error("the sampler chain left no token");
    std::vector<TokenProb> p;
    double sum = 0.0;
    for (size_t i = 0; i < cur.size; ++i) {
        if (!std::isfinite(cur.data[i].logit)) continue;
        const double e = std::exp(static_cast<double>(cur.data[i].logit - max_logit));
        p.push_back({cur.data[i].id, static_cast<float>(e)});
        sum += e;
    }
    for (auto& tp : p) tp.p = static_cast<float>(tp.p / sum);
    const Token token = rejection_sample(p, q, draft, speculator_->uniform(), speculator_->uniform());
    llama_sampler_accept(slot.sampler.get(), token);
    if (slot.request().n_probs > 0) keep_probabilities(slot, probabilities_of(cur, token, slot.request().n_probs));
    return token;
}

void Scheduler::keep_probabilities(Slot& slot, TokenProbabilities probs) {
    // A stream sends each token's probabilities in its own event and its final event none, so it
    // keeps only the token's being sent. A whole response keeps those of its first n_ctx_slot
    // tokens: with n_predict -1 and context shift it may generate without end (docs/operations.md,
    // "Limits").
    if (slot.request().stream) {
        slot.probabilities.clear();
    } else if (slot.probabilities.size() >= static_cast<size_t>(info_.n_ctx_slot)) {
        return;
    }
    slot.probabilities.push_back(std::move(probs));
}

namespace {

// The request's timings up to `now`.
Timings slot_timings(const Slot& slot, Clock::time_point now) {
    Timings t;
    t.cache_n = slot.cache_reused;
    t.prompt_n = static_cast<int32_t>(slot.request().prompt.size()) - slot.cache_reused;
    t.prompt_ms = ms_between(slot.started, slot.prompt_finished);
    t.predicted_n = static_cast<int32_t>(slot.generated.size());
    t.predicted_ms = ms_between(slot.prompt_finished, now);
    t.draft_n = slot.n_drafted;
    t.draft_n_accepted = slot.n_draft_accepted;
    return t;
}

// t_max_predict_ms: over its time budget, counted only once a line was generated.
bool over_time_budget(const Slot& slot) {
    const int64_t budget = slot.request().stop.t_max_predict_ms;
    return budget > 0 && slot.has_new_line && ms_between(slot.prompt_finished, Clock::now()) > static_cast<double>(budget);
}

}  // namespace

void Scheduler::accept_token(Slot& slot, Token token) {
    const auto& request = slot.request();
    if (!request.stop.ignore_eos && vocabulary_.is_end_of_generation(token)) {
        finish(slot, StopReason::eos);
        return;
    }
    slot.generated.push_back(token);
    // A forced token's text is written with special tokens, so the reader sees a control-token tag.
    const std::string piece = vocabulary_.piece(token, config_.special || request.render_special || forcing(slot));
    observe_for_budget(slot, token);
    slot.has_new_line = slot.has_new_line || piece.find('\n') != std::string::npos;
    const bool hit_stop_string = slot.output->append(piece);
    // n_indent: the cut is made before this token's text is offered to the stream.
    const size_t indent_cut = hit_stop_string ? std::string::npos : slot.indent_limit.check(slot.output->text());
    if (indent_cut != std::string::npos) slot.output->cut_and_finish(indent_cut);
    if (request.stream) {
        TokenChunk chunk{token, slot.output->take_sendable(), {}, slot.id,
                         static_cast<int32_t>(request.prompt.size()), slot_timings(slot, Clock::now())};
        // The stream keeps nothing it has sent (keep_probabilities holds only this token's).
        if (request.n_probs > 0) chunk.probabilities = std::move(slot.probabilities);
        slot.probabilities.clear();
        slot.task->push(std::move(chunk));
    }
    if (hit_stop_string) {
        finish(slot, StopReason::word);
    } else if (indent_cut != std::string::npos ||
               (request.stop.n_predict > 0 && static_cast<int32_t>(slot.generated.size()) >= request.stop.n_predict) ||
               over_time_budget(slot)) {
        finish(slot, StopReason::limit);
    } else {
        slot.next_input = token;
    }
}

void Scheduler::emit_embedding(Slot& slot) {
    const int32_t n_embd = info_.n_embd;
    const int32_t mode = config_.embd_normalize;
    auto normalized = [n_embd, mode](const float* v) { return normalized_embedding(v, n_embd, mode); };
    EmbeddingResult result;
    result.n_tokens = static_cast<int32_t>(slot.request().prompt.size());
    bool ok = true;
    if (info_.pooling == "rank") {
        // A reranker's scores, as the model gives them: not a vector to normalize.
        const float* v = llama_get_embeddings_seq(ctx_, slot.id);
        ok = v != nullptr;
        if (ok) result.vectors.emplace_back(v, v + std::max(1, info_.n_cls_out));
    } else if (info_.pooling == "none") {
        for (int32_t i = 0; i < result.n_tokens && ok; ++i) {
            const float* v = llama_get_embeddings_ith(ctx_, slot.batch_first + i);
            ok = v != nullptr;
            if (ok) result.vectors.push_back(normalized(v));
        }
    } else {
        const float* v = llama_get_embeddings_seq(ctx_, slot.id);
        ok = v != nullptr;
        if (ok) result.vectors.push_back(normalized(v));
    }
    // Nothing of an embedding input is worth keeping in the cache.
    kv_.clear(slot.id);
    if (!ok) return fail(slot, 500, "the model produced no embedding for this input");
    answer_and_release(slot, std::move(result));
}

void Scheduler::finish(Slot& slot, StopReason reason) {
    const auto now = Clock::now();
    if (slot.state == SlotState::prefill) slot.prompt_finished = now;
    slot.output->finish();

    CompletionResult result;
    result.unsent_text = slot.request().stream ? slot.output->take_sendable() : std::string();
    result.content = slot.output->text();
    result.tokens = slot.generated;
    // An end-of-generation token was sampled (with its probabilities) but is not part of the text.
    // A stream's final event carries none (each token's went with it).
    if (slot.request().stream) slot.probabilities.clear();
    slot.probabilities.resize(std::min(slot.probabilities.size(), slot.generated.size()));
    result.probabilities = std::move(slot.probabilities);
    result.stop_reason = reason;
    result.stopping_word = slot.output->stopping_word();
    result.truncated = slot.truncated;
    result.n_prompt_tokens = static_cast<int32_t>(slot.request().prompt.size());
    result.tokens_cached = static_cast<int32_t>(kv_.size(slot.id));
    result.id_slot = slot.id;
    result.has_new_line = slot.has_new_line;
    result.timings = slot_timings(slot, now);
    metrics_.record_request(static_cast<uint64_t>(result.timings.prompt_n), result.timings.prompt_ms / 1e3,
                            static_cast<uint64_t>(result.timings.predicted_n), result.timings.predicted_ms / 1e3);
    metrics_.record_request_details(static_cast<uint64_t>(result.timings.cache_n),
                                    static_cast<uint64_t>(result.n_prompt_tokens + result.timings.predicted_n),
                                    static_cast<uint64_t>(slot.n_drafted), static_cast<uint64_t>(slot.n_draft_accepted));
    answer_and_release(slot, std::move(result));
}

void Scheduler::fail(Slot& slot, int http_status, const std::string& message) {
    answer_and_release(slot, TaskFailure{http_status, message});
}

void Scheduler::clear_cache_and_fail(Slot& slot, int http_status, const std::string& message) {
    kv_.clear(slot.id);
    fail(slot, http_status, message);
}

void Scheduler::answer_and_release(Slot& slot, TaskEvent last_event) {
    // The slot is free, and published as free, before the client can read its answer: a client
    // that asks /health right after its response must not still see its own request running.
    std::shared_ptr<Task> task = slot.task;
    release(slot);
    publish_status();
    task->push(std::move(last_event));
}

void Scheduler::release(Slot& slot) {
    // The KV cache keeps what was decoded, so the next request can reuse the prefix.
    slot.state = SlotState::idle;
    slot.task.reset();
    detach_sampler(slot);
    slot.sampler.reset();
    slot.output.reset();
    slot.budget.reset();
    slot.batch_index = -1;
    slot.last_used = step_;
}

void Scheduler::publish_status() {
    std::vector<SlotStatus> statuses;
    statuses.reserve(slots_.size());
    for (const auto& slot : slots_) {
        SlotStatus s;
        s.id = slot.id;
        s.processing = slot.busy();
        s.task_id = slot.busy() ? slot.task->id() : 0;
        s.n_cached = static_cast<int32_t>(kv_.size(slot.id));
        s.n_decoded = static_cast<int32_t>(slot.generated.size());
        s.task = slot.task;
        statuses.push_back(s);
    }
    board_.publish(std::move(statuses));
}

}  // namespace cria
