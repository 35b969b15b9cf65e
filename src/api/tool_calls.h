// Tool calling for chat completions: the grammar that forces a call when the request requires
// one, and parsing the model's answer back into content, reasoning_content and tool_calls.
//
// Formats recognized in answers: Hermes / Qwen (<tool_call>{json}</tool_call>, any number),
// Mistral ([TOOL_CALLS] followed by a JSON list), Llama 3.x (the answer is one JSON object with
// "name" and "parameters", optionally after <|python_tag|>). Reasoning in <think>...</think> is
// split out as reasoning_content.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/request_limits.h"

namespace cria {

enum class ToolFormat { hermes, mistral, llama3 };

// Guesses the format a chat template writes tool calls in (Hermes when it cannot tell).
ToolFormat tool_format_for_template(const std::string& chat_template);

struct ToolCall {
    std::string name;
    std::string arguments;  // JSON text
};

struct AssistantAnswer {
    std::string content;
    std::string reasoning_content;
    std::vector<ToolCall> tool_calls;
};

// Splits a generated answer. Tool calls are looked for only when the request offered tools.
AssistantAnswer parse_assistant_answer(const std::string& text, bool tools_offered);

// A GBNF grammar that makes the model answer with exactly one call to one of `tools` (or to
// `only`, when non-empty), in `format`, with arguments valid against the tool's parameters
// schema. Throws ApiError (param "tools") for a tool whose schema cannot be converted, or whose
// grammar would exceed `max_bytes` (--max-grammar-size).
std::string tool_call_grammar(const nlohmann::json& tools, const std::string& only, ToolFormat format,
                              size_t max_bytes = kDefaultMaxGrammarBytes);

// Checks `tools` (OpenAI's [{type: "function", function: {name, description, parameters}}]).
// Throws ApiError naming "tools".
void validate_tools(const nlohmann::json& tools);

}  // namespace cria
