// OpenAI's /v1/chat/completions: request validation and the chat.completion shapes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/completion_request.h"
#include "engine/task.h"
#include "api/token_pieces.h"

namespace cria {

struct ChatRequest {
    nlohmann::json messages;       // validated; every content is a string (text parts joined, kImageMarker for images)
    std::vector<ImageFile> images; // image_url parts' images, in the order their markers appear
    CompletionRequest options;     // the native options (prompt unused); json_schema from response_format
    int32_t n = 1;
    bool logprobs = false;
    int32_t top_logprobs = 0;
    bool include_usage = false;
    bool max_tokens_given = false; // without max_tokens, generation may use the rest of the context
    nlohmann::json tools = nlohmann::json::array();  // validated function tools ([] if none)
    std::string tool_choice = "auto";  // "none", "auto", "required", or the one function's name
    size_t max_grammar_bytes = kDefaultMaxGrammarBytes;  // the budget of a forced call's grammar
    // Every chat dialect maps its own fields onto these two (OpenAI's chat_template_kwargs and
    // reasoning_budget, Anthropic's thinking, Responses' reasoning, Ollama's think):
    nlohmann::json chat_template_kwargs = nlohmann::json::object();  // extra template variables (enable_thinking, ...)
    int32_t reasoning_budget = -1;  // tokens of reasoning allowed: -1 the server's --reasoning-budget, 0 none
    std::optional<std::string> reasoning_budget_message;  // unset: --reasoning-budget-message
    bool parallel_tool_calls = true;  // false: at most one call per answer
    std::string reasoning_format;  // the request's reasoning_format ("" = the server's --reasoning-format)
    bool force_tool_call() const { return !tools.empty() && tool_choice != "none" && tool_choice != "auto"; }
    bool offers_tools() const { return !tools.empty() && tool_choice != "none"; }
};

// Throws ApiError naming the field: `messages` (missing, empty, wrong role, content type),
// `response_format`, `tools`, `n`, `max_tokens`, `top_logprobs`, …
ChatRequest parse_chat_request(const nlohmann::json& body, const CompletionDefaults& defaults,
                               const std::string& raw_body = {});

// The ChatML template, used when the model's metadata has none.
const std::string& chatml_template();

// chat.completion `logprobs`: {"content": [{token, logprob, bytes, top_logprobs: [...]}, ...]}.
nlohmann::json chat_logprobs_json(const std::vector<TokenProbabilities>& probabilities, const TokenPieces& vocabulary);

}  // namespace cria
