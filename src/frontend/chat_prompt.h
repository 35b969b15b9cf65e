// Chat conversations as prompts: the chat template in effect, the conversation rendered through
// it, and the rendered text tokenized (with the images of image_url parts).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "frontend/prompt_tokens.h"

namespace cria {

// The chat template in effect: `chosen` (--chat-template: a built-in name or a template's text;
// --chat-template-file: the text), else the model's own, else ChatML.
const std::string& chat_template_source(const std::string& chosen, const std::string& model_template);

// The conversation as `template_source` writes it, with the tools offered (if any: `tools` is an
// array). A template that refuses the messages (raise_exception) is a 400 naming `messages`.
std::string render_conversation(const std::string& template_source, const Tokenizer& tokenizer,
                                const nlohmann::json& messages, const nlohmann::json& tools);

// The rendered conversation's tokens; image markers become the images' positions. The model's BOS
// goes first unless the template wrote it.
PromptTokens tokenize_conversation(const Tokenizer& tokenizer, const ImageTokenizer* images_in, const std::string& text,
                                   const std::vector<ImageFile>& images);

}  // namespace cria
