// The front end's view of the model: a Tokenizer for text and an ImageTokenizer for prompts with
// images. Requests become engine requests through these interfaces only, so the whole front end
// runs in unit tests against fakes, without a model (tests/unit/frontend_test.cpp); the engine's
// Vocabulary and MediaProjector are adapted in frontend/engine_adapters.h.
//
// Thread safety: implementations are called from HTTP handler threads, several at once; every
// member is const and must be safe to call concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/token_pieces.h"
#include "engine/media_prompt.h"

namespace cria {

class Tokenizer : public TokenPieces {
public:
    // add_special: add BOS/EOS as the model's metadata says. parse_special: text such as
    // "<|im_start|>" becomes its control token instead of plain characters.
    virtual std::vector<Token> tokenize(const std::string& text, bool add_special, bool parse_special) const = 0;

    // The text of a token sequence as the model's detokenizer joins it; image positions left out.
    virtual std::string detokenize(const std::vector<Token>& tokens, bool render_special = false) const = 0;

    // True if `gbnf` parses as a grammar (root rule "root") for this vocabulary.
    virtual bool grammar_parses(const std::string& gbnf) const = 0;

    virtual bool adds_bos() const = 0;  // tokenizer.ggml.add_bos_token
    virtual Token bos() const = 0;
    virtual Token eos() const = 0;

    // Fill-in-the-middle tokens; -1 where the model has none.
    virtual Token fim_prefix() const = 0;
    virtual Token fim_suffix() const = 0;
    virtual Token fim_middle() const = 0;
    virtual Token fim_separator() const = 0;
};

class ImageTokenizer {
public:
    virtual ~ImageTokenizer() = default;

    // `files` are the images' and videos' bytes, referred to by index from `parts`; text parts are
    // tokenized with special tokens parsed, and add_special puts the model's BOS first. A failure
    // is reported in the result (MediaPrompt::error, bad_image), never thrown.
    virtual MediaPrompt tokenize(const std::vector<MediaPromptPart>& parts, const std::vector<MediaFile>& files,
                                 bool add_special) const = 0;
};

}  // namespace cria
