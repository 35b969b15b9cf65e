#include "template/chat_template.h"

namespace cria {

std::string render_chat(const std::string& source, const nlohmann::json& messages, bool add_generation_prompt,
                        const nlohmann::json& extra) {
  nlohmann::json context = nlohmann::json::object();
  if (extra.is_object()) {
    for (auto it = extra.begin(); it != extra.end(); ++it) {
      if (it.key() == "tools" && it.value().is_null()) continue;
      context[it.key()] = it.value();
    }
  }
  context["messages"] = messages;
  context["add_generation_prompt"] = add_generation_prompt;
  jinja::RenderOptions options;
  options.trim_blocks = true;
  options.lstrip_blocks = true;
  return jinja::render_template(source, context, options);
}

}  // namespace cria
