#include "api/completion_response.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "api/completion_request.h"

namespace cria {

using json = nlohmann::json;


json timings_json(const Timings& t) {
    auto per_token_ms = [](double ms, int32_t n) { return n > 0 ? ms / n : 0.0; };
    auto per_second = [](double ms, int32_t n) { return ms > 0 ? 1e3 * n / ms : 0.0; };
    json out = {
        {"cache_n", t.cache_n},
        {"prompt_n", t.prompt_n},
        {"prompt_ms", t.prompt_ms},
        {"prompt_per_token_ms", per_token_ms(t.prompt_ms, t.prompt_n)},
        {"prompt_per_second", per_second(t.prompt_ms, t.prompt_n)},
        {"predicted_n", t.predicted_n},
        {"predicted_ms", t.predicted_ms},
        {"predicted_per_token_ms", per_token_ms(t.predicted_ms, t.predicted_n)},
        {"predicted_per_second", per_second(t.predicted_ms, t.predicted_n)},
    };
    // Like llama-server: only requests that were drafted for report the draft counts.
    if (t.draft_n > 0) {
        out["draft_n"] = t.draft_n;
        out["draft_n_accepted"] = t.draft_n_accepted;
    }
    return out;
}

namespace {
// Every field of the final result but completion_probabilities.
json completion_fields(const CompletionResult& r, const GenerationRequest& request, const ResponseContext& context,
                       bool stream_final, size_t index) {
    return {
        {"index", index},
        {"content", stream_final ? r.unsent_text : r.content},
        {"tokens", r.tokens},
        {"id_slot", r.id_slot},
        {"stop", true},
        {"model", context.model_name},
        {"prompt", context.prompt_text},
        {"generation_settings",
         generation_settings_json(request, context.model_name, context.n_ctx_slot, context.speculative_types)},
        {"stopped_eos", r.stop_reason == StopReason::eos},
        {"stopped_limit", r.stop_reason == StopReason::limit},
        {"stopped_word", r.stop_reason == StopReason::word},
        {"stopping_word", r.stopping_word},
        {"stop_type", r.stop_reason == StopReason::eos     ? "eos"
                      : r.stop_reason == StopReason::limit ? "limit"
                      : r.stop_reason == StopReason::word  ? "word"
                                                           : "none"},
        {"timings", timings_json(r.timings)},
        {"tokens_cached", r.tokens_cached},
        {"tokens_evaluated", r.n_prompt_tokens},
        {"tokens_predicted", r.timings.predicted_n},
        {"truncated", r.truncated},
        {"has_new_line", r.has_new_line},
    };
}

json token_bytes(const std::string& piece) {
    json bytes = json::array();
    for (const char c : piece) bytes.push_back(static_cast<unsigned char>(c));
    return bytes;
}

// A probability as a logprob; 0 (a candidate the chain ruled out) as the smallest float's log, so
// that the JSON stays a number.
double log_of(float prob) { return std::log(std::max(static_cast<double>(prob), static_cast<double>(FLT_MIN))); }

// One token in llama-server's shape: {"id", "token", "bytes", "logprob"} or, post-sampling, "prob".
json scored_token(Token token, float prob, const std::string& piece, bool post_sampling) {
    json out = {{"id", token}, {"token", piece}, {"bytes", token_bytes(piece)}};
    if (post_sampling) {
        out["prob"] = prob;
    } else {
        out["logprob"] = log_of(prob);
    }
    return out;
}
}  // namespace

json probabilities_json(const std::vector<TokenProbabilities>& probabilities, const TokenPieces& vocabulary,
                        bool post_sampling) {
    json out = json::array();
    for (const auto& p : probabilities) {
        json seed_top = json::array();
        json top = json::array();
        for (const auto& c : p.top) {
            const std::string piece = vocabulary.piece(c.token);
            seed_top.push_back({{"id", c.token}, {"tok_str", piece}, {"prob", c.prob}});
            top.push_back(scored_token(c.token, c.prob, piece, post_sampling));
        }
        const std::string piece = vocabulary.piece(p.token);
        json entry = scored_token(p.token, p.prob, piece, post_sampling);
        entry["prob"] = p.prob;  // the seed's, beside llama-server's logprob
        entry[post_sampling ? "top_probs" : "top_logprobs"] = std::move(top);
        entry["content"] = piece;
        entry["probs"] = std::move(seed_top);
        out.push_back(std::move(entry));
    }
    return out;
}

json completion_json(const CompletionResult& r, const GenerationRequest& request, const ResponseContext& context,
                     bool stream_final, size_t index) {
    json body = completion_fields(r, request, context, stream_final, index);
    body["generation_settings"]["timings_per_token"] = context.response.timings_per_token;
    body["generation_settings"]["post_sampling_probs"] = context.response.post_sampling_probs;
    // A stream already carried each token's probabilities in its own event.
    if (request.n_probs > 0 && !stream_final && context.vocabulary != nullptr) {
        body["completion_probabilities"] =
            probabilities_json(r.probabilities, *context.vocabulary, context.response.post_sampling_probs);
    }
    return body;
}

json stream_chunk_json(const TokenChunk& chunk, const ResponseContext& context, size_t index) {
    json event = {{"index", index},
                  {"content", chunk.text},
                  {"stop", false},
                  {"tokens", json::array({chunk.token})},
                  {"id_slot", chunk.id_slot},
                  {"tokens_predicted", chunk.timings.predicted_n},
                  {"tokens_evaluated", chunk.n_prompt_tokens}};
    if (context.response.timings_per_token) event["timings"] = timings_json(chunk.timings);
    if (!chunk.probabilities.empty() && context.vocabulary != nullptr) {
        event["completion_probabilities"] =
            probabilities_json(chunk.probabilities, *context.vocabulary, context.response.post_sampling_probs);
    }
    return event;
}

json prompt_progress_json(const TokenChunk& first_chunk, size_t index) {
    const Timings& t = first_chunk.timings;
    return {{"index", index},
            {"content", ""},
            {"tokens", json::array()},
            {"stop", false},
            {"id_slot", first_chunk.id_slot},
            {"tokens_predicted", 0},
            {"tokens_evaluated", first_chunk.n_prompt_tokens},
            {"prompt_progress",
             {{"total", first_chunk.n_prompt_tokens},
              {"cache", t.cache_n},
              {"processed", first_chunk.n_prompt_tokens},
              {"time_ms", static_cast<int64_t>(t.prompt_ms)}}}};
}

json select_fields(const json& body, const std::vector<std::string>& fields) {
    json out = json::object();
    for (const auto& field : fields) {
        const json* at = &body;
        size_t start = 0;
        while (at != nullptr && start <= field.size()) {
            const size_t slash = field.find('/', start);
            const std::string key = field.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
            at = at->is_object() && at->contains(key) ? &at->at(key) : nullptr;
            if (slash == std::string::npos) break;
            start = slash + 1;
        }
        if (at != nullptr) out[field] = *at;
    }
    return out;
}

std::string dump_json(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string sse_event(const json& payload) { return "data: " + dump_json(payload) + "\n\n"; }

}  // namespace cria
