#include "api/openai_chat.h"

#include <algorithm>
#include <cmath>

#include "api/answer_stream.h"
#include "api/chat_media_part.h"
#include "api/json_fields.h"
#include "api/json_schema_grammar.h"
#include "api/tool_calls.h"
#include "api/tool_schema_limit.h"
#include "template/builtin_templates.h"

namespace cria {

namespace {

const char* const kRoles[] = {"system", "developer", "user", "assistant", "tool"};

// A message's content as one string: a string, null, or an array of {"type": "text"},
// {"type": "image_url"}, {"type": "video_url"} and {"type": "input_video"} parts. A media part
// leaves kImageMarker in the text and its file in *images (videos among them, in order).
std::string content_text(const json& message, size_t i, std::vector<ImageFile>* images, const RequestLimits& limits) {
    const std::string where = "messages[" + std::to_string(i) + "].content";
    const auto it = message.find("content");
    if (it == message.end() || it->is_null()) {
        if (message.value("role", "") == "assistant") return "";
        throw invalid_request("'" + where + "' is required", "messages");
    }
    if (it->is_string()) return it->get<std::string>();
    if (!it->is_array()) throw invalid_request("'" + where + "' must be a string or an array of content parts", "messages");
    check_limit_in(it->size(), limits.max_content_parts, where, "messages", "parts", "--max-content-parts");
    std::string text;
    for (size_t j = 0; j < it->size(); ++j) {
        const json& part = (*it)[j];
        if (!part.is_object() || !part.contains("type") || !part["type"].is_string()) {
            throw invalid_request("'" + where + "' parts must be objects with a 'type'", "messages");
        }
        const std::string type = part["type"].get<std::string>();
        const std::string part_field = where + "[" + std::to_string(j) + "]";
        if (type == "image_url" || type == "video_url" || type == "input_video") {
            images->push_back(chat_media_part(part, type, part_field, *images, limits));
            text += kImageMarker;
            continue;
        }
        if (type != "text") {
            throw invalid_request("'" + where + "' part type '" + type +
                                      "' is not supported yet (text, image_url, video_url and input_video only)",
                                  "messages");
        }
        if (!part.contains("text") || !part["text"].is_string()) {
            throw invalid_request("'" + where + "' text parts need a string 'text'", "messages");
        }
        text += part["text"].get<std::string>();
    }
    return text;
}

json validate_messages(const json& body, std::vector<ImageFile>* images, const RequestLimits& limits) {
    if (!has_field(body, "messages")) throw invalid_request("'messages' is required", "messages");
    const json& list = body.at("messages");
    if (!list.is_array() || list.empty()) throw invalid_request("'messages' must be a non-empty array of messages", "messages");
    // Bounded before anything is copied: the template renders every message and tool call.
    check_limit(list.size(), limits.max_input_items, "messages", "messages", "--max-input-items");
    json out = json::array();
    for (size_t i = 0; i < list.size(); ++i) {
        const json& m = list[i];
        if (!m.is_object()) throw invalid_request("'messages[" + std::to_string(i) + "]' must be an object", "messages");
        if (!m.contains("role") || !m["role"].is_string()) {
            throw invalid_request("'messages[" + std::to_string(i) + "].role' is required", "messages");
        }
        const std::string role = m["role"].get<std::string>();
        if (std::find(std::begin(kRoles), std::end(kRoles), role) == std::end(kRoles)) {
            throw invalid_request("'messages[" + std::to_string(i) + "].role' is '" + role +
                                      "'; it must be system, developer, user, assistant or tool",
                                  "messages");
        }
        const auto calls = m.find("tool_calls");
        if (calls != m.end() && calls->is_array()) {
            check_limit_in(calls->size(), limits.max_tools, "messages[" + std::to_string(i) + "].tool_calls", "messages",
                           "calls", "--max-tools");
        }
        json message = m;
        // An assistant's tool-call message without text keeps its null content: templates (DeepSeek
        // R1's, for one) write the calls only for such a message.
        const bool null_call_message = role == "assistant" && m.contains("tool_calls") &&
                                       (!m.contains("content") || m["content"].is_null());
        if (null_call_message) {
            message["content"] = nullptr;
        } else {
            message["content"] = content_text(m, i, images, limits);
        }
        out.push_back(std::move(message));
    }
    return out;
}

// response_format -> a JSON Schema (null for plain text).
json response_schema(const json& body) {
    if (!has_field(body, "response_format")) return nullptr;
    const json& rf = body.at("response_format");
    const char* shape = "'response_format' must be {\"type\": \"text\"}, {\"type\": \"json_object\"} or "
                        "{\"type\": \"json_schema\", \"json_schema\": {\"schema\": {...}}}";
    if (!rf.is_object() || !rf.contains("type") || !rf["type"].is_string()) throw invalid_request(shape, "response_format");
    const std::string type = rf["type"].get<std::string>();
    if (type == "text") return nullptr;
    if (type == "json_object") return {{"type", "object"}};
    if (type == "json_schema") {
        const json* schema = nullptr;
        if (rf.contains("json_schema") && rf["json_schema"].is_object() && rf["json_schema"].contains("schema")) {
            schema = &rf["json_schema"]["schema"];
        } else if (rf.contains("schema")) {
            schema = &rf["schema"];  // llama.cpp's shorter form
        }
        if (schema == nullptr || !(schema->is_object() || schema->is_boolean())) throw invalid_request(shape, "response_format");
        return *schema;
    }
    throw invalid_request(shape, "response_format");
}

// chat_template_kwargs, reasoning_budget_tokens (or thinking_budget_tokens, reasoning_budget) and
// reasoning_budget_message,
// parallel_tool_calls, reasoning_format.
void read_reasoning_fields(const json& body, ChatRequest* r) {
    if (has_field(body, "chat_template_kwargs")) {
        if (!body.at("chat_template_kwargs").is_object()) {
            throw invalid_request("'chat_template_kwargs' must be an object of template variables", "chat_template_kwargs");
        }
        r->chat_template_kwargs = body.at("chat_template_kwargs");
    }
    r->reasoning_budget = read_reasoning_budget(body);
    r->reasoning_budget_message = read_reasoning_budget_text(body, "reasoning_budget_message");
    r->parallel_tool_calls = read_bool(body, "parallel_tool_calls", true);
    if (has_field(body, "reasoning_format")) {
        const json& f = body.at("reasoning_format");
        ReasoningFormat parsed;
        if (!f.is_string() || !reasoning_format_from_name(f.get<std::string>(), &parsed)) {
            throw invalid_request("'reasoning_format' must be \"none\", \"deepseek\", \"deepseek-legacy\" or \"auto\"",
                                  "reasoning_format");
        }
        r->reasoning_format = f.get<std::string>();
    }
    for (size_t i = 0; i < r->messages.size(); ++i) {
        const json& m = r->messages[i];
        if (m.contains("reasoning_content") && !m["reasoning_content"].is_string() && !m["reasoning_content"].is_null()) {
            throw invalid_request("'messages[" + std::to_string(i) + "].reasoning_content' must be a string", "messages");
        }
    }
}

}  // namespace

ChatRequest parse_chat_request(const json& body, const CompletionDefaults& defaults, const std::string& raw_body) {
    ChatRequest r;
    r.messages = validate_messages(body, &r.images, defaults.limits);
    if (has_field(body, "tools")) {
        if (body.at("tools").is_array()) {
            check_limit(body.at("tools").size(), defaults.limits.max_tools, "tools", "tools", "--max-tools");
        }
        validate_tools(body.at("tools"));
        check_tool_schema_sizes(body.at("tools"), static_cast<size_t>(defaults.limits.max_grammar_bytes));
        r.tools = body.at("tools");
    }
    r.max_grammar_bytes = static_cast<size_t>(defaults.limits.max_grammar_bytes);
    if (has_field(body, "tool_choice")) {
        const json& tc = body.at("tool_choice");
        if (tc.is_string() && (tc == "none" || tc == "auto" || tc == "required")) {
            r.tool_choice = tc.get<std::string>();
        } else if (tc.is_object() && tc.contains("type") && tc["type"] == "function" && tc.contains("function") &&
                   tc["function"].is_object() && tc["function"].contains("name") && tc["function"]["name"].is_string()) {
            r.tool_choice = tc["function"]["name"].get<std::string>();
        } else {
            throw invalid_request("'tool_choice' must be \"none\", \"auto\", \"required\" or "
                                  "{\"type\": \"function\", \"function\": {\"name\": ...}}",
                                  "tool_choice");
        }
        if (r.tool_choice != "none" && r.tool_choice != "auto" && r.tool_choice != "required" && r.tools.empty()) {
            throw invalid_request("'tool_choice' names a function but 'tools' is empty", "tool_choice");
        }
    }
    r.n = static_cast<int32_t>(read_int(body, "n", 1, 1, 16));
    check_limit(static_cast<size_t>(r.n), defaults.limits.max_tasks, "n", "choices", "--max-request-tasks");
    r.logprobs = read_bool(body, "logprobs", false);
    r.top_logprobs = static_cast<int32_t>(read_int(body, "top_logprobs", 0, 0, 20));
    if (r.top_logprobs > 0 && !r.logprobs) throw invalid_request("'top_logprobs' needs 'logprobs': true", "top_logprobs");
    read_reasoning_fields(body, &r);
    if (has_field(body, "stream_options")) {
        const json& so = body.at("stream_options");
        if (!so.is_object()) throw invalid_request("'stream_options' must be an object", "stream_options");
        r.include_usage = read_bool(so, "include_usage", false);
    }

    json native = body;
    for (const char* key : {"messages", "n", "logprobs", "top_logprobs", "max_tokens", "max_completion_tokens",
                            "response_format", "tools", "tool_choice", "stream_options", "chat_template_kwargs",
                            "reasoning_budget", "thinking_budget_tokens", "reasoning_budget_tokens", "reasoning_budget_message",
                            "reasoning_budget_start_tag", "reasoning_budget_end_tag", "parallel_tool_calls",
                            "reasoning_format"}) {
        native.erase(key);
    }
    native["prompt"] = "";
    const char* limit_field = has_field(body, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
    r.max_tokens_given = has_field(body, limit_field);
    native["n_predict"] = read_int(body, limit_field, -1, 0, INT32_MAX);
    if (r.logprobs) native["n_probs"] = std::max(1, r.top_logprobs);
    const json schema = response_schema(body);
    if (r.force_tool_call() && (!schema.is_null() || has_field(body, "grammar"))) {
        throw invalid_request("a required tool call cannot be combined with 'response_format' or 'grammar'", "tool_choice");
    }
    if (!schema.is_null()) {
        if (has_field(body, "grammar")) throw invalid_request("give either 'grammar' or 'response_format', not both", "response_format");
        native["json_schema"] = schema;
    }
    try {
        r.options = parse_completion_request(native, defaults, {});
    } catch (const ApiError& e) {
        // A schema the converter refuses came from response_format: name that field.
        if (e.param == "json_schema") throw invalid_request("'response_format' schema: " + e.message, "response_format");
        throw;
    }
    if (!schema.is_null() && !raw_body.empty()) {
        const auto grammar_bytes = static_cast<size_t>(defaults.limits.max_grammar_bytes);
        // Property order as written: only the raw text still has it (nlohmann::json sorts keys).
        const auto ordered = nlohmann::ordered_json::parse(raw_body, nullptr, /*allow_exceptions=*/false);
        const auto& rf = ordered.is_object() && ordered.contains("response_format") ? ordered["response_format"]
                                                                                     : nlohmann::ordered_json();
        if (rf.is_object() && rf.contains("json_schema") && rf["json_schema"].is_object() && rf["json_schema"].contains("schema")) {
            r.options.generation.sampling.grammar = json_schema_to_gbnf_ordered(rf["json_schema"]["schema"], grammar_bytes);
        } else if (rf.is_object() && rf.contains("schema")) {
            r.options.generation.sampling.grammar = json_schema_to_gbnf_ordered(rf["schema"], grammar_bytes);
        }
    }
    return r;
}

const std::string& chatml_template() { return *builtin_template("chatml"); }

json chat_logprobs_json(const std::vector<TokenProbabilities>& probabilities, const TokenPieces& vocabulary) {
    auto logprob = [](float p) { return p > 0.0f ? std::log(p) : -9999.0; };  // OpenAI uses -9999 for "impossible"
    auto bytes = [](const std::string& s) {
        json b = json::array();
        for (const char ch : s) b.push_back(static_cast<unsigned char>(ch));
        return b;
    };
    json content = json::array();
    for (const auto& p : probabilities) {
        const std::string piece = vocabulary.piece(p.token);
        json top = json::array();
        for (const auto& c : p.top) {
            const std::string alt = vocabulary.piece(c.token);
            top.push_back({{"id", c.token}, {"token", alt}, {"logprob", logprob(c.prob)}, {"bytes", bytes(alt)}});
        }
        content.push_back(
            {{"id", p.token}, {"token", piece}, {"logprob", logprob(p.prob)}, {"bytes", bytes(piece)}, {"top_logprobs", top}});
    }
    return {{"content", content}};
}

}  // namespace cria
