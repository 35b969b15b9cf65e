#include "api/result_format.h"

#include "api/completion_response.h"

namespace cria {

std::string ResultFormatter::stream_failure(const ApiError& error) { return sse_event(error.to_json()); }

void ResultFormatter::take_embedding(size_t, EmbeddingResult) {}

bool ResultFormatter::counts_prompt(size_t) const { return true; }

}  // namespace cria
