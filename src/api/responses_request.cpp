#include "api/responses_request.h"

#include <cmath>
#include <string>
#include <utility>

#include "api/json_fields.h"
#include "api/responses_items.h"
#include "api/tool_schema_limit.h"

namespace cria {

namespace {

using json = nlohmann::json;

// Fields of the Responses API that the chat request must not see under their own name (it reads
// the mapped ones instead), and chat's own fields that a Responses request does not have.
const char* const kResponsesOnlyFields[] = {
    "input", "instructions", "tools", "tool_choice", "text", "reasoning", "max_output_tokens", "metadata",
    "user", "store", "previous_response_id", "include", "truncation", "parallel_tool_calls", "background",
    "prompt_cache_key", "safety_identifier", "service_tier", "client_metadata", "stream_options",
    "max_tool_calls", "top_logprobs", "conversation", "prompt",
    // chat's, which a Responses request spells differently or not at all:
    "messages", "n", "logprobs", "max_tokens", "max_completion_tokens", "response_format", "functions",
    "function_call"};

// OpenAI's metadata: at most 16 pairs, keys up to 64 characters, string values up to 512.
json read_metadata(const json& body) {
    if (!has_field(body, "metadata")) return json::object();
    const json& m = body.at("metadata");
    if (!m.is_object()) throw invalid_request("'metadata' must be an object of strings", "metadata");
    if (m.size() > 16) throw invalid_request("'metadata' has " + std::to_string(m.size()) + " keys; at most 16", "metadata");
    for (const auto& [key, value] : m.items()) {
        if (key.size() > 64) throw invalid_request("'metadata' keys are at most 64 characters", "metadata");
        if (!value.is_string() || value.get<std::string>().size() > 512) {
            throw invalid_request("'metadata." + key + "' must be a string of at most 512 characters", "metadata");
        }
    }
    return m;
}

// A Responses function tool {type: "function", name, description, parameters, strict} as chat's
// {type: "function", function: {...}}. Tools of other types (web_search, namespace, mcp, ...) are
// hosted by OpenAI; they are not offered to the model (null).
json chat_tool(const json& tool, size_t i, const RequestLimits& limits) {
    const std::string where = "tools[" + std::to_string(i) + "]";
    if (!tool.is_object() || !tool.contains("type") || !tool["type"].is_string()) {
        throw invalid_request("'" + where + "' must be an object with a 'type'", "tools");
    }
    if (tool["type"] != "function") return nullptr;
    if (!tool.contains("name") || !tool["name"].is_string() || tool["name"].get<std::string>().empty()) {
        throw invalid_request("'" + where + ".name' is required", "tools");
    }
    json function = {{"name", tool["name"]}};
    if (has_field(tool, "description")) {
        if (!tool["description"].is_string()) throw invalid_request("'" + where + ".description' must be a string", "tools");
        function["description"] = tool["description"];
    }
    if (has_field(tool, "parameters")) {
        if (!tool["parameters"].is_object()) throw invalid_request("'" + where + ".parameters' must be a JSON Schema object", "tools");
        check_tool_schema_size(tool["parameters"], static_cast<size_t>(limits.max_grammar_bytes), where + ".parameters",
                               "tools");
        function["parameters"] = tool["parameters"];
    }
    if (has_field(tool, "strict")) {
        if (!tool["strict"].is_boolean()) throw invalid_request("'" + where + ".strict' must be a boolean", "tools");
        function["strict"] = tool["strict"];
    }
    return {{"type", "function"}, {"function", std::move(function)}};
}

// The function tools, in chat's shape; `offered` gets them in Responses' shape (for the response).
json chat_tools(const json& body, const RequestLimits& limits, json* offered) {
    *offered = json::array();
    if (!has_field(body, "tools")) return json::array();
    const json& tools = body.at("tools");
    if (!tools.is_array()) throw invalid_request("'tools' must be an array of tools", "tools");
    check_limit(tools.size(), limits.max_tools, "tools", "tools", "--max-tools");
    json out = json::array();
    for (size_t i = 0; i < tools.size(); ++i) {
        json tool = chat_tool(tools[i], i, limits);
        if (tool.is_null()) continue;
        out.push_back(std::move(tool));
        offered->push_back(tools[i]);
    }
    return out;
}

// tool_choice: "none" | "auto" | "required" | {type: "function", name} -> chat's form.
json chat_tool_choice(const json& body, const json& tools) {
    if (!has_field(body, "tool_choice")) return nullptr;
    const json& tc = body.at("tool_choice");
    if (tc.is_string() && (tc == "none" || tc == "auto" || tc == "required")) {
        if (tc == "required" && tools.empty()) throw invalid_request("'tool_choice' is \"required\" but 'tools' has no function", "tool_choice");
        return tc;
    }
    if (tc.is_object() && tc.value("type", "") == "function" && tc.contains("name") && tc["name"].is_string()) {
        for (const auto& t : tools) {
            if (t["function"]["name"] == tc["name"]) return {{"type", "function"}, {"function", {{"name", tc["name"]}}}};
        }
        throw invalid_request("'tool_choice' names '" + tc["name"].get<std::string>() + "', which is not a function in 'tools'",
                              "tool_choice");
    }
    throw invalid_request("'tool_choice' must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"name\": ...}",
                          "tool_choice");
}

// text.format -> chat's response_format (null for plain text).
json chat_response_format(const json& body) {
    if (!has_field(body, "text")) return nullptr;
    const json& text = body.at("text");
    if (!text.is_object()) throw invalid_request("'text' must be an object {\"format\": {...}}", "text");
    if (!has_field(text, "format")) return nullptr;
    const json& format = text.at("format");
    const char* shape = "'text.format' must be {\"type\": \"text\"}, {\"type\": \"json_object\"} or "
                        "{\"type\": \"json_schema\", \"name\": ..., \"schema\": {...}}";
    if (!format.is_object() || !format.contains("type") || !format["type"].is_string()) throw invalid_request(shape, "text.format");
    const std::string type = format["type"].get<std::string>();
    if (type == "text") return nullptr;
    if (type == "json_object") return {{"type", "json_object"}};
    if (type != "json_schema") throw invalid_request(shape, "text.format");
    if (!format.contains("schema") || !format["schema"].is_object()) {
        throw invalid_request("'text.format.schema' must be a JSON Schema object", "text.format");
    }
    if (has_field(format, "name") && !format["name"].is_string()) throw invalid_request("'text.format.name' must be a string", "text.format");
    return {{"type", "json_schema"}, {"json_schema", {{"name", format.value("name", "response")}, {"schema", format["schema"]}}}};
}

// The raw text chat reads response_format's schema from, in the order the client wrote it.
std::string ordered_schema_body(const std::string& raw_body) {
    if (raw_body.empty()) return {};
    const auto ordered = nlohmann::ordered_json::parse(raw_body, nullptr, /*allow_exceptions=*/false);
    if (!ordered.is_object() || !ordered.contains("text") || !ordered["text"].is_object() ||
        !ordered["text"].contains("format") || !ordered["text"]["format"].is_object() ||
        !ordered["text"]["format"].contains("schema")) {
        return {};
    }
    nlohmann::ordered_json chat;
    chat["response_format"]["json_schema"]["schema"] = ordered["text"]["format"]["schema"];
    return chat.dump();
}

// reasoning {effort, summary}, as the response repeats it. Efforts none and minimal turn thinking
// off; any other effort (low, medium, high, ...) leaves it to the model and its template.
json read_reasoning(const json& body) {
    json echo = {{"effort", nullptr}, {"summary", nullptr}};
    if (!has_field(body, "reasoning")) return echo;
    const json& r = body.at("reasoning");
    if (!r.is_object()) throw invalid_request("'reasoning' must be an object {\"effort\": ..., \"summary\": ...}", "reasoning");
    for (const char* key : {"effort", "summary"}) {
        if (!has_field(r, key)) continue;
        if (!r[key].is_string()) throw invalid_request(std::string("'reasoning.") + key + "' must be a string", "reasoning");
        echo[key] = r[key];
    }
    return echo;
}

void apply_reasoning(const json& echo, ChatRequest* chat) {
    const std::string effort = echo["effort"].is_string() ? echo["effort"].get<std::string>() : "";
    if (effort == "none" || effort == "minimal") {
        chat->chat_template_kwargs["enable_thinking"] = false;
        chat->reasoning_budget = 0;
    }
}

// A sampling setting as the response repeats it: as sent, else the value in effect (a float,
// rounded so that 0.8 does not read 0.800000011920929).
json sampling_echo(const json& body, const char* name, float value) {
    if (has_field(body, name)) return body.at(name);
    return std::round(static_cast<double>(value) * 1e6) / 1e6;
}

// Fields this server does not do, refused rather than silently ignored.
void refuse_unsupported(const json& body) {
    if (read_bool(body, "background", false)) {
        throw invalid_request("'background' responses are not supported: stream the response instead", "background");
    }
    if (has_field(body, "conversation")) {
        throw invalid_request("'conversation' is not supported: continue with 'previous_response_id'", "conversation");
    }
    if (has_field(body, "prompt")) throw invalid_request("'prompt' (stored prompt templates) is not supported", "prompt");
    const std::string truncation = read_string(body, "truncation", "disabled");
    if (truncation != "disabled" && truncation != "auto") {
        throw invalid_request("'truncation' must be \"disabled\" or \"auto\"", "truncation");
    }
}

// The chat request body: the conversation and the mapped fields, beside llama.cpp's own
// sampling fields (seed, top_k, ...) as the client sent them.
json chat_body(const json& body, const ResponsesRequest& r, const json& tools) {
    json chat = body;
    for (const char* key : kResponsesOnlyFields) chat.erase(key);
    json messages = json::array();
    if (has_field(body, "instructions")) messages.push_back({{"role", "system"}, {"content", body.at("instructions")}});
    for (auto& m : items_to_chat_messages(r.conversation)) messages.push_back(std::move(m));
    chat["messages"] = std::move(messages);
    if (!tools.empty()) chat["tools"] = tools;
    if (const json choice = chat_tool_choice(body, tools); !choice.is_null()) chat["tool_choice"] = choice;
    if (const json format = chat_response_format(body); !format.is_null()) chat["response_format"] = format;
    if (has_field(body, "max_output_tokens")) chat["max_tokens"] = read_int(body, "max_output_tokens", -1, 1, INT32_MAX);
    chat["stream"] = r.stream;
    return chat;
}

}  // namespace

ApiError as_responses_error(ApiError e) {
    static const std::pair<const char*, const char*> renamed[] = {
        {"messages", "input"}, {"response_format", "text.format"}, {"max_tokens", "max_output_tokens"}};
    for (const auto& [chat_name, name] : renamed) {
        if (e.param.rfind(chat_name, 0) != 0) continue;
        e.param = name;
        e.message = "'" + std::string(name) + "': " + e.message;
    }
    return e;
}

std::string read_previous_response_id(const json& body) {
    if (!has_field(body, "previous_response_id")) return "";
    const json& id = body.at("previous_response_id");
    if (!id.is_string() || id.get<std::string>().empty()) {
        throw invalid_request("'previous_response_id' must be the id of a stored response (\"resp_...\")", "previous_response_id");
    }
    return id.get<std::string>();
}

ResponsesRequest parse_responses_request(const json& body, const json& history, const CompletionDefaults& defaults,
                                         const std::string& raw_body) {
    ResponsesRequest r;
    const RequestLimits& limits = defaults.limits;
    if (!has_field(body, "input")) throw invalid_request("'input' is required", "input");
    r.input_items = read_input_items(body.at("input"), limits);
    r.conversation = history.is_array() ? history : json::array();
    for (const auto& item : r.input_items) r.conversation.push_back(item);
    r.previous_response_id = read_previous_response_id(body);
    r.store = read_bool(body, "store", false);
    r.stream = read_bool(body, "stream", false);
    if (has_field(body, "instructions") && !body.at("instructions").is_string()) {
        throw invalid_request("'instructions' must be a string", "instructions");
    }
    const std::string user = read_string(body, "user", "");
    refuse_unsupported(body);
    json offered;
    const json tools = chat_tools(body, limits, &offered);
    const bool parallel = read_bool(body, "parallel_tool_calls", true);
    const json metadata = read_metadata(body);
    const json reasoning = read_reasoning(body);
    try {
        r.chat = parse_chat_request(chat_body(body, r, tools), defaults, ordered_schema_body(raw_body));
    } catch (const ApiError& e) {
        throw as_responses_error(e);
    }
    apply_reasoning(reasoning, &r.chat);
    r.chat.parallel_tool_calls = parallel;
    const auto& sampling = r.chat.options.generation.sampling;
    r.settings = {{"instructions", has_field(body, "instructions") ? body.at("instructions") : json(nullptr)},
                  {"max_output_tokens", has_field(body, "max_output_tokens") ? body.at("max_output_tokens") : json(nullptr)},
                  {"metadata", metadata},
                  {"parallel_tool_calls", parallel},
                  {"previous_response_id", r.previous_response_id.empty() ? json(nullptr) : json(r.previous_response_id)},
                  {"reasoning", reasoning},
                  {"store", r.store},
                  {"temperature", sampling_echo(body, "temperature", sampling.temperature)},
                  {"text", {{"format", has_field(body, "text") && has_field(body.at("text"), "format") ? body.at("text").at("format")
                                                                                                        : json{{"type", "text"}}}}},
                  {"tool_choice", has_field(body, "tool_choice") ? body.at("tool_choice") : json("auto")},
                  {"tools", offered},
                  {"top_p", sampling_echo(body, "top_p", sampling.top_p)},
                  {"truncation", read_string(body, "truncation", "disabled")},
                  {"user", user.empty() ? json(nullptr) : json(user)},
                  {"background", false}};
    return r;
}

}  // namespace cria
