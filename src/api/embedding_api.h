// /embedding and /v1/embeddings: inputs and response shapes.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/completion_request.h"

namespace cria {

struct EmbeddingRequest {
    std::vector<std::vector<PromptPart>> inputs;  // one vector is computed per input
    bool base64 = false;                          // encoding_format "base64" (OpenAI route only)
    const char* field = "input";                  // the field the inputs came from, for errors
    std::vector<ImageFile> images;                // /embedding's image_data, placed by [img-N] in the one input
};

// /embedding: `content` (or `input`) as a string, token ids or a mixed array: one input; with
// `image_data`, a string with [img-N] references (within limits.max_images / max_image_bytes).
EmbeddingRequest parse_native_embedding_request(const nlohmann::json& body, const RequestLimits& limits = RequestLimits{});

// /v1/embeddings: `input` as a string, strings, token ids or token lists; `encoding_format`. A
// non-empty `image_data` is refused (it is /embedding's).
EmbeddingRequest parse_openai_embedding_request(const nlohmann::json& body, const RequestLimits& limits = RequestLimits{});

// Little-endian float32 bytes, base64-encoded (OpenAI's encoding_format "base64").
std::string base64_floats(const std::vector<float>& values);

}  // namespace cria
