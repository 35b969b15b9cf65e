// Tool calling for chat completions: the template families' call syntaxes, the grammar that
// forces a call when the request requires one, and the checks of a request's tools. Reading a
// model's answer back into content, reasoning and calls is AnswerStream's (api/answer_stream.h).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/request_limits.h"

namespace cria {

// The call syntax of a template family (docs/tool-calls.md has a table with examples).
enum class ToolFormat {
    hermes,            // Hermes 2 Pro, Qwen 2.5, Qwen 3: <tool_call>{"name", "arguments"}</tool_call>
    mistral,           // Mistral Nemo / Small: [TOOL_CALLS][{...}] (or [TOOL_CALLS]name[ARGS]{...})
    llama3,            // Llama 3.x: the answer is {"name", "parameters"}; <|python_tag|>tool.call(...)
    qwen3_coder,       // <tool_call><function=name><parameter=k>v</parameter></function></tool_call>
    deepseek_r1,       // <｜tool▁call▁begin｜>function<｜tool▁sep｜>name\n```json {...} ```<｜tool▁call▁end｜>
    deepseek_v3_1,     // <｜tool▁call▁begin｜>name<｜tool▁sep｜>{...}<｜tool▁call▁end｜>
    functionary_v3_1,  // <function=name>{...}</function>
    functionary_v3_2,  // >>>name\n{...}  (>>>all\n for text)
    command_r7b,       // <|START_ACTION|>[{"tool_call_id", "tool_name", "parameters"}]<|END_ACTION|>
    granite,           // <|tool_call|>[{"name", "arguments"}]
    glm_4_5,           // <tool_call>name<arg_key>k</arg_key><arg_value>v</arg_value></tool_call>
    kimi_k2,           // <|tool_call_begin|>functions.name:0<|tool_call_argument_begin|>{...}<|tool_call_end|>
    gpt_oss,           // Harmony: <|channel|>commentary to=functions.name<|message|>{...}<|call|>
    generic,           // a template with no known syntax: Hermes' tags
};

// The family's name as /props and logs show it ("hermes", "qwen3-coder", ...).
const char* tool_format_name(ToolFormat format);

// The family a chat template belongs to, from the markup it writes (generic when none is known).
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

// Splits a generated answer (Hermes syntax, <think> reasoning). Tool calls are looked for only
// when the request offered tools. The family-aware form is in api/answer_stream.h.
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
