// Anthropic's Messages API requests (POST /v1/messages, POST /v1/messages/count_tokens), read
// into the dialect-neutral ChatRequest (api/openai_chat.h) that every chat route prepares and
// submits the same way:
//   system (string or text blocks)          -> a first "system" message
//   messages with role "system" (Claude Code sends them between turns) -> "system" messages there
//   user text / image blocks                -> "user" message (images through the image_url path)
//   user tool_result blocks                 -> "tool" messages {tool_call_id, name, content}
//                                              (is_error: the content starts with "Error: ")
//   assistant text / thinking / tool_use    -> "assistant" {content, reasoning_content, tool_calls}
//   tools {name, description, input_schema} -> function tools {name, description, parameters}
//   tool_choice auto / any / tool / none    -> "auto" / "required" / the tool's name / "none";
//                                              disable_parallel_tool_use -> parallel_tool_calls false
//   thinking enabled {budget_tokens}        -> reasoning_budget, chat_template_kwargs.enable_thinking
//   thinking disabled                       -> reasoning_budget 0, enable_thinking false
//   max_tokens, stop_sequences, temperature, top_p, top_k, stream -> the native options
// Anthropic's own fields are checked here, so every error names Anthropic's field
// ("messages[2].content[0].source.data", "max_tokens", "tool_choice.name"). Fields that only
// matter to Anthropic's service (metadata, cache_control, service_tier, ...) are accepted and
// have no effect; anything that would change the answer and is not supported is refused.
#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

#include "api/openai_chat.h"
#include "api/request_defaults.h"

namespace cria {

// Sizes a Messages request may have besides the server's RequestLimits (images: --max-images,
// --max-image-size, --max-image-pixels; stop_sequences: --max-stop-strings, --max-stop-length;
// a forced tool call's grammar: --max-grammar-size; nesting: --max-json-depth). Above them: 400.
inline constexpr size_t kMaxMessagesCount = 100000;      // entries of `messages`
inline constexpr size_t kMaxMessagesBlocks = 100000;     // content blocks in the whole request (system included)
inline constexpr size_t kMaxMessagesTools = 1024;        // entries of `tools`
inline constexpr size_t kMaxToolNameLength = 128;        // Anthropic's own limit on a tool's name

enum class MessagesRoute {
    create,        // /v1/messages: max_tokens is required
    count_tokens,  // /v1/messages/count_tokens: only what makes the prompt (no sampling fields)
};

// Throws ApiError (400) naming the field. The request's `stream` is options.generation.stream;
// max_tokens is options.generation.stop.n_predict.
ChatRequest parse_anthropic_messages(const nlohmann::json& body, const CompletionDefaults& defaults,
                                     MessagesRoute route = MessagesRoute::create);

}  // namespace cria
