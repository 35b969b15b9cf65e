#include "engine/builtin_chat_formats.h"

#include <algorithm>

#include <llama.h>

namespace cria {

std::optional<std::string> apply_builtin_chat_format(const std::string& template_or_name,
                                                     const std::vector<ChatTurn>& turns, bool add_assistant) {
    std::vector<llama_chat_message> messages;
    messages.reserve(turns.size());
    size_t text_bytes = 0;
    for (const auto& turn : turns) {
        messages.push_back({turn.role.c_str(), turn.content.c_str()});
        text_bytes += turn.role.size() + turn.content.size();
    }
    // libllama says how long the prompt is; a first guess that is too short costs one more call.
    std::string out(2 * text_bytes + 256, '\0');
    for (int attempt = 0; attempt < 2; ++attempt) {
        const int32_t n = llama_chat_apply_template(template_or_name.c_str(), messages.data(), messages.size(),
                                                    add_assistant, out.data(), static_cast<int32_t>(out.size()));
        if (n < 0) return std::nullopt;
        if (static_cast<size_t>(n) <= out.size()) {
            out.resize(static_cast<size_t>(n));
            return out;
        }
        out.assign(static_cast<size_t>(n), '\0');
    }
    return std::nullopt;
}

std::vector<std::string> builtin_chat_format_names() {
    const int32_t n = llama_chat_builtin_templates(nullptr, 0);
    std::vector<const char*> names(static_cast<size_t>(std::max(0, n)));
    llama_chat_builtin_templates(names.data(), names.size());
    return {names.begin(), names.end()};
}

}  // namespace cria
