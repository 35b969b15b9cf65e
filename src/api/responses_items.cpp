#include "api/responses_items.h"

#include <algorithm>
#include <string>

#include "api/api_error.h"
#include "api/media_file.h"

namespace cria {

namespace {

using json = nlohmann::json;

const char* const kRoles[] = {"user", "assistant", "system", "developer"};

ApiError bad_input(const std::string& path, const std::string& what) {
    return invalid_request("'" + path + "' " + what, "input");
}

const std::string& required_string(const json& object, const char* key, const std::string& path) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) throw bad_input(path + "." + key, "must be a string");
    return it->get_ref<const std::string&>();
}

bool is_text_part(const std::string& type) { return type == "input_text" || type == "output_text" || type == "text"; }

void check_text_part(const json& part, const std::string& path) { required_string(part, "text", path); }

void check_image_part(const json& part, const std::string& path, const RequestLimits& limits) {
    if (part.contains("file_id")) {
        throw bad_input(path + ".file_id", "is not supported (this server keeps no files): send the image as a data URL in 'image_url'");
    }
    const std::string& url = required_string(part, "image_url", path);
    // A file:// URL is checked here, so that its errors name the input item; the chat request
    // it becomes reads the file again (api/media_file.h bounds both reads).
    if (is_file_url(url)) {
        read_media_file(url, path + ".image_url", limits);
        return;
    }
    if (url.rfind("data:", 0) != 0) {
        throw bad_input(path + ".image_url", "must be a data URL (\"data:image/png;base64,...\"): this server fetches nothing");
    }
}

// A list of content parts: objects with a string `type`, at most `max_parts` of them.
void check_parts(const json& parts, const std::string& path, const RequestLimits& limits, bool images_allowed) {
    if (static_cast<int64_t>(parts.size()) > limits.max_content_parts) {
        throw bad_input(path, "has " + std::to_string(parts.size()) + " content parts; at most " +
                                  std::to_string(limits.max_content_parts) + " are accepted (--max-content-parts)");
    }
    for (size_t j = 0; j < parts.size(); ++j) {
        const std::string where = path + "[" + std::to_string(j) + "]";
        if (!parts[j].is_object()) throw bad_input(where, "must be a content part object");
        const std::string& type = required_string(parts[j], "type", where);
        if (is_text_part(type) || type == "refusal" || type == "summary_text" || type == "reasoning_text") {
            if (type == "refusal") required_string(parts[j], "refusal", where);
            else check_text_part(parts[j], where);
        } else if (type == "input_image" && images_allowed) {
            check_image_part(parts[j], where, limits);
        } else {
            throw bad_input(where + ".type", "'" + type + "' is not supported here (input_text, output_text" +
                                                 std::string(images_allowed ? ", input_image" : "") + ")");
        }
    }
}

void check_message(json& item, const std::string& path, const RequestLimits& limits) {
    const std::string& role = required_string(item, "role", path);
    if (std::find(std::begin(kRoles), std::end(kRoles), role) == std::end(kRoles)) {
        throw bad_input(path + ".role", "is '" + role + "'; it must be user, assistant, system or developer");
    }
    const auto content = item.find("content");
    if (content == item.end()) throw bad_input(path + ".content", "is required");
    if (content->is_array()) {
        check_parts(*content, path + ".content", limits, /*images_allowed=*/true);
    } else if (!content->is_string()) {
        throw bad_input(path + ".content", "must be a string or an array of content parts");
    }
    item["type"] = "message";
}

void check_item(json& item, const std::string& path, const RequestLimits& limits) {
    if (!item.is_object()) throw bad_input(path, "must be an item object");
    if (!item.contains("type") && item.contains("role")) return check_message(item, path, limits);
    const std::string type = required_string(item, "type", path);
    if (type == "message") return check_message(item, path, limits);
    if (type == "function_call") {
        if (required_string(item, "call_id", path).empty()) throw bad_input(path + ".call_id", "must not be empty");
        if (required_string(item, "name", path).empty()) throw bad_input(path + ".name", "must not be empty");
        required_string(item, "arguments", path);
        return;
    }
    if (type == "function_call_output") {
        required_string(item, "call_id", path);
        const auto output = item.find("output");
        if (output != item.end() && output->is_array()) return check_parts(*output, path + ".output", limits, false);
        required_string(item, "output", path);
        return;
    }
    if (type == "reasoning") {
        for (const char* key : {"summary", "content"}) {
            const auto parts = item.find(key);
            if (parts == item.end() || parts->is_null()) continue;
            if (!parts->is_array()) throw bad_input(path + "." + key, "must be an array");
            check_parts(*parts, path + "." + key, limits, false);
        }
        return;
    }
    throw bad_input(path + ".type", "'" + type + "' is not supported (message, function_call, function_call_output, reasoning)");
}

// The text of parts (text, output_text, refusal, ...), joined.
std::string joined_text(const json& parts) {
    std::string text;
    for (const auto& part : parts) {
        if (part.contains("text") && part["text"].is_string()) text += part["text"].get<std::string>();
        else if (part.contains("refusal") && part["refusal"].is_string()) text += part["refusal"].get<std::string>();
    }
    return text;
}

// A message's content as chat takes it: a string, or text and image_url parts when it has images.
json chat_content(const json& content) {
    if (content.is_string()) return content;
    bool images = false;
    for (const auto& part : content) images = images || part.value("type", "") == "input_image";
    if (!images) return joined_text(content);
    json parts = json::array();
    for (const auto& part : content) {
        if (part.value("type", "") == "input_image") {
            parts.push_back({{"type", "image_url"}, {"image_url", {{"url", part["image_url"]}}}});
        } else {
            parts.push_back({{"type", "text"}, {"text", joined_text(json::array({part}))}});
        }
    }
    return parts;
}

// Builds the chat conversation item by item.
class ChatConversation {
public:
    void message(const json& item) {
        json m = {{"role", item["role"]}, {"content", chat_content(item["content"])}};
        if (item["role"] == "assistant") take_reasoning(m);
        messages_.push_back(std::move(m));
        joinable_ = item["role"] == "assistant";
    }

    void function_call(const json& item) {
        json call = {{"id", item["call_id"]},
                     {"type", "function"},
                     {"function", {{"name", item["name"]}, {"arguments", item["arguments"]}}}};
        if (!joinable_) {
            json m = {{"role", "assistant"}, {"content", ""}, {"tool_calls", json::array()}};
            take_reasoning(m);
            messages_.push_back(std::move(m));
            joinable_ = true;
        }
        json& last = messages_.back();
        if (!last.contains("tool_calls")) last["tool_calls"] = json::array();
        last["tool_calls"].push_back(std::move(call));
    }

    void function_call_output(const json& item) {
        const json& output = item["output"];
        messages_.push_back({{"role", "tool"},
                             {"tool_call_id", item["call_id"]},
                             {"content", output.is_string() ? output.get<std::string>() : joined_text(output)}});
        joinable_ = false;
    }

    void reasoning(const json& item) {
        // The reasoning text itself when the item has it, else its summary.
        const json& content = item.contains("content") && item["content"].is_array() ? item["content"] : json::array();
        const json& summary = item.contains("summary") && item["summary"].is_array() ? item["summary"] : json::array();
        reasoning_ += joined_text(content.empty() ? summary : content);
        joinable_ = false;
    }

    json take() { return std::move(messages_); }

private:
    void take_reasoning(json& message) {
        if (!reasoning_.empty()) message["reasoning_content"] = std::move(reasoning_);
        reasoning_.clear();
    }

    json messages_ = json::array();
    std::string reasoning_;  // waiting for the assistant message it belongs to
    bool joinable_ = false;  // the last message is an assistant one that a function_call joins
};

}  // namespace

json read_input_items(const json& input, const RequestLimits& limits) {
    if (input.is_string()) {
        return json::array({{{"type", "message"}, {"role", "user"}, {"content", input}}});
    }
    if (!input.is_array()) throw invalid_request("'input' must be a string or an array of items", "input");
    check_limit(input.size(), limits.max_input_items, "input", "items", "--max-input-items");
    json items = input;
    for (size_t i = 0; i < items.size(); ++i) check_item(items[i], "input[" + std::to_string(i) + "]", limits);
    return items;
}

json items_to_chat_messages(const json& items) {
    ChatConversation conversation;
    for (const auto& item : items) {
        const std::string type = item.value("type", "message");
        if (type == "message") conversation.message(item);
        else if (type == "function_call") conversation.function_call(item);
        else if (type == "function_call_output") conversation.function_call_output(item);
        else if (type == "reasoning") conversation.reasoning(item);
    }
    return conversation.take();
}

}  // namespace cria
