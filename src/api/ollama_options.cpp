// Ollama's `options`, `format`, `think`, `keep_alive` and messages, mapped onto cria's own fields.
#include "api/ollama_request.h"

#include <cmath>

#include "api/json_fields.h"

namespace cria {

namespace {

enum class OptionKind { integer, number, boolean, strings };

// One of Ollama's `options`: its type and the native field it becomes (null: accepted, not used).
struct OllamaOption {
    const char* name;
    OptionKind kind;
    const char* native;
};

// Ollama's documented options (its Modelfile parameters and runner settings).
const OllamaOption kOptions[] = {
    {"num_keep", OptionKind::integer, "n_keep"},
    {"seed", OptionKind::integer, "seed"},
    {"num_predict", OptionKind::integer, "n_predict"},
    {"top_k", OptionKind::integer, "top_k"},
    {"top_p", OptionKind::number, "top_p"},
    {"min_p", OptionKind::number, "min_p"},
    {"tfs_z", OptionKind::number, "tfs_z"},
    {"typical_p", OptionKind::number, "typical_p"},
    {"repeat_last_n", OptionKind::integer, "repeat_last_n"},
    {"temperature", OptionKind::number, "temperature"},
    {"repeat_penalty", OptionKind::number, "repeat_penalty"},
    {"presence_penalty", OptionKind::number, "presence_penalty"},
    {"frequency_penalty", OptionKind::number, "frequency_penalty"},
    {"mirostat", OptionKind::integer, "mirostat"},
    {"mirostat_tau", OptionKind::number, "mirostat_tau"},
    {"mirostat_eta", OptionKind::number, "mirostat_eta"},
    {"penalize_newline", OptionKind::boolean, "penalize_nl"},
    {"stop", OptionKind::strings, "stop"},
    // Load-time settings: the model is loaded once, with the command line's.
    {"num_ctx", OptionKind::integer, nullptr},
    {"num_batch", OptionKind::integer, nullptr},
    {"num_gpu", OptionKind::integer, nullptr},
    {"main_gpu", OptionKind::integer, nullptr},
    {"num_thread", OptionKind::integer, nullptr},
    {"numa", OptionKind::boolean, nullptr},
    {"low_vram", OptionKind::boolean, nullptr},
    {"f16_kv", OptionKind::boolean, nullptr},
    {"logits_all", OptionKind::boolean, nullptr},
    {"vocab_only", OptionKind::boolean, nullptr},
    {"use_mmap", OptionKind::boolean, nullptr},
    {"use_mlock", OptionKind::boolean, nullptr},
    {"embedding_only", OptionKind::boolean, nullptr},
};

void check_option_type(const OllamaOption& option, const json& value) {
    const std::string field = std::string("options.") + option.name;
    const auto wrong = [&](const char* what) { return invalid_request("'" + field + "' must be " + what, field); };
    switch (option.kind) {
        case OptionKind::integer:
            // JSON has one number type; Ollama (Go) takes 5.0 for 5, as cria's native fields do.
            if (!value.is_number() || !std::isfinite(value.get<double>()) ||
                value.get<double>() != std::floor(value.get<double>())) {
                throw wrong("an integer");
            }
            return;
        case OptionKind::number:
            if (!value.is_number()) throw wrong("a number");
            return;
        case OptionKind::boolean:
            if (!value.is_boolean()) throw wrong("a boolean");
            return;
        case OptionKind::strings:
            if (!value.is_array()) throw wrong("an array of strings");
            for (const auto& item : value) {
                if (!item.is_string()) throw wrong("an array of strings");
            }
            return;
    }
}

std::string base64_image_url(const json& image, const std::string& where) {
    if (!image.is_string()) throw invalid_request("'" + where + "' must be a base64 string", "images");
    return "data:image/png;base64," + image.get<std::string>();  // the bytes' own header says what they are
}

// A message's `images` as OpenAI content parts after its text.
json content_with_images(const std::string& text, const json& images, const std::string& where) {
    if (!images.is_array()) throw invalid_request("'" + where + "' must be an array of base64 strings", "messages");
    json parts = json::array({{{"type", "text"}, {"text", text}}});
    for (size_t i = 0; i < images.size(); ++i) {
        const std::string url = base64_image_url(images[i], where + "[" + std::to_string(i) + "]");
        parts.push_back({{"type", "image_url"}, {"image_url", {{"url", url}}}});
    }
    return parts;
}

// Ollama's tool calls ({function: {name, arguments: {...}}}) in OpenAI's shape.
json openai_tool_calls(const json& calls, const std::string& where) {
    if (!calls.is_array()) throw invalid_request("'" + where + "' must be an array", "messages");
    json out = json::array();
    for (size_t i = 0; i < calls.size(); ++i) {
        const json& call = calls[i];
        const std::string at = where + "[" + std::to_string(i) + "]";
        if (!call.is_object() || !call.contains("function") || !call["function"].is_object() ||
            !call["function"].contains("name") || !call["function"]["name"].is_string()) {
            throw invalid_request("'" + at + "' must be {\"function\": {\"name\": ..., \"arguments\": {...}}}", "messages");
        }
        const json& function = call["function"];
        const json arguments = function.contains("arguments") ? function["arguments"] : json::object();
        out.push_back({{"id", "call_" + std::to_string(i)},
                       {"type", "function"},
                       {"function", {{"name", function["name"]},
                                     {"arguments", arguments.is_string() ? arguments.get<std::string>() : arguments.dump()}}}});
    }
    return out;
}

json openai_message(const json& m, size_t i) {
    const std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) throw invalid_request("'" + where + "' must be an object", "messages");
    json out = json::object();
    out["role"] = m.contains("role") ? m["role"] : json(nullptr);  // the chat parser checks it
    const auto text = [&](const char* key) {
        if (!has_field(m, key)) return std::string();
        if (!m.at(key).is_string()) throw invalid_request("'" + where + "." + key + "' must be a string", "messages");
        return m.at(key).get<std::string>();
    };
    const std::string content = text("content");
    out["content"] = has_field(m, "images") ? content_with_images(content, m["images"], where + ".images") : json(content);
    if (has_field(m, "tool_calls")) out["tool_calls"] = openai_tool_calls(m["tool_calls"], where + ".tool_calls");
    if (has_field(m, "tool_name")) out["name"] = text("tool_name");
    if (has_field(m, "thinking")) out["reasoning_content"] = text("thinking");
    return out;
}

// Ollama names the options it had; cria's parsers name their own fields.
const OllamaOption* option_for_native(const std::string& native) {
    for (const auto& option : kOptions) {
        if (option.native != nullptr && native == option.native) return &option;
    }
    return nullptr;
}

}  // namespace

json ollama_options_to_native(const json& body, bool for_chat) {
    json native = json::object();
    if (!has_field(body, "options")) return native;
    const json& options = body.at("options");
    if (!options.is_object()) throw invalid_request("'options' must be an object", "options");
    for (const auto& option : kOptions) {
        if (!has_field(options, option.name)) continue;
        const json& value = options.at(option.name);
        check_option_type(option, value);
        if (option.native == nullptr) continue;
        native[option.native] = value;
    }
    if (native.contains("n_predict")) {
        // Ollama: -1 generates until the end, -2 until the context is full; cria's -1 does both.
        const double n = native["n_predict"].get<double>();
        if (n < -2) throw invalid_request("'options.num_predict' must be -1, -2 or at least 0", "options.num_predict");
        if (n < 0) native.erase("n_predict");
        if (for_chat && native.contains("n_predict")) {
            native["max_tokens"] = native["n_predict"];
            native.erase("n_predict");
        }
    }
    return native;
}

void rename_native_fields(ApiError& error) {
    const OllamaOption* option = option_for_native(error.param);
    if (error.param == "max_tokens") option = option_for_native("n_predict");
    if (option == nullptr) return;
    const std::string from = "'" + error.param + "'";
    const std::string to = std::string("'options.") + option->name + "'";
    for (size_t at = error.message.find(from); at != std::string::npos; at = error.message.find(from, at + to.size())) {
        error.message.replace(at, from.size(), to);
    }
    error.param = std::string("options.") + option->name;
}

json ollama_format_schema(const json& body) {
    if (!has_field(body, "format")) return nullptr;
    const json& format = body.at("format");
    if (format.is_string() && format.get<std::string>().empty()) return nullptr;
    if (format.is_string() && format == "json") return {{"type", "object"}};
    if (format.is_object()) return format;
    throw invalid_request("'format' must be \"json\" or a JSON schema (an object)", "format");
}

void apply_ollama_think(const json& body, ChatRequest* request) {
    if (!has_field(body, "think")) return;
    const json& think = body.at("think");
    if (think.is_boolean()) {
        request->chat_template_kwargs["enable_thinking"] = think.get<bool>();
        if (!think.get<bool>()) request->reasoning_budget = 0;
        return;
    }
    if (think.is_string() && (think == "high" || think == "medium" || think == "low")) {
        request->chat_template_kwargs["enable_thinking"] = true;
        request->chat_template_kwargs["reasoning_effort"] = think;
        return;
    }
    throw invalid_request("'think' must be true, false, \"high\", \"medium\" or \"low\"", "think");
}

json ollama_messages_to_openai(const json& body) {
    if (!has_field(body, "messages")) return json::array();
    const json& list = body.at("messages");
    if (!list.is_array()) throw invalid_request("'messages' must be an array of messages", "messages");
    json out = json::array();
    for (size_t i = 0; i < list.size(); ++i) out.push_back(openai_message(list[i], i));
    return out;
}

bool ollama_keep_alive_is_zero(const json& body) {
    if (!has_field(body, "keep_alive")) return false;
    const json& v = body.at("keep_alive");
    if (v.is_number()) return v.get<double>() == 0;
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        return s == "0" || s == "0s" || s == "0m" || s == "0h";
    }
    throw invalid_request("'keep_alive' must be a number of seconds or a duration such as \"5m\"", "keep_alive");
}

}  // namespace cria
