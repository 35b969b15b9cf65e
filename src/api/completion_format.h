// The native /completion and /infill responses as a ResultFormatter: one task per completion
// (n_cmpl); whole, the llama.cpp server's JSON object (an array of them for n_cmpl > 1, in
// completion order by "index"); streamed, one event per token and the final object per task.
#pragma once

#include <vector>

#include "api/completion_response.h"
#include "api/result_format.h"

namespace cria {

class CompletionFormat final : public ResultFormatter {
public:
    CompletionFormat(ResponseContext context, size_t n_tasks = 1)
        : context_(std::move(context)), bodies_(n_tasks), progress_sent_(n_tasks, false) {}

    std::string stream_token(size_t task, const TokenChunk& chunk) override;
    std::string stream_end(size_t task, const GenerationRequest& request, const CompletionResult& result) override;
    void take_result(size_t task, const GenerationRequest& request, const CompletionResult& result) override;
    nlohmann::json whole_response() override;

private:
    // response_fields, where the request named some.
    nlohmann::json shaped(nlohmann::json body) const;

    ResponseContext context_;
    std::vector<nlohmann::json> bodies_;  // whole responses, by task
    std::vector<bool> progress_sent_;     // return_progress: the task's prompt event went out
};

}  // namespace cria
