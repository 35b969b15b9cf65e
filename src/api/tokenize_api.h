// /tokenize and /detokenize: request parsing and response formatting.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/request_limits.h"
#include "engine/generation_request.h"
#include "api/token_pieces.h"

namespace cria {

struct TokenizeRequest {
    std::string content;
    bool add_special = false;   // add BOS/EOS as the model's metadata says
    bool parse_special = true;  // "<|im_start|>" in the text becomes its control token
    bool with_pieces = false;   // return [{"id": n, "piece": "..."}] instead of bare ids
};

// `content` over limits.max_tokenize_bytes: 400 naming content.
TokenizeRequest parse_tokenize_request(const nlohmann::json& body, const RequestLimits& limits = RequestLimits{});

// {"tokens": [...]}. A piece that is not valid UTF-8 on its own (part of a character) is given as
// an array of its byte values.
nlohmann::json tokenize_response_json(const std::vector<Token>& tokens, bool with_pieces, const TokenPieces& vocabulary);

// `tokens` must be an array of ids inside the vocabulary, at most limits.max_detokenize_tokens long
// (counted first).
std::vector<Token> parse_detokenize_request(const nlohmann::json& body, const TokenPieces& vocabulary,
                                            const RequestLimits& limits = RequestLimits{});

}  // namespace cria
