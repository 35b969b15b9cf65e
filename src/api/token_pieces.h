// TokenPieces: what response formatting needs of a tokenizer, the text of single tokens. The
// formatters take this instead of the engine's Vocabulary so that api/ never sees libllama; the
// front end's Tokenizer (frontend/tokenizer.h) is one.
#pragma once

#include <cstdint>
#include <string>

#include "engine/generation_request.h"

namespace cria {

class TokenPieces {
public:
    virtual ~TokenPieces() = default;

    // The bytes of one token (may be part of a UTF-8 character). Control tokens render as "" unless
    // render_special is set; image positions as "".
    virtual std::string piece(Token token, bool render_special = false) const = 0;

    // Number of tokens: valid ids are 0 .. size() - 1.
    virtual int32_t size() const = 0;
    bool contains(Token token) const { return token >= 0 && token < size(); }
};

}  // namespace cria
