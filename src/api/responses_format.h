// OpenAI's /v1/responses answers as a ResultFormatter: the `response` object (whole), or its
// server-sent events (streamed): `event: <type>` and `data: {"type": ..., "sequence_number": n, ...}`,
//   response.created, response.in_progress,
//   the output items' events (api/responses_output.h),
//   response.completed | response.incomplete (max_output_tokens) | response.failed (an error).
// The model's text is read only by AnswerStream, built from the options the route gives.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/answer_stream.h"
#include "api/responses_output.h"
#include "api/responses_request.h"
#include "api/result_format.h"

namespace cria {

struct ResponsesEnvelope {
    std::string id;          // "resp_…"
    int64_t created_at = 0;  // Unix seconds
    std::string model;
};

// The response object: `settings` (ResponsesRequest::settings) beside the id, status, output and
// usage. `usage` may be null (a response still in progress); `output_text` is left to the SDKs,
// which compute it from the output.
nlohmann::json response_object(const ResponsesEnvelope& envelope, const nlohmann::json& settings, const std::string& status,
                               const nlohmann::json& output, const nlohmann::json& usage);

// usage {input_tokens, input_tokens_details.cached_tokens, output_tokens, output_tokens_details
// .reasoning_tokens (not counted apart: 0), total_tokens}.
nlohmann::json responses_usage(const CompletionResult& result);

class ResponsesFormat final : public ResultFormatter {
public:
    // Runs once a response is finished, completed or incomplete (not failed), whole or streamed,
    // with the response object: the route keeps it there when the request asked to store it.
    using Finished = std::function<void(const nlohmann::json& response)>;

    ResponsesFormat(const ResponsesRequest& request, ResponsesEnvelope envelope, AnswerOptions answer,
                    Finished on_finished = {});

    std::string stream_opening() override;
    std::string stream_token(size_t task, const TokenChunk& chunk) override;
    std::string stream_end(size_t task, const GenerationRequest& request, const CompletionResult& result) override;
    std::string stream_failure(const ApiError& error) override;
    void take_result(size_t task, const GenerationRequest& request, const CompletionResult& result) override;
    nlohmann::json whole_response() override;

private:
    std::string send(nlohmann::json event);                   // one SSE event, numbered
    std::string send_all(const std::vector<nlohmann::json>& events);
    std::string feed(std::string_view text);                   // the answer's next text, as events
    nlohmann::json finish(const CompletionResult& result, std::string* events);  // the final response object

    const ResponsesEnvelope envelope_;
    const nlohmann::json settings_;
    const Finished on_finished_;
    AnswerStream answer_;
    ResponsesOutput output_;
    int64_t sequence_ = 0;
    nlohmann::json final_;  // whole: the response object
};

}  // namespace cria
