// The native /completion and /infill responses as a ResultFormatter: one task; whole, the
// llama.cpp server's JSON object; streamed, one event per token and the final object.
#pragma once

#include "api/completion_response.h"
#include "api/result_format.h"

namespace cria {

class CompletionFormat final : public ResultFormatter {
public:
    explicit CompletionFormat(ResponseContext context) : context_(std::move(context)) {}

    std::string stream_token(size_t task, const TokenChunk& chunk) override;
    std::string stream_end(size_t task, const GenerationRequest& request, const CompletionResult& result) override;
    void take_result(size_t task, const GenerationRequest& request, const CompletionResult& result) override;
    nlohmann::json whole_response() override { return body_; }

private:
    ResponseContext context_;
    nlohmann::json body_;
};

}  // namespace cria
