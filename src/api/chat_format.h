// OpenAI's /v1/chat/completions answers (`chat.completion`, `chat.completion.chunk`) as a
// ResultFormatter. With tools offered, a streamed answer is held back to the end: only the whole
// of it says whether it is a tool call or text.
#pragma once

#include "api/openai_chat.h"
#include "api/openai_choices_format.h"

namespace cria {

class ChatFormat final : public OpenAiChoicesFormat {
public:
    ChatFormat(const ChatRequest& request, OpenAiEnvelope envelope, std::shared_ptr<const TokenPieces> pieces,
               const std::vector<ChoicePrompt>& prompts);

protected:
    nlohmann::json start_chunk(const Choice& choice) override;  // the assistant role
    nlohmann::json token_chunk(const Choice& choice, const TokenChunk& chunk) override;
    nlohmann::json end_chunk(const Choice& choice, const CompletionResult& result) override;
    nlohmann::json whole_choice(const Choice& choice, const CompletionResult& result) override;
    nlohmann::json envelope(nlohmann::json choices, const nlohmann::json& usage) override;

private:
    nlohmann::json chunk(const Choice& choice, nlohmann::json delta, const nlohmann::json& logprobs,
                         const nlohmann::json& finish) const;
    nlohmann::json tool_end_chunk(const Choice& choice, const CompletionResult& result) const;

    bool logprobs_ = false;
    bool tools_ = false;
};

}  // namespace cria
