#include "api/anthropic_messages.h"

#include <cctype>
#include <map>
#include <set>

#include "api/image_input.h"
#include "api/media_file.h"
#include "api/json_fields.h"
#include "api/tool_calls.h"
#include "api/tool_schema_limit.h"

namespace cria {

namespace {

std::string indexed(const std::string& where, size_t i) { return where + "[" + std::to_string(i) + "]"; }

// 400 naming `field`; Anthropic's error bodies have no `param`, so the message names it too.
[[noreturn]] void refuse(const std::string& field, const std::string& problem) {
    throw invalid_request("'" + field + "' " + problem, field);
}

const std::string& string_field(const json& object, const char* key, const std::string& where) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) refuse(where + "." + key, "is required and must be a string");
    return it->get_ref<const std::string&>();
}

// A content block: an object with a string `type`.
std::string block_type(const json& block, const std::string& where) {
    if (!block.is_object()) refuse(where, "must be a content block object with a 'type'");
    return string_field(block, "type", where);
}

// Turns Anthropic's messages into OpenAI-shaped ones (see anthropic_messages.h), collecting the
// images in the order their markers appear in the text.
class MessageConverter {
public:
    MessageConverter(const RequestLimits& limits, std::vector<ImageFile>* images) : limits_(limits), images_(images) {}

    json take() { return std::move(out_); }

    // The top-level `system`: a string or text blocks (joined by newlines).
    void system(const json& value) { system_message(value, "system"); }

    void message(const json& m, size_t i) {
        const std::string where = indexed("messages", i);
        if (!m.is_object()) refuse(where, "must be an object {\"role\": ..., \"content\": ...}");
        const auto role = m.find("role");
        if (role == m.end() || !role->is_string()) refuse(where + ".role", "is required: \"user\" or \"assistant\"");
        const auto content = m.find("content");
        if (content == m.end() || !(content->is_string() || content->is_array())) {
            refuse(where + ".content", "is required: a string or an array of content blocks");
        }
        if (*role == "user") return user_message(*content, where + ".content");
        if (*role == "assistant") return assistant_message(*content, where + ".content");
        // Claude Code sends system messages between the turns (context it adds as it goes).
        if (*role == "system") return system_message(*content, where + ".content");
        refuse(where + ".role", "is '" + role->get<std::string>() + "'; it must be \"user\", \"assistant\" or \"system\"");
    }

private:
    void system_message(const json& value, const std::string& where) {
        std::string text;
        if (value.is_string()) {
            text = value.get<std::string>();
        } else if (value.is_array()) {
            for (size_t i = 0; i < value.size(); ++i) {
                const std::string at = indexed(where, i);
                count_block(at);
                if (block_type(value[i], at) != "text") refuse(at + ".type", "must be \"text\"");
                if (!text.empty()) text += "\n";
                text += string_field(value[i], "text", at);
            }
        } else {
            refuse(where, "must be a string or an array of text blocks");
        }
        out_.push_back({{"role", "system"}, {"content", text}});
    }

    void count_block(const std::string& where) {
        if (++blocks_ > kMaxMessagesBlocks) {
            refuse(where, "is one content block too many: a request may have at most " +
                              std::to_string(kMaxMessagesBlocks) + " blocks");
        }
    }

    // An image block: {"type": "image", "source": {"type": "base64", "media_type", "data"}}, or
    // {"type": "url", "url": "file://..."} under --media-path (no other URL: this server fetches
    // nothing). It goes the way of an image_url part, checked against the same limits.
    std::string image(const json& block, const std::string& where) {
        check_limit(images_->size() + 1, limits_.max_images, "messages", "images or more", "--max-images");
        const auto source = block.find("source");
        if (source == block.end() || !source->is_object()) {
            refuse(where + ".source", "is required: {\"type\": \"base64\", ...}");
        }
        ImageFile file;
        file.id = static_cast<int64_t>(images_->size());
        const std::string& type = string_field(*source, "type", where + ".source");
        if (type == "url") {
            file.field = where + ".source.url";
            const std::string& url = string_field(*source, "url", where + ".source");
            if (!is_file_url(url)) refuse(file.field, "must be a file:// URL under --media-path (this server fetches no URLs)");
            file.bytes = read_media_file(url, file.field, limits_);
        } else if (type == "base64") {
            const std::string& media_type = string_field(*source, "media_type", where + ".source");
            if (media_type.rfind("image/", 0) != 0) {
                refuse(where + ".source.media_type", "must be an image type (image/png, ...)");
            }
            const std::string& data = string_field(*source, "data", where + ".source");
            file.field = where + ".source.data";
            file.bytes = decode_data_url("data:" + media_type + ";base64," + data, file.field, limits_.max_image_bytes,
                                         limits_.max_image_pixels);
        } else {
            refuse(where + ".source.type", "must be \"base64\" (or \"url\" with a file:// URL under --media-path)");
        }
        file.description = "'" + file.field + "'";
        images_->push_back(std::move(file));
        return kImageMarker;
    }

    // A tool_result's content: a string, or text and image blocks.
    std::string tool_result_text(const json& block, const std::string& where) {
        const auto content = block.find("content");
        if (content == block.end() || content->is_null()) return "";
        if (content->is_string()) return content->get<std::string>();
        if (!content->is_array()) refuse(where + ".content", "must be a string or an array of text and image blocks");
        std::string text;
        for (size_t j = 0; j < content->size(); ++j) {
            const std::string at = indexed(where + ".content", j);
            count_block(at);
            const std::string type = block_type((*content)[j], at);
            if (type == "text") {
                text += string_field((*content)[j], "text", at);
            } else if (type == "image") {
                text += image((*content)[j], at);
            } else {
                refuse(at + ".type", "is '" + type + "'; a tool_result's content holds text and image blocks");
            }
        }
        return text;
    }

    void flush_user(std::string* text, bool* pending) {
        if (*pending) out_.push_back({{"role", "user"}, {"content", std::move(*text)}});
        text->clear();
        *pending = false;
    }

    void user_message(const json& content, const std::string& where) {
        if (content.is_string()) {
            out_.push_back({{"role", "user"}, {"content", content.get<std::string>()}});
            return;
        }
        if (content.empty()) refuse(where, "must not be empty");
        std::string text;
        bool pending = false;  // text or images wait to become a user message
        for (size_t j = 0; j < content.size(); ++j) {
            const std::string at = indexed(where, j);
            count_block(at);
            const std::string type = block_type(content[j], at);
            if (type == "text") {
                text += string_field(content[j], "text", at);
                pending = true;
            } else if (type == "image") {
                text += image(content[j], at);
                pending = true;
            } else if (type == "tool_result") {
                flush_user(&text, &pending);  // the order of the conversation is kept
                tool_result(content[j], at);
            } else {
                refuse(at + ".type", "is '" + type + "'; a user message holds text, image and tool_result blocks");
            }
        }
        flush_user(&text, &pending);
    }

    void tool_result(const json& block, const std::string& where) {
        const std::string& id = string_field(block, "tool_use_id", where);
        const auto is_error = block.find("is_error");
        if (is_error != block.end() && !is_error->is_null() && !is_error->is_boolean()) {
            refuse(where + ".is_error", "must be a boolean");
        }
        const bool error = is_error != block.end() && is_error->is_boolean() && is_error->get<bool>();
        const std::string content = (error ? "Error: " : "") + tool_result_text(block, where);
        json message = {{"role", "tool"}, {"tool_call_id", id}, {"content", content}};
        const auto name = tool_names_.find(id);
        if (name != tool_names_.end()) message["name"] = name->second;  // some templates show the tool's name
        out_.push_back(std::move(message));
    }

    void assistant_message(const json& content, const std::string& where) {
        json message = {{"role", "assistant"}, {"content", ""}};
        if (content.is_string()) {
            message["content"] = content.get<std::string>();
            out_.push_back(std::move(message));
            return;
        }
        std::string text;
        std::string reasoning;
        json calls = json::array();
        for (size_t j = 0; j < content.size(); ++j) {
            const std::string at = indexed(where, j);
            count_block(at);
            const std::string type = block_type(content[j], at);
            if (type == "text") {
                text += string_field(content[j], "text", at);
            } else if (type == "thinking") {
                reasoning += string_field(content[j], "thinking", at);
            } else if (type == "redacted_thinking") {
                continue;  // encrypted by Anthropic's service: nothing a local model can read
            } else if (type == "tool_use") {
                calls.push_back(tool_use(content[j], at));
            } else {
                refuse(at + ".type", "is '" + type + "'; an assistant message holds text, thinking and tool_use blocks");
            }
        }
        message["content"] = text;
        if (!reasoning.empty()) message["reasoning_content"] = reasoning;
        if (!calls.empty()) message["tool_calls"] = std::move(calls);
        out_.push_back(std::move(message));
    }

    json tool_use(const json& block, const std::string& where) {
        const std::string& id = string_field(block, "id", where);
        const std::string& name = string_field(block, "name", where);
        const auto input = block.find("input");
        if (input == block.end() || !input->is_object()) {
            refuse(where + ".input", "is required: the call's arguments as an object");
        }
        tool_names_[id] = name;
        return {{"id", id}, {"type", "function"}, {"function", {{"name", name}, {"arguments", input->dump()}}}};
    }

    const RequestLimits& limits_;
    std::vector<ImageFile>* images_;
    json out_ = json::array();
    size_t blocks_ = 0;
    std::map<std::string, std::string> tool_names_;  // tool_use id -> name, for the tool messages
};

json conversation(const json& body, const RequestLimits& limits, std::vector<ImageFile>* images) {
    const auto messages = body.find("messages");
    if (messages == body.end() || messages->is_null()) refuse("messages", "is required");
    if (!messages->is_array() || messages->empty()) refuse("messages", "must be a non-empty array of messages");
    if (messages->size() > kMaxMessagesCount) {
        refuse("messages", "has " + std::to_string(messages->size()) + " messages; at most " +
                               std::to_string(kMaxMessagesCount) + " are accepted");
    }
    MessageConverter converter(limits, images);
    if (has_field(body, "system")) converter.system(body.at("system"));
    for (size_t i = 0; i < messages->size(); ++i) converter.message((*messages)[i], i);
    return converter.take();
}

bool valid_tool_name(const std::string& name) {
    if (name.empty() || name.size() > kMaxToolNameLength) return false;
    for (const unsigned char c : name) {
        if (!(std::isalnum(c) || c == '_' || c == '-')) return false;
    }
    return true;
}

// Anthropic's client tools as OpenAI function tools.
json function_tools(const json& tools, const RequestLimits& limits) {
    if (!tools.is_array()) refuse("tools", "must be an array of tools {\"name\", \"description\", \"input_schema\"}");
    if (tools.size() > kMaxMessagesTools) {
        refuse("tools", "has " + std::to_string(tools.size()) + " tools; at most " + std::to_string(kMaxMessagesTools) +
                            " are accepted");
    }
    json out = json::array();
    std::set<std::string> names;
    for (size_t i = 0; i < tools.size(); ++i) {
        const std::string where = indexed("tools", i);
        const json& tool = tools[i];
        if (!tool.is_object()) refuse(where, "must be an object {\"name\", \"description\", \"input_schema\"}");
        if (has_field(tool, "type") && tool["type"] != "custom") {
            refuse(where + ".type",
                   "is " + tool["type"].dump() + "; only client tools (\"custom\", with an input_schema) are supported");
        }
        const std::string& name = string_field(tool, "name", where);
        if (!valid_tool_name(name)) refuse(where + ".name", "must be 1 to 128 letters, digits, '_' or '-'");
        if (!names.insert(name).second) refuse(where + ".name", "'" + name + "' names two tools");
        const auto schema = tool.find("input_schema");
        if (schema == tool.end() || !schema->is_object()) {
            refuse(where + ".input_schema", "is required: a JSON Schema object");
        }
        check_tool_schema_size(*schema, static_cast<size_t>(limits.max_grammar_bytes), where + ".input_schema",
                               where + ".input_schema");
        json function = {{"name", name}, {"parameters", *schema}};
        if (has_field(tool, "description")) function["description"] = string_field(tool, "description", where);
        out.push_back({{"type", "function"}, {"function", std::move(function)}});
    }
    validate_tools(out);
    return out;
}

void read_tool_choice(const json& body, ChatRequest* r) {
    if (!has_field(body, "tool_choice")) return;
    const json& choice = body.at("tool_choice");
    if (!choice.is_object()) refuse("tool_choice", "must be an object {\"type\": \"auto\" | \"any\" | \"tool\" | \"none\"}");
    const std::string& type = string_field(choice, "type", "tool_choice");
    if (type == "auto") {
        r->tool_choice = "auto";
    } else if (type == "any") {
        r->tool_choice = "required";
    } else if (type == "none") {
        r->tool_choice = "none";
    } else if (type == "tool") {
        r->tool_choice = string_field(choice, "name", "tool_choice");
        bool known = false;
        for (const auto& t : r->tools) known = known || t["function"]["name"] == r->tool_choice;
        if (!known) refuse("tool_choice.name", "is '" + r->tool_choice + "', which is not in 'tools'");
    } else {
        refuse("tool_choice.type", "is '" + type + "'; it must be \"auto\", \"any\", \"tool\" or \"none\"");
    }
    if ((type == "any" || type == "tool") && r->tools.empty()) {
        refuse("tool_choice", "asks for a tool call but 'tools' is empty");
    }
    if (has_field(choice, "disable_parallel_tool_use")) {
        if (!choice["disable_parallel_tool_use"].is_boolean()) {
            refuse("tool_choice.disable_parallel_tool_use", "must be a boolean");
        }
        r->parallel_tool_calls = !choice["disable_parallel_tool_use"].get<bool>();
    }
}

// `thinking`: the reasoning budget, and the templates' enable_thinking switch.
void read_thinking(const json& body, int64_t max_tokens, ChatRequest* r) {
    if (!has_field(body, "thinking")) return;
    const json& thinking = body.at("thinking");
    if (!thinking.is_object()) {
        refuse("thinking", "must be {\"type\": \"enabled\", \"budget_tokens\": N} or {\"type\": \"disabled\"}");
    }
    const std::string& type = string_field(thinking, "type", "thinking");
    if (type == "disabled") {
        r->reasoning_budget = 0;
        r->chat_template_kwargs["enable_thinking"] = false;
        return;
    }
    if (type != "enabled" && type != "adaptive") {
        refuse("thinking.type", "is '" + type + "'; it must be \"enabled\", \"adaptive\" or \"disabled\"");
    }
    r->chat_template_kwargs["enable_thinking"] = true;
    if (type == "adaptive") return;  // the model decides how long it thinks: no budget
    const auto budget = thinking.find("budget_tokens");
    if (budget == thinking.end() || !budget->is_number_integer()) {
        refuse("thinking.budget_tokens", "is required when thinking is enabled: a whole number of tokens");
    }
    // Anthropic's rule: thinking is part of the answer, so its budget is below max_tokens.
    const int64_t limit = max_tokens > 0 ? max_tokens - 1 : INT32_MAX;
    const bool negative = budget->is_number_integer() && !budget->is_number_unsigned() && budget->get<int64_t>() < 1;
    if (negative || budget->get<uint64_t>() < 1 || budget->get<uint64_t>() > static_cast<uint64_t>(limit)) {
        const std::string below = max_tokens > 0 ? " and less than max_tokens (" + std::to_string(max_tokens) + ")" : "";
        refuse("thinking.budget_tokens", "must be at least 1" + below);
    }
    r->reasoning_budget = static_cast<int32_t>(budget->get<int64_t>());
}

// max_tokens, stop_sequences and the sampling fields as the native request's fields.
json native_options(const json& body, const RequestLimits& limits, MessagesRoute route) {
    json native = {{"prompt", ""}};
    if (route == MessagesRoute::count_tokens) return native;
    if (!has_field(body, "max_tokens")) refuse("max_tokens", "is required");
    native["n_predict"] = read_int(body, "max_tokens", 0, 1, INT32_MAX);
    if (has_field(body, "temperature")) native["temperature"] = read_number(body, "temperature", 1.0, 0.0, 1.0);
    if (has_field(body, "top_p")) native["top_p"] = read_number(body, "top_p", 1.0, 0.0, 1.0);
    if (has_field(body, "top_k")) native["top_k"] = read_int(body, "top_k", 0, 0, INT32_MAX);
    native["stream"] = read_bool(body, "stream", false);
    if (has_field(body, "stop_sequences")) {
        const json& stops = body.at("stop_sequences");
        if (!stops.is_array()) refuse("stop_sequences", "must be an array of strings");
        check_limit(stops.size(), limits.max_stop_strings, "stop_sequences", "strings", "--max-stop-strings");
        for (size_t i = 0; i < stops.size(); ++i) {
            const std::string where = indexed("stop_sequences", i);
            if (!stops[i].is_string() || stops[i].get_ref<const std::string&>().empty()) {
                refuse(where, "must be a non-empty string");
            }
            if (stops[i].get_ref<const std::string&>().size() > static_cast<size_t>(limits.max_stop_length)) {
                refuse(where, "is longer than " + std::to_string(limits.max_stop_length) + " bytes (--max-stop-length)");
            }
        }
        native["stop"] = stops;
    }
    return native;
}

// Fields Anthropic's service reads that carry no meaning here: checked for their type only.
void check_service_fields(const json& body) {
    if (has_field(body, "model") && !body.at("model").is_string()) refuse("model", "must be a string");
    if (has_field(body, "metadata") && !body.at("metadata").is_object()) {
        refuse("metadata", "must be an object {\"user_id\": ...}");
    }
}

}  // namespace

ChatRequest parse_anthropic_messages(const json& body, const CompletionDefaults& defaults, MessagesRoute route) {
    const RequestLimits& limits = defaults.limits;
    check_service_fields(body);
    const json native = native_options(body, limits, route);  // max_tokens first: Anthropic's first complaint
    ChatRequest r;
    r.messages = conversation(body, limits, &r.images);
    if (has_field(body, "tools")) r.tools = function_tools(body.at("tools"), limits);
    read_tool_choice(body, &r);
    r.max_grammar_bytes = static_cast<size_t>(limits.max_grammar_bytes);
    read_thinking(body, native.value("n_predict", int64_t{-1}), &r);
    r.max_tokens_given = route == MessagesRoute::create;
    try {
        r.options = parse_completion_request(native, defaults, {});
    } catch (const ApiError& e) {
        // Checked above already; should the native checks be stricter, name Anthropic's fields.
        const std::string field = e.param == "n_predict" ? "max_tokens" : e.param == "stop" ? "stop_sequences" : e.param;
        throw invalid_request(e.message, field);
    }
    return r;
}

}  // namespace cria
