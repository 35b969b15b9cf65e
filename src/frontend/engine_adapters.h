// The engine's Vocabulary and MediaProjector as the front end's Tokenizer and ImageTokenizer.
// An adapter only forwards: it holds a reference, costs nothing to make per request, and must not
// outlive what it adapts (the Engine, which lives as long as the server).
#pragma once

#include "engine/multimodal.h"
#include "frontend/builtin_chat.h"
#include "engine/vocabulary.h"
#include "frontend/tokenizer.h"

namespace cria {

class VocabularyTokenizer final : public Tokenizer {
public:
    explicit VocabularyTokenizer(const Vocabulary& vocabulary) : vocabulary_(vocabulary) {}

    std::string piece(Token token, bool render_special = false) const override;
    int32_t size() const override;
    std::vector<Token> tokenize(const std::string& text, bool add_special, bool parse_special) const override;
    std::string detokenize(const std::vector<Token>& tokens, bool render_special = false) const override;
    bool grammar_parses(const std::string& gbnf) const override;
    bool adds_bos() const override;
    Token bos() const override;
    Token eos() const override;
    Token fim_prefix() const override;
    Token fim_suffix() const override;
    Token fim_middle() const override;
    Token fim_separator() const override;

private:
    const Vocabulary& vocabulary_;
};

// libllama's built-in chat formats (--no-jinja); stateless.
class LibllamaChatFormats final : public BuiltinChatFormats {
public:
    std::optional<std::string> apply(const std::string& template_or_name, const std::vector<ChatTurn>& turns,
                                     bool add_assistant) const override {
        return apply_builtin_chat_format(template_or_name, turns, add_assistant);
    }
};

// Only made for a projector that supports vision (--mmproj with an image encoder).
class ProjectorImageTokenizer final : public ImageTokenizer {
public:
    explicit ProjectorImageTokenizer(const MediaProjector& projector) : projector_(projector) {}

    MediaPrompt tokenize(const std::vector<MediaPromptPart>& parts, const std::vector<MediaFile>& files,
                         bool add_special) const override;

private:
    const MediaProjector& projector_;
};

}  // namespace cria
