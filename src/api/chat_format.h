// OpenAI's /v1/chat/completions answers (`chat.completion`, `chat.completion.chunk`) as a
// ResultFormatter. Each choice's text goes through its own AnswerStream, so a stream carries
// `content`, `reasoning_content` and `tool_calls` deltas as they come (a call's first delta has
// its index, id, type and function.name; function.arguments fragments follow), as OpenAI's do.
#pragma once

#include "api/answer_stream.h"
#include "api/openai_chat.h"
#include "api/openai_choices_format.h"

namespace cria {

class ChatFormat final : public OpenAiChoicesFormat {
public:
    // `answer`: how to read the model's answers (PreparedRequest::answer).
    ChatFormat(const ChatRequest& request, OpenAiEnvelope envelope, std::shared_ptr<const TokenPieces> pieces,
               const std::vector<ChoicePrompt>& prompts, const AnswerOptions& answer);

protected:
    nlohmann::json start_chunk(const Choice& choice) override;  // the assistant role
    nlohmann::json token_chunk(const Choice& choice, const TokenChunk& chunk) override;
    nlohmann::json end_chunk(const Choice& choice, const CompletionResult& result) override;
    nlohmann::json whole_choice(const Choice& choice, const CompletionResult& result) override;
    nlohmann::json envelope(nlohmann::json choices, const nlohmann::json& usage) override;

private:
    nlohmann::json chunk(const Choice& choice, nlohmann::json delta, const nlohmann::json& logprobs,
                         const nlohmann::json& finish) const;
    AnswerOptions answer_;
    std::vector<AnswerStream> streams_;  // by choice index
    bool logprobs_ = false;
};

}  // namespace cria
