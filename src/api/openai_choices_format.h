// What the OpenAI dialects (/v1/completions, /v1/chat/completions) share as ResultFormatters:
// `n` choices per prompt, one task each; usage counted once per prompt; a stream of `data:`
// chunks (one opening chunk per choice, the usage chunk when asked for) ending with `[DONE]`.
// A dialect gives only its shapes of a choice, a chunk and the envelope.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/openai_completion.h"
#include "api/result_format.h"
#include "api/token_pieces.h"

namespace cria {

// One prompt of the request as the choices report it.
struct ChoicePrompt {
    std::string text;      // for echo
    int64_t n_tokens = 0;  // counted in usage.prompt_tokens, once per prompt
};

class OpenAiChoicesFormat : public ResultFormatter {
public:
    std::string stream_opening() override;
    std::string stream_token(size_t task, const TokenChunk& chunk) override;
    std::string stream_end(size_t task, const GenerationRequest& request, const CompletionResult& result) override;
    std::string stream_closing() override;
    void take_result(size_t task, const GenerationRequest& request, const CompletionResult& result) override;
    nlohmann::json whole_response() override;
    bool counts_prompt(size_t task) const override { return choices_.at(task).counts_prompt; }

protected:
    // Task i is choice i: `n` choices for each prompt, prompt by prompt. Every object carries
    // `envelope`'s id, time and model; `pieces` renders logprobs' tokens.
    OpenAiChoicesFormat(const std::vector<ChoicePrompt>& prompts, int32_t n, bool include_usage, OpenAiEnvelope envelope,
                        std::shared_ptr<const TokenPieces> pieces);

    struct Choice {
        int32_t index = 0;
        std::string prompt_text;
        int64_t prompt_tokens = 0;
        bool counts_prompt = false;  // the first choice of its prompt
    };

    // The dialect's shapes. Each returns one JSON payload; null sends nothing.
    virtual nlohmann::json start_chunk(const Choice& choice) = 0;  // before any token
    virtual nlohmann::json token_chunk(const Choice& choice, const TokenChunk& chunk) = 0;
    virtual nlohmann::json end_chunk(const Choice& choice, const CompletionResult& result) = 0;  // the finish chunk
    virtual nlohmann::json whole_choice(const Choice& choice, const CompletionResult& result) = 0;
    // The whole response, or (with empty choices) the stream's usage chunk.
    virtual nlohmann::json envelope(nlohmann::json choices, const nlohmann::json& usage) = 0;

    const OpenAiEnvelope envelope_;
    const std::shared_ptr<const TokenPieces> pieces_;

private:
    void count_usage(const Choice& choice, const CompletionResult& result);

    std::vector<Choice> choices_;
    std::vector<nlohmann::json> whole_choices_;  // by task
    bool include_usage_ = false;
    int64_t prompt_tokens_ = 0;
    int64_t completion_tokens_ = 0;
    int64_t cached_tokens_ = 0;  // prompt tokens reused from a cache (usage.prompt_tokens_details)
    Timings last_timings_;       // llama-server's "timings": the last finished choice's
};

}  // namespace cria
