#include "api/tokenize_api.h"

#include "api/json_fields.h"
#include "engine/output_text.h"

namespace cria {

TokenizeRequest parse_tokenize_request(const json& body, const RequestLimits& limits) {
    TokenizeRequest r;
    if (!has_field(body, "content")) throw invalid_request("'content' is required", "content");
    r.content = read_string(body, "content", "");
    check_limit(r.content.size(), limits.max_tokenize_bytes, "content", "bytes", "--max-tokenize-size");
    r.add_special = read_bool(body, "add_special", false);
    r.parse_special = read_bool(body, "parse_special", true);
    r.with_pieces = read_bool(body, "with_pieces", false);
    return r;
}

json tokenize_response_json(const std::vector<Token>& tokens, bool with_pieces, const TokenPieces& vocabulary) {
    if (!with_pieces) return {{"tokens", tokens}};
    json items = json::array();
    for (const Token id : tokens) {
        const std::string piece = vocabulary.piece(id, /*render_special=*/true);
        if (is_valid_utf8(piece)) {
            items.push_back({{"id", id}, {"piece", piece}});
        } else {
            json bytes = json::array();
            for (const char c : piece) bytes.push_back(static_cast<unsigned char>(c));
            items.push_back({{"id", id}, {"piece", bytes}});
        }
    }
    return {{"tokens", items}};
}

std::vector<Token> parse_detokenize_request(const json& body, const TokenPieces& vocabulary, const RequestLimits& limits) {
    if (!has_field(body, "tokens")) throw invalid_request("'tokens' is required", "tokens");
    const json& list = body.at("tokens");
    if (!list.is_array()) throw invalid_request("'tokens' must be an array of token ids", "tokens");
    check_limit(list.size(), limits.max_detokenize_tokens, "tokens", "token ids", "--max-detokenize-tokens");
    std::vector<Token> tokens;
    for (const auto& item : list) {
        if (!item.is_number_integer() || item.get<int64_t>() < 0 || item.get<int64_t>() >= vocabulary.size()) {
            throw invalid_request("'tokens' must contain token ids in [0, " + std::to_string(vocabulary.size() - 1) + "]",
                                  "tokens");
        }
        tokens.push_back(static_cast<Token>(item.get<int64_t>()));
    }
    return tokens;
}

}  // namespace cria
