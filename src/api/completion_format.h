// The native /completion and /infill responses as a ResultFormatter: one task per completion
// (each prompt's n_cmpl, prompt by prompt); whole, the llama.cpp server's JSON object (an array of
// them for more than one task, in order of "index"); streamed, one event per token and the final
// object per task.
#pragma once

#include <vector>

#include "api/completion_response.h"
#include "api/result_format.h"

namespace cria {

class CompletionFormat final : public ResultFormatter {
public:
    // `other_prompts`: the texts of the request's second, third, ... prompt (context.prompt_text is
    // the first's); the tasks are split evenly among the prompts, in order.
    CompletionFormat(ResponseContext context, size_t n_tasks = 1, const std::vector<std::string>& other_prompts = {});

    std::string stream_token(size_t task, const TokenChunk& chunk) override;
    std::string stream_end(size_t task, const GenerationRequest& request, const CompletionResult& result) override;
    void take_result(size_t task, const GenerationRequest& request, const CompletionResult& result) override;
    nlohmann::json whole_response() override;

private:
    // response_fields, where the request named some.
    nlohmann::json shaped(nlohmann::json body) const;

    const ResponseContext& context_of(size_t task) const;

    std::vector<ResponseContext> contexts_;  // by prompt
    std::vector<nlohmann::json> bodies_;  // whole responses, by task
    std::vector<bool> progress_sent_;     // return_progress: the task's prompt event went out
};

}  // namespace cria
