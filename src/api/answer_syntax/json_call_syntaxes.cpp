// Families whose calls are JSON objects: {"name": ..., "arguments": {...}} and its relatives.
#include <nlohmann/json.hpp>

#include "api/answer_syntax/syntaxes.h"

namespace cria {

namespace {

const JsonCallKeys kNameArguments{{"name", ""}, {"arguments", "parameters"}};

// A Python literal as JSON: a quoted string, True/False/None, else the text (a number) as is.
nlohmann::json python_value(std::string_view v) {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
        std::string s;
        for (size_t i = 1; i + 1 < v.size(); ++i) {
            if (v[i] == '\\' && i + 2 < v.size()) ++i;
            s += v[i];
        }
        return s;
    }
    if (v == "True") return true;
    if (v == "False") return false;
    if (v == "None") return nullptr;
    const auto number = nlohmann::json::parse(v, nullptr, false);
    return number.is_discarded() ? nlohmann::json(std::string(v)) : number;
}

// Llama 3.x built-in tools' arguments, `key="value", key2=3`, as a JSON object's text.
std::string builtin_call_arguments(std::string_view args) {
    nlohmann::json out = nlohmann::json::object();
    size_t i = 0;
    while (i < args.size()) {
        const size_t eq = args.find('=', i);
        if (eq == std::string_view::npos) break;
        size_t j = eq + 1;
        char quote = 0;
        for (; j < args.size(); ++j) {
            const char c = args[j];
            if (quote != 0 && c == '\\') {
                ++j;
            } else if (quote != 0 && c == quote) {
                quote = 0;
            } else if (quote == 0 && (c == '"' || c == '\'')) {
                quote = c;
            } else if (quote == 0 && c == ',') {
                break;
            }
        }
        std::string_view key = args.substr(i, eq - i);
        while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
        while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
        out[std::string(key)] = python_value(args.substr(eq + 1, j - eq - 1));
        i = j + 1;
    }
    return out.dump();
}

// Reads `[call, call, ...]` at pos() with `keys`. done: past the list (or past the last call of
// a list cut short by the end of a complete text); invalid: no call was read.
Scan read_json_call_list(AnswerParse& p, const JsonCallKeys& keys) {
    p.skip_spaces();
    if (p.at_end()) return p.partial() ? Scan::more : Scan::invalid;
    if (!p.consume("[")) return Scan::invalid;
    bool any = false;
    for (;;) {
        const size_t before = p.pos();
        const Scan s = read_json_call(p, keys);
        if (s == Scan::more) return s;
        if (s == Scan::invalid) {
            p.seek(before);
            return any ? Scan::done : Scan::invalid;
        }
        any = true;
        p.skip_spaces();
        if (p.consume(",")) continue;
        if (p.consume("]")) return Scan::done;
        if (p.at_end() && p.partial()) return Scan::more;
        return Scan::done;
    }
}

// Calls announced by `marker` and written as a JSON list, until `closer` (may be empty); `self`
// is the family's reader, which calls this.
void read_marked_lists(AnswerParse& p, std::string_view marker, std::string_view closer, const JsonCallKeys& keys,
                       AnswerParse::Resume self) {
    for (;;) {
        if (!p.content_until({marker}, self).found()) return;
        const size_t open = p.pos();
        p.consume(marker);
        const Scan s = read_json_call_list(p, keys);
        if (s == Scan::more) return;
        if (s == Scan::invalid) {
            p.keep_as_content(open, marker.size());
            continue;
        }
        p.skip_spaces();
        // Spaces up to the end may go on: the loop's head is not there yet (no checkpoint).
        if (p.at_end() && p.partial()) return;
        if (closer.empty() || p.consume(closer)) continue;
        if (p.could_become(closer)) return;
    }
}

}  // namespace

void read_hermes_calls(AnswerParse& p) {
    for (;;) {
        if (!p.content_until({"<tool_call>"}, read_hermes_calls).found()) return;
        const size_t open = p.pos();
        p.consume("<tool_call>");
        const Scan s = read_json_call(p, kNameArguments);
        if (s == Scan::more) return;
        if (s == Scan::invalid) {
            p.keep_as_content(open, 11);
            continue;
        }
        p.skip_spaces();
        if (p.consume("</tool_call>")) continue;
        if (p.could_become("</tool_call>")) return;
    }
}

void read_generic_calls(AnswerParse& p) {
    // Hermes' tags, which most instruction-tuned models know; anything else is content.
    read_hermes_calls(p);
}

void read_mistral_calls(AnswerParse& p) {
    for (;;) {
        if (!p.content_until({"[TOOL_CALLS]"}, read_mistral_calls).found()) return;
        const size_t open = p.pos();
        p.consume("[TOOL_CALLS]");
        p.skip_spaces();
        if (p.at_end() && p.partial()) return;
        if (p.rest().front() == '[') {  // Nemo: [TOOL_CALLS][{"name": ..., "arguments": ..., "id": ...}]
            const Scan s = read_json_call_list(p, kNameArguments);
            if (s == Scan::more) return;
            if (s == Scan::invalid) p.keep_as_content(open, 12);
            continue;
        }
        std::string name;  // Small 3.2 and later: [TOOL_CALLS]name[ARGS]{...}
        const Scan s = read_call_name(p, "[ARGS]", &name);
        if (s == Scan::more) return;
        if (s == Scan::invalid) {
            p.keep_as_content(open, 12);
            continue;
        }
        p.begin_call(name);
        if (stream_json_arguments(p) == Scan::more) return;
    }
}

void read_llama3_calls(AnswerParse& p) {
    // The whole answer is one call: {"name": ..., "parameters": {...}}, perhaps after <|python_tag|>;
    // or a built-in tool, <|python_tag|>name.call(arg="value", ...).
    p.checkpoint(read_llama3_calls);
    const size_t start = p.pos();
    p.skip_spaces();
    if (p.could_become("<|python_tag|>")) return;
    const bool tagged = p.consume("<|python_tag|>");
    p.skip_spaces();
    if (p.at_end() && p.partial()) return;
    if (!p.at_end() && p.rest().front() == '{') {
        const size_t object = p.pos();
        const Scan s = read_json_call(p, kNameArguments);
        if (s == Scan::more) return;
        if (s == Scan::done) {
            p.skip_spaces();
            if (p.consume(";")) return read_llama3_calls(p);
            if (p.at_end()) return;  // (more may follow: the checkpoint stays before this call)
            read_content_to_end(p);
            return;
        }
        p.seek(object);
    }
    if (tagged) {
        // Code for the built-in interpreter, or name.call(...): known only once complete.
        if (p.partial()) return;
        const std::string code(p.rest());
        const size_t dot = code.find(".call(");
        if (dot != std::string::npos && code.back() == ')' && code.find_first_of(" \n(") > dot) {
            p.begin_call(code.substr(0, dot));
            p.replace_arguments(builtin_call_arguments(code.substr(dot + 6, code.size() - dot - 7)));
        } else {
            p.begin_call("python");
            p.replace_arguments(nlohmann::json{{"code", code}}.dump());
        }
        p.seek(p.text().size());
        return;
    }
    p.seek(start);
    read_content_to_end(p);
}

void read_granite_calls(AnswerParse& p) { read_marked_lists(p, "<|tool_call|>", "", kNameArguments, read_granite_calls); }

void read_command_r7b_calls(AnswerParse& p) {
    // The reply is wrapped in <|START_RESPONSE|> ... <|END_RESPONSE|>; calls are an action list.
    for (;;) {
        const MarkerAt m =
            p.content_until({"<|START_RESPONSE|>", "<|END_RESPONSE|>", "<|START_ACTION|>"}, read_command_r7b_calls);
        if (!m.found()) return;
        if (m.which < 2) {
            p.consume(m.which == 0 ? "<|START_RESPONSE|>" : "<|END_RESPONSE|>");
            continue;
        }
        const size_t open = p.pos();
        p.consume("<|START_ACTION|>");
        const Scan s = read_json_call_list(p, JsonCallKeys{{"tool_name", "name"}, {"parameters", "arguments"}});
        if (s == Scan::more) return;
        if (s == Scan::invalid) {
            p.keep_as_content(open, 16);
            continue;
        }
        p.skip_spaces();
        if (p.consume("<|END_ACTION|>")) continue;
        if (p.could_become("<|END_ACTION|>")) return;
    }
}

namespace {

void read_functionary_v3_2_parts(AnswerParse& p);

// The text of an "all" part, up to the next ">>>" (where a reading resumes inside it).
void read_functionary_v3_2_text(AnswerParse& p) {
    if (p.content_until({">>>"}, read_functionary_v3_2_text).found()) read_functionary_v3_2_parts(p);
}

// One part at pos() ("name\n" then JSON arguments, or "all\n" then text), after its ">>>"
// (none before the first part: the prompt ends with it). False when the answer ends here.
bool read_functionary_v3_2_part(AnswerParse& p, size_t open) {
    std::string name;
    const Scan s = read_call_name(p, "\n", &name);
    if (s == Scan::more) return false;
    if (s == Scan::invalid) {
        p.seek(open);
        // The first part's ">>>" is optional: while the text could still become one, this
        // reading is not final, so it leaves no checkpoint.
        if (p.could_become(">>>")) {
            p.content_until({});
        } else {
            read_content_to_end(p);
        }
        return false;
    }
    if (name == "all") return p.content_until({">>>"}, read_functionary_v3_2_text).found();
    p.begin_call(name);
    if (stream_json_arguments(p) != Scan::done) return false;
    p.skip_spaces();
    if (p.could_become(">>>")) return false;
    if (!p.rest().empty() && p.rest().substr(0, 3) != ">>>") {
        read_content_to_end(p);
        return false;
    }
    return true;
}

// The parts after the first, each starting with ">>>".
void read_functionary_v3_2_parts(AnswerParse& p) {
    for (;;) {
        p.checkpoint(read_functionary_v3_2_parts);
        const size_t open = p.pos();
        if (!p.consume(">>>")) return;
        if (!read_functionary_v3_2_part(p, open)) return;
    }
}

}  // namespace

void read_functionary_v3_2_calls(AnswerParse& p) {
    // The prompt ends with ">>>": the answer is "name\n" then JSON arguments, or "all\n" then text;
    // each next part starts with ">>>".
    const size_t open = p.pos();
    p.consume(">>>");
    if (read_functionary_v3_2_part(p, open)) read_functionary_v3_2_parts(p);
}

}  // namespace cria
