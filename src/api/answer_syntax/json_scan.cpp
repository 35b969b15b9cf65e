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

namespace {

// Reads the rest of a string whose opening quote was read; false when the text ends first.
bool finish_string(std::string_view t, size_t* i) {
    while (*i < t.size()) {
        const char c = t[*i];
        if (c == '\\') {
            if (*i + 1 >= t.size()) return false;
            *i += 2;
        } else {
            ++*i;
            if (c == '"') return true;
        }
    }
    return false;
}

// One step of the scan at m.i: a token (a whole string, bracket, separator or scalar).
// more: the text ends before the token does (m.i stays at its start, or inside a string).
Scan scan_token(std::string_view t, bool partial, JsonScanMemo& m) {
    if (m.in_string) {
        if (!finish_string(t, &m.i)) return Scan::more;
        m.in_string = false;
        return Scan::done;
    }
    if (m.i >= t.size()) return Scan::more;
    const char c = t[m.i];
    if (c == '"') {
        m.in_string = true;
        ++m.i;
        return scan_token(t, partial, m);
    }
    if (c == '{' || c == '[') {
        if (m.open.size() >= kMaxJsonDepthLimit) return Scan::invalid;
        m.open.push_back(c == '{' ? '}' : ']');
    } else if (c == '}' || c == ']') {
        if (m.open.empty() || m.open.back() != c) return Scan::invalid;
        m.open.pop_back();
    } else if (is_space(c) || c == ',' || c == ':') {
        if (m.open.empty()) return Scan::invalid;
    } else if (scalar_char(c)) {
        size_t e = m.i;
        while (e < t.size() && scalar_char(t[e])) ++e;
        if (e == t.size() && partial) return Scan::more;  // the scalar may go on
        const auto v = nlohmann::json::parse(t.substr(m.i, e - m.i), nullptr, false);
        if (v.is_discarded()) return Scan::invalid;
        m.i = e;
        return Scan::done;
    } else {
        return Scan::invalid;
    }
    ++m.i;
    return Scan::done;
}

}  // namespace

Scan scan_json_value(std::string_view t, size_t from, bool partial, size_t* end, JsonScanMemo* memo, size_t* scanned) {
    JsonScanMemo& m = *memo;
    if (m.result != Scan::more) {
        *end = m.end;
        return m.result;
    }
    *end = t.size();
    if (!m.started) {
        const size_t i = skip_spaces(t, from);
        *scanned += i - from + 1;
        if (i >= t.size()) return partial ? Scan::more : Scan::invalid;
        m.started = true;
        m.i = i;
    }
    const size_t begin = m.i;
    Scan s = Scan::done;
    do {
        s = scan_token(t, partial, m);
    } while (s == Scan::done && !m.open.empty() && !m.in_string);
    *scanned += m.i - begin + 1;
    if (s == Scan::more) return s;
    m.result = s;
    m.end = m.i;
    *end = s == Scan::done ? m.i : t.size();
    return s;
}

Scan scan_json_value(std::string_view t, size_t from, bool partial, size_t* end) {
    JsonScanMemo memo;
    size_t scanned = 0;
    return scan_json_value(t, from, partial, end, &memo, &scanned);
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

Scan AnswerParse::scan_json(size_t from, bool partial, size_t* end) {
    JsonScanMemo* memo = nullptr;
    for (auto& m : json_memos_) {
        if (m.from == from) memo = &m;
    }
    if (memo == nullptr) {
        json_memos_.emplace_back();
        memo = &json_memos_.back();
        memo->from = from;
    }
    return scan_json_value(text_, from, partial, end, memo, &scanned_);
}

Scan AnswerParse::read_json_string(size_t from, std::string* value, size_t* end) {
    const Scan s = cria::read_json_string(text_, from, value, end);
    count_scanned(s == Scan::done ? *end - from : text_.size() - std::min(from, text_.size()));
    return s;
}

namespace {

// What a call's arguments are, given as the complete JSON value `text`: an object's text as it
// is, or the JSON text a JSON string holds.
std::string complete_arguments(std::string_view text) {
    const size_t start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return "";
    const size_t stop = text.find_last_not_of(" \t\r\n") + 1;
    if (text[start] != '"') return std::string(text.substr(start, stop - start));
    const auto v = nlohmann::json::parse(text.substr(start, stop - start), nullptr, false);
    return v.is_string() ? v.get<std::string>() : "{}";
}

}  // namespace

Scan stream_json_arguments(AnswerParse& p) {
    const size_t from = p.pos();
    size_t end = 0;
    const Scan s = p.scan_json(from, p.partial(), &end);
    if (s == Scan::invalid) return s;
    size_t start = from;
    while (start < end && (p.text()[start] == ' ' || p.text()[start] == '\t' || p.text()[start] == '\r' ||
                           p.text()[start] == '\n')) {
        ++start;
    }
    p.count_scanned(start - from);
    if (start < end && p.text()[start] == '"') {
        // Arguments given as a JSON string hold JSON text: passed on once decoded, whole.
        if (s == Scan::more) return s;
        p.replace_arguments(complete_arguments(p.text().substr(start, end - start)));
    } else if (start < end) {
        p.set_arguments(p.text().substr(start, end - start));
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
Scan read_key(AnswerParse& p, size_t* i, std::string* key) {
    const std::string_view t = p.text();
    size_t e = 0;
    const Scan s = p.read_json_string(skip_spaces(t, *i), key, &e);
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
        Scan s = read_key(p, &i, &key);
        if (s != Scan::done) return began ? s : (s == Scan::more && p.partial() ? Scan::more : Scan::invalid);
        size_t e = 0;
        if (one_of(key, keys.name) && !began) {
            s = p.read_json_string(skip_spaces(t, i), &name, &e);
        } else if (one_of(key, keys.arguments) && !name.empty() && !began) {
            // Arguments already known to be malformed (or too deep) leave the whole text content;
            // arguments that only turn out malformed later end a call that has begun.
            size_t ignored = 0;
            if (p.scan_json(i, p.partial(), &ignored) == Scan::invalid) return Scan::invalid;
            p.begin_call(name);
            began = true;
            p.seek(i);
            s = stream_json_arguments(p);
            if (s != Scan::done) return s;
            e = p.pos();
        } else {
            s = p.scan_json(i, true, &e);
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
            p.begin_call(name);
            p.replace_arguments(complete_arguments(early_arguments.empty() ? std::string_view("{}") : early_arguments));
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
