// OpenAI's /v1/completions answers (`text_completion`) as a ResultFormatter.
#pragma once

#include "api/openai_choices_format.h"

namespace cria {

class OpenAiCompletionFormat final : public OpenAiChoicesFormat {
public:
    OpenAiCompletionFormat(const OpenAiCompletionRequest& request, OpenAiEnvelope envelope,
                           std::shared_ptr<const TokenPieces> pieces, const std::vector<ChoicePrompt>& prompts);

protected:
    nlohmann::json start_chunk(const Choice& choice) override;  // the prompt, with echo
    nlohmann::json token_chunk(const Choice& choice, const TokenChunk& chunk) override;
    nlohmann::json end_chunk(const Choice& choice, const CompletionResult& result) override;
    nlohmann::json whole_choice(const Choice& choice, const CompletionResult& result) override;
    nlohmann::json envelope(nlohmann::json choices, const nlohmann::json& usage) override;

private:
    nlohmann::json one_choice(nlohmann::json choice) const;  // a stream chunk

    bool echo_ = false;
    bool logprobs_ = false;
};

}  // namespace cria
