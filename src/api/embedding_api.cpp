#include "api/embedding_api.h"

#include <cstring>

#include "api/json_fields.h"
#include "api/openai_completion.h"

namespace cria {

EmbeddingRequest parse_native_embedding_request(const json& body, const RequestLimits& limits) {
    EmbeddingRequest r;
    // The seed names it `content`; `input` (OpenAI's name) is accepted too.
    r.field = !has_field(body, "content") && has_field(body, "input") ? "input" : "content";
    r.inputs.push_back(parse_prompt(body, r.field));
    r.images = parse_image_data(body, limits);
    if (!r.images.empty() && (r.inputs[0].size() != 1 || !std::holds_alternative<std::string>(r.inputs[0][0]))) {
        throw invalid_request(std::string("with 'image_data', '") + r.field +
                                  "' must be a string that places the images with [img-N]",
                              r.field);
    }
    return r;
}

EmbeddingRequest parse_openai_embedding_request(const json& body, const RequestLimits& limits) {
    EmbeddingRequest r;
    // Counted on the JSON, before any input is copied: a list of token ids is one input.
    if (has_field(body, "input") && body.at("input").is_array() && !body.at("input").empty() &&
        !body.at("input")[0].is_number_integer()) {
        check_limit(body.at("input").size(), limits.max_embedding_inputs, "input", "inputs", "--max-embedding-inputs");
    }
    r.inputs = parse_openai_prompts(body, "input");
    if (!parse_image_data(body).empty()) {
        throw invalid_request("'image_data' is taken by /embedding only (with [img-N] references in 'content')", "image_data");
    }
    const std::string format = read_string(body, "encoding_format", "float");
    if (format != "float" && format != "base64") {
        throw invalid_request("'encoding_format' must be \"float\" or \"base64\"", "encoding_format");
    }
    r.base64 = format == "base64";
    return r;
}

std::string base64_floats(const std::vector<float>& values) {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string bytes(values.size() * sizeof(float), '\0');
    std::memcpy(bytes.data(), values.data(), bytes.size());  // x86 and ARM builds are little-endian
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t i = 0; i < bytes.size(); i += 3) {
        const uint32_t b0 = static_cast<unsigned char>(bytes[i]);
        const uint32_t b1 = i + 1 < bytes.size() ? static_cast<unsigned char>(bytes[i + 1]) : 0;
        const uint32_t b2 = i + 2 < bytes.size() ? static_cast<unsigned char>(bytes[i + 2]) : 0;
        const uint32_t n = (b0 << 16) | (b1 << 8) | b2;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += i + 1 < bytes.size() ? alphabet[(n >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? alphabet[n & 63] : '=';
    }
    return out;
}

}  // namespace cria
