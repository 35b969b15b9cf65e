// Vocabulary: tokenizer and detokenizer of the loaded model.
//
// Thread safety: libllama's vocabulary is immutable once the model is loaded, and its tokenize /
// detokenize functions take it by const pointer, so HTTP handler threads may call these directly.
// Tokenizing a long prompt on the handler's thread keeps that work off the engine's step loop.
// (The engine thread alone owns the mutable state: the context, the KV cache, batches, samplers.)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/generation_request.h"

struct llama_vocab;

namespace cria {

class Vocabulary {
public:
    explicit Vocabulary(const llama_vocab* vocab) : vocab_(vocab) {}

    // add_special: add BOS/EOS as the model's metadata says. parse_special: text such as
    // "<|im_start|>" becomes its control token instead of plain characters.
    std::vector<Token> tokenize(const std::string& text, bool add_special, bool parse_special) const;

    // The bytes of one token (may be part of a UTF-8 character). Control tokens render as "" unless
    // render_special is set; image positions (is_image_position) as "".
    std::string piece(Token token, bool render_special = false) const;

    // The text of a token sequence, as the model's detokenizer joins it; image positions are left out.
    std::string detokenize(const std::vector<Token>& tokens, bool render_special = false) const;

    // True if `gbnf` parses as a grammar (root rule "root") for this vocabulary.
    bool grammar_parses(const std::string& gbnf) const;

    int32_t size() const;                                 // number of tokens
    bool contains(Token token) const { return token >= 0 && token < size(); }
    bool is_end_of_generation(Token token) const;
    bool adds_bos() const;                               // tokenizer.ggml.add_bos_token
    Token bos() const;
    Token eos() const;

    // Fill-in-the-middle tokens; -1 where the model has none.
    Token fim_prefix() const;
    Token fim_suffix() const;
    Token fim_middle() const;
    Token fim_separator() const;  // between files of a repository-level context

private:
    const llama_vocab* vocab_;
};

}  // namespace cria
