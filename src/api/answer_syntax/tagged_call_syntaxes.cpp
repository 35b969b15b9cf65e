// Families that write a call's name between markers and its arguments as JSON.
#include <nlohmann/json.hpp>

#include "api/answer_syntax/syntaxes.h"

namespace cria {

namespace {

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == ':';
}

constexpr size_t kMaxNameBytes = 128;

// One call: `begin` (consumed by the caller), the name up to `separator`, JSON arguments, then
// `end`. The name passes through `fix` (Kimi's "functions.name:0"). Returns like read_json_call.
template <typename Fix>
Scan read_tagged_call(AnswerParse& p, std::string_view separator, std::string_view before_args, std::string_view after_args,
                      std::string_view end, Fix fix) {
    std::string name;
    Scan s = read_call_name(p, separator, &name);
    if (s != Scan::done) return s;
    p.skip_spaces();
    if (!before_args.empty() && !p.consume(before_args)) {
        if (p.could_become(before_args)) return Scan::more;
        return Scan::invalid;
    }
    p.begin_call(fix(name));
    s = stream_json_arguments(p);
    if (s == Scan::invalid && p.arguments_size() == 0) p.replace_arguments("{}");  // the call began: it stays one
    if (s != Scan::done) return s == Scan::invalid ? Scan::done : s;
    p.skip_spaces();
    for (std::string_view closer : {after_args, end}) {
        if (closer.empty()) continue;
        if (p.consume(closer)) {
            p.skip_spaces();
            continue;
        }
        if (p.could_become(closer)) return Scan::more;
    }
    // Spaces up to the end may go on: the caller's loop head is not there yet.
    return p.at_end() && p.partial() ? Scan::more : Scan::done;
}

std::string same(const std::string& name) { return name; }

// The loop every tagged family shares: content up to a call's `begin` (section markers in
// `dropped` vanish), then the call. `self` is the family's reader, which calls this.
template <typename ReadCall>
void read_tagged_calls(AnswerParse& p, std::string_view begin, std::initializer_list<std::string_view> dropped, ReadCall read,
                       AnswerParse::Resume self) {
    for (;;) {
        MarkerAt m;
        if (dropped.size() == 0) {
            m = p.content_until({begin}, self);
        } else if (dropped.size() == 2) {
            m = p.content_until({begin, *dropped.begin(), *(dropped.begin() + 1)}, self);
        } else {
            m = p.content_until({begin, *dropped.begin()}, self);
        }
        if (!m.found()) return;
        if (m.which > 0) {
            p.consume(*(dropped.begin() + (m.which - 1)));
            continue;
        }
        const size_t open = p.pos();
        p.consume(begin);
        const Scan s = read(p);
        if (s == Scan::more) return;
        if (s == Scan::invalid) p.keep_as_content(open, begin.size());
    }
}

}  // namespace

Scan read_call_name(AnswerParse& p, std::string_view separator, std::string* name) {
    const std::string_view rest = p.rest();
    size_t n = 0;
    while (n < rest.size() && n <= kMaxNameBytes && name_char(rest[n])) ++n;
    if (n > kMaxNameBytes) return Scan::invalid;
    const std::string_view after = rest.substr(n);
    if (n > 0 && after.substr(0, separator.size()) == separator) {
        name->assign(rest.substr(0, n));
        p.seek(p.pos() + n + separator.size());
        return Scan::done;
    }
    const bool could = after.size() < separator.size() && separator.substr(0, after.size()) == after;
    return could && p.partial() ? Scan::more : Scan::invalid;
}

void read_deepseek_r1_calls(AnswerParse& p) {
    // <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>name\n```json\n{...}\n```<｜tool▁call▁end｜>...<｜tool▁calls▁end｜>
    read_tagged_calls(p, "<｜tool▁call▁begin｜>", {"<｜tool▁calls▁begin｜>", "<｜tool▁calls▁end｜>"}, [](AnswerParse& q) {
        if (!q.consume("function<｜tool▁sep｜>")) {
            if (q.could_become("function<｜tool▁sep｜>")) return Scan::more;
            return Scan::invalid;
        }
        return read_tagged_call(q, "\n", "```json", "```", "<｜tool▁call▁end｜>", same);
    }, read_deepseek_r1_calls);
}

void read_deepseek_v3_1_calls(AnswerParse& p) {
    // <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>name<｜tool▁sep｜>{...}<｜tool▁call▁end｜><｜tool▁calls▁end｜>
    read_tagged_calls(p, "<｜tool▁call▁begin｜>", {"<｜tool▁calls▁begin｜>", "<｜tool▁calls▁end｜>"}, [](AnswerParse& q) {
        return read_tagged_call(q, "<｜tool▁sep｜>", "", "", "<｜tool▁call▁end｜>", same);
    }, read_deepseek_v3_1_calls);
}

void read_kimi_k2_calls(AnswerParse& p) {
    // <|tool_calls_section_begin|><|tool_call_begin|>functions.name:0<|tool_call_argument_begin|>{...}<|tool_call_end|>
    const auto fix = [](const std::string& id) {
        std::string name = id.rfind("functions.", 0) == 0 ? id.substr(10) : id;
        const size_t colon = name.rfind(':');
        return colon == std::string::npos ? name : name.substr(0, colon);
    };
    read_tagged_calls(p, "<|tool_call_begin|>", {"<|tool_calls_section_begin|>", "<|tool_calls_section_end|>"},
                      [&fix](AnswerParse& q) {
                          return read_tagged_call(q, "<|tool_call_argument_begin|>", "", "", "<|tool_call_end|>", fix);
                      },
                      read_kimi_k2_calls);
}

void read_functionary_v3_1_calls(AnswerParse& p) {
    // <function=name>{...}</function>
    read_tagged_calls(p, "<function=", {}, [](AnswerParse& q) {
        return read_tagged_call(q, ">", "", "", "</function>", same);
    }, read_functionary_v3_1_calls);
}

}  // namespace cria
