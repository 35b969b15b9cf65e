// The /embedding and /v1/embeddings answers as ResultFormatters: one task per input, never
// streamed (embedding requests have no stream option).
#pragma once

#include <string>
#include <vector>

#include "api/result_format.h"

namespace cria {

// What both embedding dialects share: the results, kept by input.
class EmbeddingFormat : public ResultFormatter {
public:
    std::string stream_token(size_t, const TokenChunk&) override { return {}; }
    std::string stream_end(size_t, const GenerationRequest&, const CompletionResult&) override { return {}; }
    void take_result(size_t, const GenerationRequest&, const CompletionResult&) override {}
    void take_embedding(size_t task, EmbeddingResult result) override;

protected:
    // One vector for a pooled input, or the per-token vectors when pooling is none.
    static nlohmann::json vectors_json(const EmbeddingResult& result);

    std::vector<EmbeddingResult> results_;  // by task
};

// /embedding: {"embedding": vectors} of its one input.
class NativeEmbeddingFormat final : public EmbeddingFormat {
public:
    nlohmann::json whole_response() override;
};

// /v1/embeddings: {"object": "list", "data": [...], "model", "usage"}.
class OpenAiEmbeddingFormat final : public EmbeddingFormat {
public:
    OpenAiEmbeddingFormat(std::string model_name, bool base64) : model_name_(std::move(model_name)), base64_(base64) {}
    nlohmann::json whole_response() override;

private:
    std::string model_name_;
    bool base64_ = false;  // encoding_format "base64"
};

}  // namespace cria
