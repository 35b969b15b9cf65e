// Families that write each argument as its own element; the arguments are passed on as a JSON
// object that grows by one member per element read ("{", then "{\"a\": 1", ..., then "}").
#include <nlohmann/json.hpp>

#include "api/answer_syntax/syntaxes.h"

namespace cria {

namespace {

// An element's text as a JSON value. The offered tool's schema decides: a "string" parameter
// stays a string (even "42" or "{}"), other types are read as JSON (a string when that fails);
// a parameter the schema does not type is JSON where it reads as JSON, else a string.
std::string value_json(AnswerParse& p, const std::string& key, std::string_view text) {
    std::string type;
    if (const auto& types = p.options().parameter_types) {
        const auto tool = types->find(p.call_name());
        if (tool != types->end()) {
            const auto param = tool->second.find(key);
            if (param != tool->second.end()) type = param->second;
        }
    }
    if (type == "string") return nlohmann::json(std::string(text)).dump();
    const auto v = nlohmann::json::parse(text, nullptr, false);
    if (!v.is_discarded()) return v.dump();
    return nlohmann::json(std::string(text)).dump();
}

void add_member(AnswerParse& p, const std::string& key, std::string_view value) {
    p.add_arguments((p.arguments_size() > 1 ? ", " : "") + nlohmann::json(key).dump() + ": " + value_json(p, key, value));
}

// Text up to `closer` (consumed), in *value. more: the closer has not come yet.
Scan read_until(AnswerParse& p, std::string_view closer, std::string_view* value) {
    const MarkerAt m = p.find({closer});
    if (!m.found()) {
        if (p.partial()) return Scan::more;
        *value = p.rest();
        p.seek(p.text().size());
        return Scan::done;
    }
    *value = p.text().substr(p.pos(), m.at - p.pos());
    p.seek(m.at + closer.size());
    return Scan::done;
}

std::string_view strip_newlines(std::string_view v) {
    if (!v.empty() && v.front() == '\n') v.remove_prefix(1);
    if (!v.empty() && v.back() == '\n') v.remove_suffix(1);
    return v;
}

struct ElementTags {
    std::string_view key_open, key_close, value_open, value_close, end;
};

// The elements of one call, then `end` (consumed). The call has begun with "{". A reading
// resumes at each element by calling `resume`.
Scan read_elements(AnswerParse& p, const ElementTags& tags, AnswerParse::Resume resume) {
    for (;;) {
        p.checkpoint(resume);
        p.skip_spaces();
        if (p.consume(tags.end)) {
            p.add_arguments("}");
            return Scan::done;
        }
        if (p.could_become(tags.end) || p.could_become(tags.key_open)) return Scan::more;
        if (!p.consume(tags.key_open)) break;
        std::string_view key;
        std::string_view value;
        if (read_until(p, tags.key_close, &key) == Scan::more) return Scan::more;
        if (!tags.value_open.empty()) {
            p.skip_spaces();
            if (p.could_become(tags.value_open)) return Scan::more;
            if (!p.consume(tags.value_open)) break;
        }
        if (read_until(p, tags.value_close, &value) == Scan::more) return Scan::more;
        add_member(p, std::string(key), strip_newlines(value));
    }
    if (p.partial() && p.at_end()) return Scan::more;
    p.add_arguments("}");  // ended without its closer: the call is what was read
    return Scan::done;
}

constexpr ElementTags kQwenTags{"<parameter=", ">", "", "</parameter>", "</function>"};
constexpr ElementTags kGlmTags{"<arg_key>", "</arg_key>", "<arg_value>", "</arg_value>", "</tool_call>"};

// After a Qwen3-Coder call's </function>: its </tool_call>. False when more text must come.
bool past_qwen3_coder_call(AnswerParse& p) {
    p.skip_spaces();
    return p.consume("</tool_call>") || !p.could_become("</tool_call>");
}

void resume_qwen3_coder_elements(AnswerParse& p) {
    if (read_elements(p, kQwenTags, resume_qwen3_coder_elements) == Scan::more) return;
    if (past_qwen3_coder_call(p)) read_qwen3_coder_calls(p);
}

void resume_glm_4_5_elements(AnswerParse& p) {
    if (read_elements(p, kGlmTags, resume_glm_4_5_elements) == Scan::more) return;
    read_glm_4_5_calls(p);
}

}  // namespace

void read_qwen3_coder_calls(AnswerParse& p) {
    // <tool_call>\n<function=name>\n<parameter=key>\nvalue\n</parameter>\n</function>\n</tool_call>
    for (;;) {
        if (!p.content_until({"<tool_call>"}, read_qwen3_coder_calls).found()) return;
        const size_t open = p.pos();
        p.consume("<tool_call>");
        p.skip_spaces();
        if (p.could_become("<function=")) return;
        std::string name;
        const Scan named = p.consume("<function=") ? read_call_name(p, ">", &name) : Scan::invalid;
        if (named == Scan::more) return;
        if (named == Scan::invalid) {
            p.keep_as_content(open, 11);
            continue;
        }
        p.begin_call(name);
        p.set_arguments("{");
        if (read_elements(p, kQwenTags, resume_qwen3_coder_elements) == Scan::more) return;
        if (!past_qwen3_coder_call(p)) return;
    }
}

void read_glm_4_5_calls(AnswerParse& p) {
    // <tool_call>name\n<arg_key>key</arg_key>\n<arg_value>value</arg_value>\n</tool_call>
    for (;;) {
        if (!p.content_until({"<tool_call>"}, read_glm_4_5_calls).found()) return;
        const size_t open = p.pos();
        p.consume("<tool_call>");
        const std::string_view rest = p.rest();
        const size_t name_end = rest.find_first_of("\n<");
        p.count_scanned(name_end == std::string_view::npos ? rest.size() : name_end);
        if (name_end == std::string_view::npos) {
            if (p.partial() && rest.size() <= 128) return;
            p.keep_as_content(open, 11);
            continue;
        }
        std::string name(rest.substr(0, name_end));
        while (!name.empty() && (name.back() == ' ' || name.back() == '\r')) name.pop_back();
        if (name.empty() || name.find_first_of(" \t{") != std::string::npos) {
            p.keep_as_content(open, 11);
            continue;
        }
        p.seek(p.pos() + name_end);
        p.begin_call(name);
        p.set_arguments("{");
        if (read_elements(p, kGlmTags, resume_glm_4_5_elements) == Scan::more) return;
    }
}

}  // namespace cria
