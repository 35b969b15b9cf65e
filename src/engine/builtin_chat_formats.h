// libllama's built-in chat formats (llama_chat_apply_template): what llama-server renders
// conversations with under --no-jinja. A fixed list of formats written in C++, recognized by name
// ("chatml", "llama3", "mistral-v7", ...) or detected from a Jinja template's text; no Jinja runs.
// This header is llama-free: the front end reaches it through BuiltinChatFormats
// (frontend/builtin_chat.h) and its adapter. Every function is safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cria {

// One message as the built-in formats take it: plain text only.
struct ChatTurn {
    std::string role;
    std::string content;
};

// `turns` written in the format named by, or detected from, `template_or_name`, ending with the
// assistant's opening when add_assistant. nullopt when libllama recognizes no format there.
std::optional<std::string> apply_builtin_chat_format(const std::string& template_or_name,
                                                     const std::vector<ChatTurn>& turns, bool add_assistant);

// The names libllama knows (llama_chat_builtin_templates), in its order.
std::vector<std::string> builtin_chat_format_names();

}  // namespace cria
