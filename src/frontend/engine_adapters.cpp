#include "frontend/engine_adapters.h"

namespace cria {

std::string VocabularyTokenizer::piece(Token token, bool render_special) const {
    return vocabulary_.piece(token, render_special);
}
int32_t VocabularyTokenizer::size() const { return vocabulary_.size(); }
std::vector<Token> VocabularyTokenizer::tokenize(const std::string& text, bool add_special, bool parse_special) const {
    return vocabulary_.tokenize(text, add_special, parse_special);
}
std::string VocabularyTokenizer::detokenize(const std::vector<Token>& tokens, bool render_special) const {
    return vocabulary_.detokenize(tokens, render_special);
}
bool VocabularyTokenizer::grammar_parses(const std::string& gbnf) const { return vocabulary_.grammar_parses(gbnf); }
bool VocabularyTokenizer::adds_bos() const { return vocabulary_.adds_bos(); }
Token VocabularyTokenizer::bos() const { return vocabulary_.bos(); }
Token VocabularyTokenizer::eos() const { return vocabulary_.eos(); }
Token VocabularyTokenizer::fim_prefix() const { return vocabulary_.fim_prefix(); }
Token VocabularyTokenizer::fim_suffix() const { return vocabulary_.fim_suffix(); }
Token VocabularyTokenizer::fim_middle() const { return vocabulary_.fim_middle(); }
Token VocabularyTokenizer::fim_separator() const { return vocabulary_.fim_separator(); }

MediaPrompt ProjectorImageTokenizer::tokenize(const std::vector<MediaPromptPart>& parts,
                                              const std::vector<MediaFile>& files, bool add_special) const {
    return projector_.tokenize(parts, files, add_special);
}

}  // namespace cria
