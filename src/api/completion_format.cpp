#include "api/completion_format.h"

#include <algorithm>

namespace cria {

CompletionFormat::CompletionFormat(ResponseContext context, size_t n_tasks, const std::vector<std::string>& other_prompts)
    : bodies_(n_tasks), progress_sent_(n_tasks, false) {
    contexts_.push_back(std::move(context));
    for (const auto& text : other_prompts) {
        contexts_.push_back(contexts_.front());
        contexts_.back().prompt_text = text;
    }
}

const ResponseContext& CompletionFormat::context_of(size_t task) const {
    const size_t per_prompt = std::max<size_t>(1, bodies_.size() / contexts_.size());
    return contexts_[std::min(task / per_prompt, contexts_.size() - 1)];
}

nlohmann::json CompletionFormat::shaped(nlohmann::json body) const {
    const CompletionResponseOptions& response = contexts_.front().response;
    if (response.response_fields.empty()) return body;
    return select_fields(body, response.response_fields);
}

std::string CompletionFormat::stream_token(size_t task, const TokenChunk& chunk) {
    std::string out;
    if (contexts_.front().response.return_progress && !progress_sent_[task]) {
        progress_sent_[task] = true;
        out = sse_event(prompt_progress_json(chunk, task));
    }
    return out + sse_event(stream_chunk_json(chunk, context_of(task), task));
}

std::string CompletionFormat::stream_end(size_t task, const GenerationRequest& request, const CompletionResult& result) {
    return sse_event(shaped(completion_json(result, request, context_of(task), /*stream_final=*/true, task)));
}

void CompletionFormat::take_result(size_t task, const GenerationRequest& request, const CompletionResult& result) {
    bodies_[task] = shaped(completion_json(result, request, context_of(task), /*stream_final=*/false, task));
}

nlohmann::json CompletionFormat::whole_response() {
    if (bodies_.size() == 1) return bodies_.front();
    return nlohmann::json(bodies_);
}

}  // namespace cria
