#include "frontend/builtin_chat.h"

#include "api/api_error.h"

namespace cria {

namespace {

// A message's text: a string, or the text parts of an array of content parts.
std::string plain_content(const nlohmann::json& content) {
    if (content.is_string()) return content.get<std::string>();
    std::string text;
    if (!content.is_array()) return text;
    for (const auto& part : content) {
        if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string()) {
            continue;
        }
        if (!text.empty()) text += '\n';
        text += part["text"].get<std::string>();
    }
    return text;
}

std::vector<ChatTurn> chat_turns(const nlohmann::json& messages) {
    std::vector<ChatTurn> turns;
    for (const auto& m : messages) {
        const std::string role = m.contains("role") && m["role"].is_string() ? m["role"].get<std::string>() : "user";
        turns.push_back({role, m.contains("content") ? plain_content(m["content"]) : std::string()});
    }
    return turns;
}

}  // namespace

std::string render_builtin_conversation(const BuiltinChatFormats& formats, const std::string& chosen,
                                        const std::string& template_in_effect, const nlohmann::json& messages,
                                        bool offers_tools) {
    if (offers_tools) {
        throw invalid_request("tools need a Jinja chat template: this server was started with --no-jinja", "tools");
    }
    const std::vector<ChatTurn> turns = chat_turns(messages);
    for (const std::string* source : {&chosen, &template_in_effect}) {
        if (source->empty()) continue;
        if (auto text = formats.apply(*source, turns, /*add_assistant=*/true)) return *text;
    }
    if (auto text = formats.apply("chatml", turns, true)) return *text;
    throw server_error("libllama's built-in chat formats rendered nothing for this conversation");
}

}  // namespace cria
