// Chat templates known by name, for --chat-template NAME (llama-server's names where they exist).
#pragma once

#include <string>
#include <vector>

namespace cria {

struct BuiltinTemplate {
    std::string name;  // e.g. "chatml", "llama3", "mistral"
    std::string text;  // Jinja source
};

const std::vector<BuiltinTemplate>& builtin_templates();

// The template called `name`, or null.
const std::string* builtin_template(const std::string& name);

}  // namespace cria
