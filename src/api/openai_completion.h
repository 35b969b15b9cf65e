// OpenAI's legacy /v1/completions: request translation and response shapes.
//
// The request becomes one /completion request per prompt and choice (`n`), so every sampling
// option of the native API works here too; the answers are reshaped into OpenAI's
// `text_completion` objects (whole, or `data:` chunks ending with `[DONE]`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/completion_request.h"
#include "engine/task.h"
#include "api/token_pieces.h"
#include "api/tool_calls.h"

namespace cria {

struct OpenAiCompletionRequest {
    std::vector<std::vector<PromptPart>> prompts;  // one entry per prompt of the request
    CompletionRequest options;                     // the native options (its own `prompt` unused)
    int32_t n = 1;                                 // choices per prompt
    bool echo = false;                             // prepend the prompt to each choice's text
    int32_t logprobs = -1;                         // -1: none; else the top alternatives per token
    bool include_usage = false;                    // stream_options.include_usage
};

// OpenAI's prompt / input forms: a string, a list of strings, a list of token ids, or a list of
// token lists; one entry per prompt. Errors name `field`.
std::vector<std::vector<PromptPart>> parse_openai_prompts(const nlohmann::json& body, const char* field);

OpenAiCompletionRequest parse_openai_completion_request(const nlohmann::json& body, const CompletionDefaults& defaults,
                                                        const std::string& raw_body = {});

// "stop" or "length" from the engine's reason.
const char* finish_reason(StopReason reason);

// The legacy `logprobs` object for a choice: tokens, token_logprobs, top_logprobs, text_offset.
nlohmann::json openai_logprobs_json(const std::vector<TokenProbabilities>& probabilities, const TokenPieces& vocabulary,
                                    size_t text_offset);

// What every response object shares.
struct OpenAiEnvelope {
    std::string id;           // "cmpl-…"
    int64_t created = 0;      // Unix seconds
    std::string model;
};

// {"id", "object": object, "created", "model", "system_fingerprint", "choices": [...]}, plus
// "usage" when given. `object` is "text_completion", "chat.completion" or "chat.completion.chunk".
nlohmann::json openai_object_json(const OpenAiEnvelope& envelope, const char* object, nlohmann::json choices,
                                  const nlohmann::json& usage = nullptr);

// {"prompt_tokens", "completion_tokens", "total_tokens"}.
// {"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details": {"cached_tokens"}}.
nlohmann::json openai_usage(int64_t prompt_tokens, int64_t completion_tokens, int64_t cached_tokens = 0);

// A fresh id with the given prefix ("cmpl-", "chatcmpl-").
std::string openai_id(const std::string& prefix);

// The id of a tool call cria generates, in the shape the family's template accepts back: 9
// letters and digits for Mistral (its templates reject any other), "call_" + 24 otherwise.
std::string tool_call_id(ToolFormat format);

}  // namespace cria
