// OpenAI's POST /v1/responses request. Its own fields are validated first, so errors name them
// (`input`, `instructions`, `tools`, `tool_choice`, `text.format`, `reasoning`,
// `max_output_tokens`, `metadata`, `store`, `previous_response_id`, ...); then the request is read
// as the one chat request every chat dialect shares (ChatRequest, api/openai_chat.h) through
// parse_chat_request itself, so the conversation, tools, sampling and JSON-schema rules are chat's:
//   instructions           -> a system message first (not carried over by previous_response_id)
//   input items            -> chat messages (api/responses_items.h), after the stored conversation
//   tools [{type: function, name, ...}] -> chat function tools; other tool types are not offered
//   tool_choice            -> chat's tool_choice
//   text.format            -> response_format (json_object, json_schema with its property order)
//   reasoning.effort       -> none / minimal: no thinking (enable_thinking false, reasoning budget 0)
//   parallel_tool_calls    -> ChatRequest::parallel_tool_calls
//   max_output_tokens      -> max_tokens; temperature, top_p and llama.cpp's own fields as chat has them
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/openai_chat.h"

namespace cria {

struct ResponsesRequest {
    ChatRequest chat;                  // what is generated, as chat reads it (n is 1)
    nlohmann::json input_items;        // this request's `input` as validated items
    nlohmann::json conversation;       // the stored conversation followed by input_items: what a stored
                                       // response keeps, so that a follow-up continues it
    std::string previous_response_id;  // "" = none
    bool store = false;                // keep the response (only when asked: see docs/api-responses.md)
    bool stream = false;
    nlohmann::json settings;           // the request's settings as the response object repeats them
                                       // (instructions, tools, tool_choice, text, reasoning, metadata, ...)
};

// `previous_response_id`: "" when absent or null; a 400 naming it when it is not a non-empty string.
std::string read_previous_response_id(const nlohmann::json& body);

// `body` is the request; `history` the conversation of the stored response previous_response_id
// names (items, [] when none). `raw_body` keeps text.format's schema in its written property order.
// Throws ApiError naming the field.
ResponsesRequest parse_responses_request(const nlohmann::json& body, const nlohmann::json& history,
                                         const CompletionDefaults& defaults, const std::string& raw_body = {});

// An error of chat's request or pipeline, its field named as a Responses client wrote it
// (messages -> input, response_format -> text.format, max_tokens -> max_output_tokens).
ApiError as_responses_error(ApiError chat_error);

}  // namespace cria
