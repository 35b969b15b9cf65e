// JSON read as it is generated: values are scanned (not built) so that a call's arguments can be
// passed on byte by byte; only names and keys are decoded.
#include <vector>

#include <nlohmann/json.hpp>

#include "api/answer_syntax/answer_parse.h"
#include "api/json_fields.h"

namespace cria {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

size_t skip_spaces(std::string_view t, size_t i) {
    while (i < t.size() && is_space(t[i])) ++i;
    return i;
}

// Past a string's closing quote, or npos when the text ends inside it.
size_t string_end(std::string_view t, size_t open) {
    for (size_t i = open + 1; i < t.size(); ++i) {
        if (t[i] == '\\') {
            ++i;
        } else if (t[i] == '"') {
            return i + 1;
        }
    }
    return std::string_view::npos;
}

bool scalar_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' || c == '.' || c == 'E';
}

}  // namespace

Scan scan_json_value(std::string_view t, size_t from, bool partial, size_t* end) {
    size_t i = skip_spaces(t, from);
    *end = t.size();
    if (i >= t.size()) return partial ? Scan::more : Scan::invalid;
    std::vector<char> open;  // the closers expected, innermost last
    for (;;) {
        if (i >= t.size()) return Scan::more;
        const char c = t[i];
        if (c == '"') {
            const size_t e = string_end(t, i);
            if (e == std::string_view::npos) return Scan::more;
            i = e;
        } else if (c == '{' || c == '[') {
            if (open.size() >= kMaxJsonDepthLimit) return Scan::invalid;
            open.push_back(c == '{' ? '}' : ']');
            ++i;
        } else if (c == '}' || c == ']') {
            if (open.empty() || open.back() != c) return Scan::invalid;
            open.pop_back();
            ++i;
        } else if (is_space(c) || c == ',' || c == ':') {
            if (open.empty()) return Scan::invalid;
            ++i;
        } else if (scalar_char(c)) {
            size_t e = i;
            while (e < t.size() && scalar_char(t[e])) ++e;
            if (open.empty() && e == t.size() && partial) return Scan::more;
            const auto v = nlohmann::json::parse(t.substr(i, e - i), nullptr, false);
            if (v.is_discarded() && !(e == t.size() && partial)) return Scan::invalid;
            i = e;
        } else {
            return Scan::invalid;
        }
        if (open.empty()) {
            *end = i;
            return Scan::done;
        }
    }
}

Scan read_json_string(std::string_view t, size_t from, std::string* value, size_t* end) {
    if (from >= t.size()) return Scan::more;
    if (t[from] != '"') return Scan::invalid;
    const size_t e = string_end(t, from);
    if (e == std::string_view::npos) return Scan::more;
    const auto v = nlohmann::json::parse(t.substr(from, e - from), nullptr, false);
    if (!v.is_string()) return Scan::invalid;
    *value = v.get<std::string>();
    *end = e;
    return Scan::done;
}

Scan stream_json_arguments(AnswerParse& p, ToolCall& call) {
    const size_t from = p.pos();
    size_t end = 0;
    const Scan s = scan_json_value(p.text(), from, p.partial(), &end);
    if (s == Scan::invalid) return s;
    const size_t start = p.text().find_first_not_of(" \t\r\n", from);
    if (start != std::string_view::npos && p.text()[start] == '"') {
        // Arguments given as a JSON string hold JSON text: passed on once decoded, whole.
        if (s == Scan::more) return s;
        const auto v = nlohmann::json::parse(p.text().substr(start, end - start), nullptr, false);
        call.arguments = v.is_string() ? v.get<std::string>() : "{}";
    } else if (start != std::string_view::npos) {
        call.arguments.assign(p.text().substr(start, end - start));
    }
    p.seek(end);
    return s;
}

namespace {

bool one_of(const std::string& key, const std::array<std::string_view, 2>& keys) {
    for (std::string_view k : keys) {
        if (!k.empty() && key == k) return true;
    }
    return false;
}

// Reads one member's key and colon at i; *key and *i updated.
Scan read_key(std::string_view t, size_t* i, std::string* key) {
    size_t e = 0;
    const Scan s = read_json_string(t, skip_spaces(t, *i), key, &e);
    if (s != Scan::done) return s;
    e = skip_spaces(t, e);
    if (e >= t.size()) return Scan::more;
    if (t[e] != ':') return Scan::invalid;
    *i = e + 1;
    return Scan::done;
}

}  // namespace

Scan read_json_call(AnswerParse& p, const JsonCallKeys& keys) {
    const std::string_view t = p.text();
    const size_t start = p.pos();
    size_t i = skip_spaces(t, start);
    if (i >= t.size()) return p.partial() ? Scan::more : Scan::invalid;
    if (t[i] != '{') return Scan::invalid;
    ++i;
    std::string name;
    std::string early_arguments;  // arguments written before the name
    bool began = false;
    for (;;) {
        std::string key;
        Scan s = read_key(t, &i, &key);
        if (s != Scan::done) return began ? s : (s == Scan::more && p.partial() ? Scan::more : Scan::invalid);
        size_t e = 0;
        if (one_of(key, keys.name) && !began) {
            s = read_json_string(t, skip_spaces(t, i), &name, &e);
        } else if (one_of(key, keys.arguments) && !name.empty() && !began) {
            // Arguments already known to be malformed (or too deep) leave the whole text content;
            // arguments that only turn out malformed later end a call that has begun.
            size_t ignored = 0;
            if (scan_json_value(t, i, p.partial(), &ignored) == Scan::invalid) return Scan::invalid;
            ToolCall& call = p.begin_call(name);
            began = true;
            p.seek(i);
            s = stream_json_arguments(p, call);
            if (s != Scan::done) return s;
            e = p.pos();
        } else {
            s = scan_json_value(t, i, true, &e);
            if (s == Scan::done && one_of(key, keys.arguments)) early_arguments.assign(t.substr(i, e - i));
        }
        if (s != Scan::done) return began ? s : (s == Scan::more && p.partial() ? Scan::more : Scan::invalid);
        i = skip_spaces(t, e);
        if (i >= t.size()) break;
        if (t[i] == ',') {
            ++i;
            continue;
        }
        if (t[i] != '}') return began ? Scan::done : Scan::invalid;
        ++i;
        if (!began && name.empty()) return Scan::invalid;
        if (!began) {
            ToolCall& call = p.begin_call(name);
            AnswerParse whole(early_arguments.empty() ? std::string_view("{}") : std::string_view(early_arguments), false);
            stream_json_arguments(whole, call);
        }
        p.seek(i);
        return Scan::done;
    }
    if (began) {
        p.seek(t.size());
        return p.partial() ? Scan::more : Scan::done;
    }
    return p.partial() ? Scan::more : Scan::invalid;
}

}  // namespace cria
