#include "api/system_prompt.h"

namespace cria {

namespace {

using json = nlohmann::json;

std::string read_member(const json& object, const char* name, bool required) {
    const std::string field = std::string("system_prompt.") + name;
    const auto it = object.find(name);
    if (it == object.end() || it->is_null()) {
        if (required) throw invalid_request(field + " is required", field);
        return "";
    }
    if (!it->is_string()) throw invalid_request(field + " must be a string", field);
    return it->get<std::string>();
}

}  // namespace

SystemPrompt parse_system_prompt(const json& value) {
    SystemPrompt s;
    if (value.is_string()) {
        s.prompt = value.get<std::string>();
        return s;
    }
    if (!value.is_object()) {
        throw invalid_request("system_prompt must be an object {prompt, anti_prompt, assistant_name} or a string",
                              "system_prompt");
    }
    for (const auto& [key, _] : value.items()) {
        if (key != "prompt" && key != "anti_prompt" && key != "assistant_name") {
            throw invalid_request("system_prompt has an unknown member '" + key +
                                      "' (known: prompt, anti_prompt, assistant_name)",
                                  "system_prompt");
        }
    }
    s.prompt = read_member(value, "prompt", true);
    s.anti_prompt = read_member(value, "anti_prompt", false);
    s.assistant_name = read_member(value, "assistant_name", false);
    return s;
}

SystemPrompt parse_system_prompt_file(const std::string& text) {
    const json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) throw invalid_request("the file is not valid JSON");
    if (value.is_object() && value.contains("system_prompt")) return parse_system_prompt(value.at("system_prompt"));
    if (!value.is_object()) throw invalid_request("the file must hold a JSON object with prompt, anti_prompt, assistant_name");
    return parse_system_prompt(value);
}

}  // namespace cria
