// POST /rerank (and /reranking, /v1/rerank, /v1/reranking): a query and documents in, each
// document's relevance score out, as llama-server answers them. Each document is one engine task
// run by a reranking model (--rerank: rank pooling); the score is the model's first output.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/request_limits.h"
#include "api/result_format.h"

namespace cria {

struct RerankRequest {
    std::string query;
    std::vector<std::string> documents;  // strings, or the `text` of {"text": ...} objects
    size_t top_n = 0;                    // results kept, best first (default: all)
    bool return_text = false;            // each result repeats its document
    // Given as `texts` instead of `documents`: Hugging Face TEI's call, answered in its shape
    // (a plain list of {index, score[, text]}), as llama-server does.
    bool tei = false;
    std::string model;                   // the request's `model`, echoed ("" = the server's)
};

// 400 naming the field: `query` missing or not a string, `documents` missing, empty or with an
// entry that is neither a string nor {"text": string}, more documents than
// limits.max_embedding_inputs (each is one engine task), `top_n` not an integer >= 0.
RerankRequest parse_rerank_request(const nlohmann::json& body, const RequestLimits& limits = RequestLimits{});

// The answer: {"model", "object": "list", "usage": {prompt_tokens, total_tokens}, "results":
// [{"index", "relevance_score", "document": {"text"}?}]}, sorted by relevance_score, best first.
class RerankResultFormat final : public ResultFormatter {
public:
    RerankResultFormat(RerankRequest request, std::string model_name)
        : request_(std::move(request)), model_name_(std::move(model_name)) {}

    std::string stream_token(size_t, const TokenChunk&) override { return {}; }
    std::string stream_end(size_t, const GenerationRequest&, const CompletionResult&) override { return {}; }
    void take_result(size_t, const GenerationRequest&, const CompletionResult&) override {}
    void take_embedding(size_t task, EmbeddingResult result) override;
    nlohmann::json whole_response() override;

private:
    const RerankRequest request_;
    const std::string model_name_;
    std::vector<EmbeddingResult> results_;  // by document
};

}  // namespace cria
