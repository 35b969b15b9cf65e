// Chat templates: renders a model's Jinja2 chat template the way Hugging Face's
// apply_chat_template does (trim_blocks and lstrip_blocks on).
#pragma once

#include "template/jinja.h"

#include <nlohmann/json.hpp>

#include <string>

namespace cria {

// Renders `source` with the variables apply_chat_template provides:
//  * messages: the conversation (array of {role, content, ...} objects),
//  * add_generation_prompt,
//  * every member of `extra` (an object or null), e.g. bos_token, eos_token, tools,
//    date_string; a "tools" member that is null is left out so templates see it undefined.
// Throws TemplateError on syntax errors and when the template calls raise_exception().
std::string render_chat(const std::string& source, const nlohmann::json& messages, bool add_generation_prompt,
                        const nlohmann::json& extra = {});

}  // namespace cria
