#include "api/tool_calls.h"

#include "api/api_error.h"
#include "api/json_fields.h"
#include "api/json_schema_grammar.h"

namespace cria {

using json = nlohmann::json;

ToolFormat tool_format_for_template(const std::string& t) {
    if (t.find("[TOOL_CALLS]") != std::string::npos) return ToolFormat::mistral;
    if (t.find("<tool_call>") != std::string::npos) return ToolFormat::hermes;
    if (t.find("<|python_tag|>") != std::string::npos || t.find("ipython") != std::string::npos) return ToolFormat::llama3;
    return ToolFormat::hermes;
}

void validate_tools(const json& tools) {
    if (!tools.is_array()) throw invalid_request("'tools' must be an array of function tools", "tools");
    for (size_t i = 0; i < tools.size(); ++i) {
        const json& t = tools[i];
        const std::string where = "'tools[" + std::to_string(i) + "]'";
        if (!t.is_object()) throw invalid_request(where + " must be {\"type\": \"function\", \"function\": {...}}", "tools");
        // Compared as JSON: a "type" of any other JSON type is simply not "function".
        if (!t.contains("type") || t["type"] != "function") {
            throw invalid_request("'tools[" + std::to_string(i) + "].type' must be \"function\"", "tools");
        }
        if (!t.contains("function") || !t["function"].is_object()) {
            throw invalid_request("'tools[" + std::to_string(i) + "].function' must be an object {\"name\": ...}", "tools");
        }
        const json& f = t["function"];
        if (!f.contains("name") || !f["name"].is_string() || f["name"].get<std::string>().empty()) {
            throw invalid_request(where + ".function.name is required", "tools");
        }
        if (f.contains("parameters") && !f["parameters"].is_object()) {
            throw invalid_request(where + ".function.parameters must be a JSON Schema object", "tools");
        }
    }
}

namespace {

// The model's output read as JSON: discarded (not an object or array) when it is not JSON, or when
// it nests deeper than any request may, since a call's value is copied and dumped recursively.
json parse_model_json(const std::string& text) {
    if (json_nesting_depth(text, kMaxJsonDepthLimit) > kMaxJsonDepthLimit) return json();
    return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

// A JSON object with "name" and the arguments under `arguments_key`, as a parseable call.
bool to_call(const json& value, const char* arguments_key, ToolCall* out) {
    if (!value.is_object() || !value.contains("name") || !value["name"].is_string()) return false;
    out->name = value["name"].get<std::string>();
    const json args = value.contains(arguments_key) ? value[arguments_key] : json::object();
    out->arguments = args.is_string() ? args.get<std::string>() : args.dump();
    return true;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

}  // namespace

AssistantAnswer parse_assistant_answer(const std::string& text, bool tools_offered) {
    AssistantAnswer answer;
    std::string rest = text;
    const auto think_end = rest.find("</think>");
    if (think_end != std::string::npos) {
        const auto think_start = rest.find("<think>");
        const size_t from = think_start == std::string::npos || think_start > think_end ? 0 : think_start + 7;
        answer.reasoning_content = trim(rest.substr(from, think_end - from));
        rest = rest.substr(0, think_start == std::string::npos || think_start > think_end ? 0 : think_start) +
               rest.substr(think_end + 8);
    }
    if (tools_offered) {
        // Hermes / Qwen: any number of <tool_call>{...}</tool_call>.
        std::string kept;
        size_t pos = 0;
        bool found = false;
        for (;;) {
            const auto open = rest.find("<tool_call>", pos);
            if (open == std::string::npos) break;
            const auto close = rest.find("</tool_call>", open);
            if (close == std::string::npos) break;
            const json value = parse_model_json(rest.substr(open + 11, close - open - 11));
            ToolCall call;
            if (!to_call(value, "arguments", &call)) break;
            kept += rest.substr(pos, open - pos);
            answer.tool_calls.push_back(std::move(call));
            pos = close + 12;
            found = true;
        }
        if (found) rest = kept + rest.substr(pos);
        // Mistral: [TOOL_CALLS] [{...}, ...]
        const auto mistral = rest.find("[TOOL_CALLS]");
        if (!found && mistral != std::string::npos) {
            const json list = parse_model_json(rest.substr(mistral + 12));
            if (list.is_array()) {
                for (const auto& v : list) {
                    ToolCall call;
                    if (to_call(v, "arguments", &call)) answer.tool_calls.push_back(std::move(call));
                }
                if (!answer.tool_calls.empty()) rest = rest.substr(0, mistral);
            }
        }
        // Llama 3.x: the whole answer is {"name": ..., "parameters": {...}}.
        if (answer.tool_calls.empty()) {
            std::string body = trim(rest);
            if (body.rfind("<|python_tag|>", 0) == 0) body = trim(body.substr(14));
            const json value = parse_model_json(body);
            ToolCall call;
            if (value.is_object() && value.contains("parameters") && to_call(value, "parameters", &call)) {
                answer.tool_calls.push_back(std::move(call));
                rest.clear();
            }
        }
    }
    answer.content = answer.tool_calls.empty() ? rest : trim(rest);
    if (think_end != std::string::npos && answer.tool_calls.empty()) answer.content = trim(rest);
    return answer;
}

std::string tool_call_grammar(const json& tools, const std::string& only, ToolFormat format, size_t max_bytes) {
    const char* arguments_key = format == ToolFormat::llama3 ? "parameters" : "arguments";
    json alternatives = json::array();
    for (const auto& t : tools) {
        const json& f = t["function"];
        const std::string name = f["name"].get<std::string>();
        if (!only.empty() && name != only) continue;
        const json parameters = f.contains("parameters") ? f["parameters"] : json{{"type", "object"}};
        alternatives.push_back({{"type", "object"},
                                {"properties", {{"name", {{"const", name}}}, {arguments_key, parameters}}},
                                {"required", {"name", arguments_key}},
                                {"additionalProperties", false}});
    }
    if (alternatives.empty()) throw invalid_request("'tool_choice' names a function that is not in 'tools'", "tool_choice");
    const json schema = alternatives.size() == 1 ? alternatives[0] : json{{"anyOf", alternatives}};
    std::string call;
    try {
        call = json_schema_to_gbnf(schema, max_bytes);
    } catch (const ApiError& e) {
        throw invalid_request("a tool's parameters cannot be used: " + e.message, "tools");
    }
    // The converter's start rule becomes `call`; the new root wraps it in the format's markers.
    const auto at = call.find("root ::=");
    call.replace(at, 8, "call ::=");
    switch (format) {
        case ToolFormat::mistral: return "root ::= \"[TOOL_CALLS][\" call \"]\"\n" + call;
        case ToolFormat::llama3: return "root ::= call\n" + call;
        case ToolFormat::hermes: break;
    }
    return "root ::= \"<tool_call>\\n\" call \"\\n</tool_call>\"\n" + call;
}

}  // namespace cria
