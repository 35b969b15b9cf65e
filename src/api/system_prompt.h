// The system prompt of the seed's server: a text put before every /completion prompt, shared by
// all slots (so computed once, see the scheduler's prefix sharing), with the names a chat client
// needs to build its prompts (served by /props). Set by --system-prompt-file or by a request's
// `system_prompt` field, which changes it for every later request.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/api_error.h"

namespace cria {

struct SystemPrompt {
    std::string prompt;          // the text itself
    std::string anti_prompt;     // the user's name, the word that should stop generation ("User:")
    std::string assistant_name;  // the bot's name ("Assistant:")
};

// The `system_prompt` field: an object {prompt, anti_prompt, assistant_name} (prompt required), or a
// string (the prompt alone). Throws a 400 ApiError naming `system_prompt` or its member.
SystemPrompt parse_system_prompt(const nlohmann::json& value);

// The text of a --system-prompt-file: that object, bare or under "system_prompt". Throws
// ApiError (its message says what is wrong) on anything else.
SystemPrompt parse_system_prompt_file(const std::string& text);

}  // namespace cria
