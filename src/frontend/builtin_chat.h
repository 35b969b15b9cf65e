// --no-jinja: conversations written by libllama's built-in chat formats instead of our Jinja
// engine, as llama-server does with that option. The formats live in the engine
// (engine/builtin_chat_formats.h); the front end sees them through this interface, so it runs in
// unit tests against a fake (the engine's adapter: frontend/engine_adapters.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/builtin_chat_formats.h"

namespace cria {

class BuiltinChatFormats {
public:
    virtual ~BuiltinChatFormats() = default;
    // See apply_builtin_chat_format. Safe to call from several threads at once.
    virtual std::optional<std::string> apply(const std::string& template_or_name, const std::vector<ChatTurn>& turns,
                                             bool add_assistant) const = 0;
};

// The conversation with the assistant's opening last, in the format named by --chat-template
// (`chosen`: a libllama format name, or a template's text), else the one libllama detects in
// `template_in_effect` (what the Jinja path would render: the model's template, or cria's Jinja
// text of a name only cria knows), else ChatML. Content parts are joined by newlines; an offered
// tool list is a 400 (the built-in formats have no tools), as with llama-server.
std::string render_builtin_conversation(const BuiltinChatFormats& formats, const std::string& chosen,
                                        const std::string& template_in_effect, const nlohmann::json& messages,
                                        bool offers_tools);

}  // namespace cria
