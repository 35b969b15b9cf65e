#include "api/responses_format.h"

#include <ctime>

#include "api/completion_response.h"

namespace cria {

namespace {

using json = nlohmann::json;

}  // namespace

json response_object(const ResponsesEnvelope& envelope, const json& settings, const std::string& status, const json& output,
                     const json& usage) {
    json r = settings.is_object() ? settings : json::object();
    r["id"] = envelope.id;
    r["object"] = "response";
    r["created_at"] = envelope.created_at;
    r["model"] = envelope.model;
    r["status"] = status;
    r["error"] = nullptr;
    r["incomplete_details"] = status == "incomplete" ? json{{"reason", "max_output_tokens"}} : json(nullptr);
    r["output"] = output;
    r["usage"] = usage;
    if (status == "completed" || status == "incomplete") r["completed_at"] = static_cast<int64_t>(std::time(nullptr));
    return r;
}

json responses_usage(const CompletionResult& result) {
    return {{"input_tokens", result.n_prompt_tokens},
            {"input_tokens_details", {{"cached_tokens", result.timings.cache_n}}},
            {"output_tokens", result.timings.predicted_n},
            {"output_tokens_details", {{"reasoning_tokens", 0}}},
            {"total_tokens", result.n_prompt_tokens + result.timings.predicted_n}};
}

ResponsesFormat::ResponsesFormat(const ResponsesRequest& request, ResponsesEnvelope envelope, AnswerOptions answer,
                                 Finished on_finished)
    : envelope_(std::move(envelope)),
      settings_(request.settings),
      on_finished_(std::move(on_finished)),
      answer_(answer),
      output_(answer.format) {}

std::string ResponsesFormat::send(json event) {
    const std::string type = event["type"].get<std::string>();
    event["sequence_number"] = sequence_++;
    return "event: " + type + "\n" + sse_event(event);
}

std::string ResponsesFormat::send_all(const std::vector<json>& events) {
    std::string out;
    for (const auto& e : events) out += send(e);
    return out;
}

std::string ResponsesFormat::feed(std::string_view text) {
    std::string out;
    for (const auto& e : answer_.feed(text)) out += send_all(output_.apply(e));
    return out;
}

json ResponsesFormat::finish(const CompletionResult& result, std::string* events) {
    for (const auto& e : answer_.finish()) *events += send_all(output_.apply(e));
    const bool incomplete = result.stop_reason == StopReason::limit;
    *events += send_all(output_.finish(incomplete));
    json response = response_object(envelope_, settings_, incomplete ? "incomplete" : "completed", output_.items(),
                                    responses_usage(result));
    if (on_finished_) on_finished_(response);
    return response;
}

std::string ResponsesFormat::stream_opening() {
    const json response = response_object(envelope_, settings_, "in_progress", json::array(), nullptr);
    std::string out = send({{"type", "response.created"}, {"response", response}});  // numbered in this order
    return out + send({{"type", "response.in_progress"}, {"response", response}});
}

std::string ResponsesFormat::stream_token(size_t, const TokenChunk& chunk) { return feed(chunk.text); }

std::string ResponsesFormat::stream_end(size_t, const GenerationRequest&, const CompletionResult& result) {
    std::string out = feed(result.unsent_text);
    json response = finish(result, &out);
    const char* type = response["status"] == "incomplete" ? "response.incomplete" : "response.completed";
    return out + send({{"type", type}, {"response", std::move(response)}});
}

std::string ResponsesFormat::stream_failure(const ApiError& error) {
    json response = response_object(envelope_, settings_, "failed", output_.items(), nullptr);
    response["error"] = {{"code", error.status >= 500 ? "server_error" : "invalid_request_error"}, {"message", error.message}};
    return send({{"type", "response.failed"}, {"response", std::move(response)}});
}

void ResponsesFormat::take_result(size_t, const GenerationRequest&, const CompletionResult& result) {
    std::string ignored;  // a whole response sends no events; they build the same items
    for (const auto& e : answer_.feed(result.content)) output_.apply(e);
    final_ = finish(result, &ignored);
}

json ResponsesFormat::whole_response() { return final_; }

}  // namespace cria
