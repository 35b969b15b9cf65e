// Chat conversations as prompts: the chat template in effect, the conversation rendered through
// it, and the rendered text tokenized (with the images of image_url parts).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/answer_stream.h"
#include "api/chat_settings.h"
#include "api/openai_chat.h"
#include "frontend/prompt_tokens.h"

namespace cria {

// The chat template in effect: `chosen` (--chat-template: a built-in name or a template's text;
// --chat-template-file: the text), else the model's own, else ChatML.
const std::string& chat_template_source(const std::string& chosen, const std::string& model_template);

// The conversation as `template_source` writes it, with the tools offered (if any: `tools` is an
// array) and the extra template `variables` (an object: chat_template_kwargs and the like), ending
// with the assistant's turn opening unless !add_generation_prompt. A template that refuses the
// messages (raise_exception) is a 400 naming `messages`.
std::string render_conversation(const std::string& template_source, const Tokenizer& tokenizer,
                                const nlohmann::json& messages, const nlohmann::json& tools,
                                const nlohmann::json& variables = nlohmann::json::object(),
                                bool add_generation_prompt = true);

// The extra template variables of a chat request, later ones winning: --reasoning on/off and a
// --reasoning-budget of 0 (enable_thinking), --reasoning-effort (reasoning_effort),
// --chat-template-kwargs, then the request's reasoning_budget of 0 and its chat_template_kwargs.
nlohmann::json template_variables(const ChatSettings& settings, const ChatRequest& request);

// The messages as the template gets them: calls' arguments as objects (`object_arguments`; some
// templates concatenate them as text and need them as given), a call message's null content kept
// (`null_content`; else ""); with --no-reasoning-preserve, only the last assistant message keeps
// its reasoning_content. Real templates differ in what they can take: the front end tries the
// four shapes (null kept first, then objects first) and keeps the first that renders.
nlohmann::json template_messages(const ChatSettings& settings, const nlohmann::json& messages, bool object_arguments,
                                 bool null_content);

// How to read the answers to a chat request whose prompt rendered as `prompt`: the family of
// `template_source`, the reasoning format (the request's, else --reasoning-format), whether the
// prompt left a think block open, parallel_tool_calls, --skip-chat-parsing. Every chat dialect's
// formatter constructs its AnswerStream from this (it is PreparedRequest::answer).
AnswerOptions answer_options_for(const std::string& template_source, const std::string& prompt, const ChatSettings& settings,
                                 const ChatRequest& request);

// The rendered conversation's tokens; image markers become the images' positions. The model's BOS
// goes first unless the template wrote it.
PromptTokens tokenize_conversation(const Tokenizer& tokenizer, const ImageTokenizer* images_in, const std::string& text,
                                   const std::vector<ImageFile>& images);

}  // namespace cria
