#include "api/completion_format.h"

namespace cria {

nlohmann::json CompletionFormat::shaped(nlohmann::json body) const {
    if (context_.response.response_fields.empty()) return body;
    return select_fields(body, context_.response.response_fields);
}

std::string CompletionFormat::stream_token(size_t task, const TokenChunk& chunk) {
    std::string out;
    if (context_.response.return_progress && !progress_sent_[task]) {
        progress_sent_[task] = true;
        out = sse_event(prompt_progress_json(chunk, task));
    }
    return out + sse_event(stream_chunk_json(chunk, context_, task));
}

std::string CompletionFormat::stream_end(size_t task, const GenerationRequest& request, const CompletionResult& result) {
    return sse_event(shaped(completion_json(result, request, context_, /*stream_final=*/true, task)));
}

void CompletionFormat::take_result(size_t task, const GenerationRequest& request, const CompletionResult& result) {
    bodies_[task] = shaped(completion_json(result, request, context_, /*stream_final=*/false, task));
}

nlohmann::json CompletionFormat::whole_response() {
    if (bodies_.size() == 1) return bodies_.front();
    return nlohmann::json(bodies_);
}

}  // namespace cria
