// A forced call's grammar, written in the family's own syntax: the model is steered into exactly
// the markup AnswerStream reads back. Each tool's arguments get the rules of its parameters
// schema (api/json_schema_grammar.h); tools' rule sets are kept apart by a prefix per tool.
#include <cctype>
#include <set>

#include "api/api_error.h"
#include "api/json_schema_grammar.h"
#include "api/tool_calls.h"

namespace cria {

namespace {

using json = nlohmann::json;
using ordered = nlohmann::ordered_json;

std::string literal(const std::string& text) { return json(text).dump(); }  // a GBNF string literal

bool rule_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_'; }

// `gbnf` (one "name ::= body" per line) with every rule it defines renamed to prefix + name.
std::string prefix_rules(const std::string& gbnf, const std::string& prefix) {
    std::set<std::string> names;
    for (size_t line = 0; line < gbnf.size();) {
        const size_t eol = gbnf.find('\n', line);
        const size_t def = gbnf.find(" ::= ", line);
        if (def != std::string::npos && def < eol) names.insert(gbnf.substr(line, def - line));
        line = eol == std::string::npos ? gbnf.size() : eol + 1;
    }
    std::string out;
    for (size_t i = 0; i < gbnf.size();) {
        const char c = gbnf[i];
        if (c == '"' || c == '[') {  // a literal or a class: copied as it is
            const char close = c == '"' ? '"' : ']';
            size_t j = i + 1;
            while (j < gbnf.size() && gbnf[j] != close) j += gbnf[j] == '\\' ? 2 : 1;
            out.append(gbnf, i, j + 1 - i);
            i = j + 1;
        } else if (rule_char(c)) {
            size_t j = i;
            while (j < gbnf.size() && rule_char(gbnf[j])) ++j;
            const std::string word = gbnf.substr(i, j - i);
            out += names.count(word) != 0 ? prefix + word : word;
            i = j;
        } else {
            out += c;
            ++i;
        }
    }
    return out;
}

// Rules for `schema` named under `prefix`; its start rule is prefix + "root".
std::string schema_rules(const ordered& schema, const std::string& prefix, size_t max_bytes) {
    try {
        return prefix_rules(json_schema_to_gbnf_ordered(schema, max_bytes), prefix);
    } catch (const ApiError& e) {
        throw invalid_request("a tool's parameters cannot be used: " + e.message, "tools");
    }
}

ordered parameters_of(const json& function) {
    return function.contains("parameters") ? ordered::parse(function["parameters"].dump()) : ordered{{"type", "object"}};
}

// The call as one JSON object, name first: {"<name_key>": "name", "<args_key>": {...}}.
std::string json_object_call(const std::string& name, const json& function, const char* name_key, const char* args_key,
                             const std::string& prefix, size_t max_bytes) {
    ordered schema = {{"type", "object"},
                      {"properties", {{name_key, {{"const", name}}}, {args_key, parameters_of(function)}}},
                      {"required", {name_key, args_key}},
                      {"additionalProperties", false}};
    return schema_rules(schema, prefix, max_bytes);
}

// XML families: one element per parameter (required ones, in the schema's order), each value JSON.
std::string xml_arguments(const json& function, const std::string& prefix, const std::string& key_open,
                          const std::string& key_close, const std::string& value_close, std::string* rules, size_t max_bytes) {
    const ordered params = parameters_of(function);
    std::string body;
    if (!params.contains("properties") || !params["properties"].is_object()) return "\"\"";
    std::set<std::string> required;
    if (params.contains("required") && params["required"].is_array()) {
        for (const auto& r : params["required"]) {
            if (r.is_string()) required.insert(r.get<std::string>());
        }
    }
    size_t k = 0;
    for (auto it = params["properties"].begin(); it != params["properties"].end(); ++it) {
        if (required.count(it.key()) == 0) continue;
        const std::string p = prefix + "p" + std::to_string(k++) + "-";
        *rules += schema_rules(it.value(), p, max_bytes);
        body += " " + literal(key_open + it.key() + key_close) + " " + p + "root " + literal(value_close);
    }
    return body.empty() ? "\"\"" : body;
}

// One alternative: the tool's whole call in `format`'s markup.
std::string call_rule(ToolFormat format, const std::string& name, const json& f, const std::string& prefix,
                      std::string* rules, size_t max_bytes) {
    const std::string args = prefix + "root";
    switch (format) {
        case ToolFormat::llama3:
            *rules += json_object_call(name, f, "name", "parameters", prefix, max_bytes);
            return args;
        case ToolFormat::command_r7b:
            *rules += json_object_call(name, f, "tool_name", "parameters", prefix, max_bytes);
            return "\"<|START_ACTION|>[\" " + args + " \"]<|END_ACTION|>\"";
        case ToolFormat::mistral:
            *rules += json_object_call(name, f, "name", "arguments", prefix, max_bytes);
            return "\"[TOOL_CALLS][\" " + args + " \"]\"";
        case ToolFormat::granite:
            *rules += json_object_call(name, f, "name", "arguments", prefix, max_bytes);
            return "\"<|tool_call|>[\" " + args + " \"]\"";
        case ToolFormat::hermes:
        case ToolFormat::generic:
            *rules += json_object_call(name, f, "name", "arguments", prefix, max_bytes);
            return "\"<tool_call>\\n\" " + args + " \"\\n</tool_call>\"";
        case ToolFormat::qwen3_coder:
            return literal("<tool_call>\n<function=" + name + ">\n") +
                   xml_arguments(f, prefix, "<parameter=", ">\n", "\n</parameter>\n", rules, max_bytes) + " " +
                   literal("</function>\n</tool_call>");
        case ToolFormat::glm_4_5:
            return literal("<tool_call>" + name + "\n") +
                   xml_arguments(f, prefix, "<arg_key>", "</arg_key>\n<arg_value>", "</arg_value>\n", rules, max_bytes) +
                   " " + literal("</tool_call>");
        default: break;
    }
    *rules += schema_rules(parameters_of(f), prefix, max_bytes);
    switch (format) {
        case ToolFormat::deepseek_r1:
            return literal("<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>" + name + "\n```json\n") + " " +
                   args + " " + literal("\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>");
        case ToolFormat::deepseek_v3_1:
            return literal("<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>" + name + "<｜tool▁sep｜>") + " " + args + " " +
                   literal("<｜tool▁call▁end｜><｜tool▁calls▁end｜>");
        case ToolFormat::kimi_k2:
            return literal("<|tool_calls_section_begin|><|tool_call_begin|>functions." + name + ":0<|tool_call_argument_begin|>") +
                   " " + args + " " + literal("<|tool_call_end|><|tool_calls_section_end|>");
        case ToolFormat::functionary_v3_1:
            return literal("<function=" + name + ">") + " " + args + " " + literal("</function>");
        case ToolFormat::functionary_v3_2: return literal(name + "\n") + " " + args;
        case ToolFormat::gpt_oss:
            return literal("<|channel|>commentary to=functions." + name + " <|constrain|>json<|message|>") + " " + args;
        default: return args;
    }
}

}  // namespace

std::string tool_call_grammar(const json& tools, const std::string& only, ToolFormat format, size_t max_bytes) {
    std::string alternatives;
    std::string rules;
    size_t k = 0;
    for (const auto& t : tools) {
        const json& f = t["function"];
        const std::string name = f["name"].get<std::string>();
        if (!only.empty() && name != only) continue;
        const std::string prefix = "t" + std::to_string(k++) + "-";
        alternatives += (alternatives.empty() ? "" : " | ") + call_rule(format, name, f, prefix, &rules, max_bytes);
        if (rules.size() > max_bytes) {
            throw invalid_request("a tool's parameters cannot be used: the grammar of the tools exceeds the grammar budget "
                                  "(--max-grammar-size)", "tools");
        }
    }
    if (k == 0) throw invalid_request("'tool_choice' names a function that is not in 'tools'", "tool_choice");
    return "root ::= " + alternatives + "\n" + rules;
}

}  // namespace cria
