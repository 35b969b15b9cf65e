// The items of OpenAI's Responses API (`input`, a stored conversation, a response's `output`) and
// how they read as the one chat conversation every chat dialect shares (api/openai_chat.h).
//
// Items understood:
//   {type: "message" (or no type), role: user | assistant | system | developer,
//    content: string | [{type: input_text | output_text | text, text}, {type: input_image, image_url: "data:..."}]}
//   {type: "function_call", call_id, name, arguments (JSON text)}
//   {type: "function_call_output", call_id, output: string | [{type: input_text | output_text, text}]}
//   {type: "reasoning", summary: [{type: summary_text, text}], content: [{type: reasoning_text, text}]}
// Anything else (item_reference, hosted tools' calls, files) is refused with a 400 naming `input`.
#pragma once

#include <nlohmann/json.hpp>

#include "api/request_limits.h"

namespace cria {

// `input` as a list of validated items: a string is one user message; an array must hold at most
// limits.max_input_items items, each message at most limits.max_content_parts parts. The items are
// kept as sent (a message item gets its "type"). Throws ApiError naming "input" with the item's
// path ("input[2].content[0].text").
nlohmann::json read_input_items(const nlohmann::json& input, const RequestLimits& limits);

// The conversation `items` (validated by read_input_items, or output items of ours) as chat
// messages: function_call items become the assistant message's tool_calls (consecutive calls, and
// a call right after an assistant message, join that message), function_call_output items become
// tool messages, reasoning items the next assistant message's reasoning_content. Text parts are
// joined; image parts become chat image_url parts, so chat's own image handling reads them.
nlohmann::json items_to_chat_messages(const nlohmann::json& items);

}  // namespace cria
