#include "engine/vocabulary.h"

#include <llama.h>

#include <stdexcept>

namespace cria {

std::vector<Token> Vocabulary::tokenize(const std::string& text, bool add_special, bool parse_special) const {
    // A first guess that fits almost every text; libllama reports the size it needs otherwise.
    std::vector<Token> tokens(text.size() + 2);
    int32_t n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                               static_cast<int32_t>(tokens.size()), add_special, parse_special);
    if (n < 0) {
        tokens.resize(static_cast<size_t>(-n));
        n = llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                           static_cast<int32_t>(tokens.size()), add_special, parse_special);
        if (n < 0) throw std::runtime_error("tokenization failed");
    }
    tokens.resize(static_cast<size_t>(n));
    return tokens;
}

std::string Vocabulary::piece(Token token, bool render_special) const {
    if (is_image_position(token)) return {};
    char buffer[64];
    int32_t n = llama_token_to_piece(vocab_, token, buffer, sizeof(buffer), 0, render_special);
    if (n >= 0) return std::string(buffer, static_cast<size_t>(n));
    std::string out(static_cast<size_t>(-n), '\0');
    n = llama_token_to_piece(vocab_, token, out.data(), static_cast<int32_t>(out.size()), 0, render_special);
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return out;
}

std::string Vocabulary::detokenize(const std::vector<Token>& all_tokens, bool render_special) const {
    // Image positions are no tokens: they have no text.
    std::vector<Token> tokens;
    tokens.reserve(all_tokens.size());
    for (const Token t : all_tokens) {
        if (!is_image_position(t)) tokens.push_back(t);
    }
    if (tokens.empty()) return {};
    std::string out(tokens.size() * 8 + 16, '\0');
    int32_t n = llama_detokenize(vocab_, tokens.data(), static_cast<int32_t>(tokens.size()), out.data(),
                                 static_cast<int32_t>(out.size()), false, render_special);
    if (n < 0) {
        out.resize(static_cast<size_t>(-n));
        n = llama_detokenize(vocab_, tokens.data(), static_cast<int32_t>(tokens.size()), out.data(),
                             static_cast<int32_t>(out.size()), false, render_special);
    }
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return out;
}

bool Vocabulary::grammar_parses(const std::string& gbnf) const {
    llama_sampler* grammar = llama_sampler_init_grammar(vocab_, gbnf.c_str(), "root");
    if (grammar == nullptr) return false;
    llama_sampler_free(grammar);
    return true;
}

int32_t Vocabulary::size() const { return llama_vocab_n_tokens(vocab_); }
bool Vocabulary::is_end_of_generation(Token token) const { return llama_vocab_is_eog(vocab_, token); }
bool Vocabulary::adds_bos() const { return llama_vocab_get_add_bos(vocab_); }
Token Vocabulary::bos() const { return llama_vocab_bos(vocab_); }
Token Vocabulary::eos() const { return llama_vocab_eos(vocab_); }
Token Vocabulary::fim_prefix() const { return llama_vocab_fim_pre(vocab_); }
Token Vocabulary::fim_suffix() const { return llama_vocab_fim_suf(vocab_); }
Token Vocabulary::fim_middle() const { return llama_vocab_fim_mid(vocab_); }
Token Vocabulary::fim_separator() const { return llama_vocab_fim_sep(vocab_); }

}  // namespace cria
