#include "api/completion_format.h"

namespace cria {

std::string CompletionFormat::stream_token(size_t, const TokenChunk& chunk) {
    return sse_event(stream_chunk_json(chunk, context_));
}

std::string CompletionFormat::stream_end(size_t, const GenerationRequest& request, const CompletionResult& result) {
    return sse_event(completion_json(result, request, context_, /*stream_final=*/true));
}

void CompletionFormat::take_result(size_t, const GenerationRequest& request, const CompletionResult& result) {
    body_ = completion_json(result, request, context_);
}

}  // namespace cria
