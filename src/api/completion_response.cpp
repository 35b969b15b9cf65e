#include "api/completion_response.h"

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
                       bool stream_final) {
    return {
        {"content", stream_final ? r.unsent_text : r.content},
        {"tokens", r.tokens},
        {"id_slot", r.id_slot},
        {"stop", true},
        {"model", context.model_name},
        {"prompt", context.prompt_text},
        {"generation_settings", generation_settings_json(request, context.model_name, context.n_ctx_slot)},
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
    };
}
}  // namespace

json probabilities_json(const std::vector<TokenProbabilities>& probabilities, const TokenPieces& vocabulary) {
    json out = json::array();
    for (const auto& p : probabilities) {
        json top = json::array();
        for (const auto& c : p.top) top.push_back({{"id", c.token}, {"tok_str", vocabulary.piece(c.token)}, {"prob", c.prob}});
        out.push_back({{"id", p.token}, {"content", vocabulary.piece(p.token)}, {"prob", p.prob}, {"probs", top}});
    }
    return out;
}

json completion_json(const CompletionResult& r, const GenerationRequest& request, const ResponseContext& context,
                     bool stream_final) {
    json body = completion_fields(r, request, context, stream_final);
    // A stream already carried each token's probabilities in its own event.
    if (request.n_probs > 0 && !stream_final && context.vocabulary != nullptr) {
        body["completion_probabilities"] = probabilities_json(r.probabilities, *context.vocabulary);
    }
    return body;
}


json stream_chunk_json(const TokenChunk& chunk, const ResponseContext& context) {
    json event = {{"content", chunk.text}, {"stop", false}, {"tokens", json::array({chunk.token})}};
    if (!chunk.probabilities.empty() && context.vocabulary != nullptr) {
        event["completion_probabilities"] = probabilities_json(chunk.probabilities, *context.vocabulary);
    }
    return event;
}

std::string dump_json(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string sse_event(const json& payload) { return "data: " + dump_json(payload) + "\n\n"; }

}  // namespace cria
