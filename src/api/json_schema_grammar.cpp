#include "api/json_schema_grammar.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "api/api_error.h"
#include "util/utf8.h"

namespace cria {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kParam = "json_schema";
constexpr int kMaxDepth = 64;
constexpr uint64_t kMaxRepeat = 4096;
constexpr uint32_t kMaxCodepoint = 0x10FFFF;

[[noreturn]] void fail(const std::string& message) { throw invalid_request("json_schema: " + message, kParam); }

// ---- text helpers ----------------------------------------------------------------------------

std::string hex(uint32_t value, int digits) {
    static const char* kDigits = "0123456789ABCDEF";
    std::string out(static_cast<size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i) {
        out[static_cast<size_t>(i)] = kDigits[value & 0xF];
        value >>= 4;
    }
    return out;
}

// A GBNF string literal matching exactly `bytes`.
std::string gbnf_literal(const std::string& bytes) {
    std::string out = "\"";
    for (const char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    out += "\\x" + hex(c, 2);
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

std::vector<uint32_t> decode_utf8(const std::string& text) {
    std::vector<uint32_t> out;
    size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        int extra = 0;
        uint32_t cp = 0;
        if (c < 0x80) {
            cp = c;
        } else if ((c & 0xE0) == 0xC0) {
            cp = c & 0x1F;
            extra = 1;
        } else if ((c & 0xF0) == 0xE0) {
            cp = c & 0x0F;
            extra = 2;
        } else if ((c & 0xF8) == 0xF0) {
            cp = c & 0x07;
            extra = 3;
        } else {
            fail("pattern is not valid UTF-8");
        }
        if (i + static_cast<size_t>(extra) >= text.size() && extra > 0) fail("pattern is not valid UTF-8");
        for (int k = 1; k <= extra; ++k) {
            const auto cc = static_cast<unsigned char>(text[i + static_cast<size_t>(k)]);
            if ((cc & 0xC0) != 0x80) fail("pattern is not valid UTF-8");
            cp = (cp << 6) | (cc & 0x3F);
        }
        out.push_back(cp);
        i += 1 + static_cast<size_t>(extra);
    }
    return out;
}

// The bytes JSON text uses for one code point inside a string literal.
std::string json_encoded(uint32_t cp) {
    switch (cp) {
        case '"': return "\\\"";
        case '\\': return "\\\\";
        case '\n': return "\\n";
        case '\r': return "\\r";
        case '\t': return "\\t";
        case '\b': return "\\b";
        case '\f': return "\\f";
        default: break;
    }
    if (cp < 0x20) return "\\u" + hex(cp, 4);
    std::string out;
    append_utf8(out, cp);
    return out;
}

std::string sanitize_name(const std::string& hint) {
    std::string out;
    for (const char c : hint) {
        const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (word) {
            out += c;
        } else if (!out.empty() && out.back() != '-') {
            out += '-';
        }
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out.empty() ? "r" : out;
}

std::string in_quotes(const std::string& s) { return "'" + s + "'"; }

// ---- character sets and regex patterns -------------------------------------------------------

using Ranges = std::vector<std::pair<uint32_t, uint32_t>>;

Ranges normalized(Ranges r) {
    std::sort(r.begin(), r.end());
    Ranges out;
    for (const auto& [lo, hi] : r) {
        if (!out.empty() && lo <= out.back().second + 1) {
            out.back().second = std::max(out.back().second, hi);
        } else {
            out.emplace_back(lo, hi);
        }
    }
    return out;
}

Ranges complement(const Ranges& r) {
    Ranges out;
    uint32_t next = 0;
    for (const auto& [lo, hi] : normalized(r)) {
        if (lo > next) out.emplace_back(next, lo - 1);
        next = hi + 1;
    }
    if (next <= kMaxCodepoint) out.emplace_back(next, kMaxCodepoint);
    return out;
}

bool contains(const Ranges& r, uint32_t cp) {
    return std::any_of(r.begin(), r.end(), [cp](const auto& p) { return p.first <= cp && cp <= p.second; });
}

Ranges digit_ranges() { return {{'0', '9'}}; }
Ranges word_ranges() { return {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}; }
Ranges space_ranges() {
    return {{'\t', '\r'}, {' ', ' '},         {0xA0, 0xA0},     {0x1680, 0x1680}, {0x2000, 0x200A},
            {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}};
}

std::string class_char(uint32_t cp) {
    if (cp >= 0x20 && cp < 0x7F && cp != '\\' && cp != ']' && cp != '[' && cp != '-' && cp != '^' && cp != '"') {
        return std::string(1, static_cast<char>(cp));
    }
    if (cp < 0x80) return "\\x" + hex(cp, 2);
    if (cp <= 0xFFFF) return "\\u" + hex(cp, 4);
    return "\\U" + hex(cp, 8);
}

// GBNF for one character of a JSON string's content, drawn from `set` (code points of the decoded
// string). Characters JSON must escape are emitted escaped; control characters other than \t \n
// \r \b \f are left out (the grammar may be narrower than the schema, never wider).
std::string char_set_expr(const Ranges& set_in) {
    const Ranges set = normalized(set_in);
    Ranges plain;
    for (const auto& [lo, hi] : set) {
        // split out 0x00-0x1F, '"' and '\\'
        uint32_t start = std::max<uint32_t>(lo, 0x20);
        for (uint32_t cut : {static_cast<uint32_t>('"'), static_cast<uint32_t>('\\')}) {
            if (start <= cut && cut <= hi) {
                if (start < cut) plain.emplace_back(start, cut - 1);
                start = cut + 1;
            }
        }
        if (start <= hi && hi >= 0x20) plain.emplace_back(start, hi);
    }
    std::vector<std::string> alts;
    if (!plain.empty()) {
        std::string cls = "[";
        for (const auto& [lo, hi] : plain) {
            cls += class_char(lo);
            if (hi != lo) cls += "-" + class_char(hi);
        }
        alts.push_back(cls + "]");
    }
    for (uint32_t special : {0x22u, 0x5Cu, 0x09u, 0x0Au, 0x0Du, 0x08u, 0x0Cu}) {
        if (contains(set, special)) alts.push_back(gbnf_literal(json_encoded(special)));
    }
    if (alts.empty()) fail("pattern: a character class matches no character");
    if (alts.size() == 1) return alts[0];
    std::string out = "(";
    for (size_t i = 0; i < alts.size(); ++i) out += (i ? " | " : "") + alts[i];
    return out + ")";
}

// Translates an ECMAScript regex (the subset documented in the header) into a GBNF expression for
// the content of a JSON string, with JSON Schema's search semantics (unanchored ends match any
// text).
class PatternConverter {
public:
    explicit PatternConverter(const std::string& pattern) : cps_(decode_utf8(pattern)) {}

    std::string convert() {
        std::vector<std::string> branches;
        while (true) {
            bool start_anchor = false;
            if (peek('^')) {
                start_anchor = true;
                ++pos_;
            }
            bool end_anchor = false;
            std::string seq = sequence(true, end_anchor);
            std::string branch;
            if (!start_anchor) branch += "char* ";
            branch += seq;
            if (!end_anchor) branch += " char*";
            branches.push_back(branch);
            if (at_end()) break;
            if (peek('|')) {
                ++pos_;
                continue;
            }
            if (peek(')')) fail("pattern: unbalanced ')'");
            fail("pattern: unexpected character");
        }
        if (branches.size() == 1) return branches[0];
        std::string out = "(";
        for (size_t i = 0; i < branches.size(); ++i) out += (i ? " | " : "") + branches[i];
        return out + ")";
    }

private:
    std::vector<uint32_t> cps_;
    size_t pos_ = 0;
    int depth_ = 0;

    bool at_end() const { return pos_ >= cps_.size(); }
    bool peek(uint32_t c) const { return !at_end() && cps_[pos_] == c; }
    uint32_t next() {
        if (at_end()) fail("pattern: unexpected end");
        return cps_[pos_++];
    }

    std::string alternation() {
        std::vector<std::string> alts;
        bool unused = false;
        alts.push_back(sequence(false, unused));
        while (peek('|')) {
            ++pos_;
            alts.push_back(sequence(false, unused));
        }
        if (alts.size() == 1) return alts[0];
        std::string out;
        for (size_t i = 0; i < alts.size(); ++i) out += (i ? " | " : "") + alts[i];
        return out;
    }

    // A concatenation up to '|', ')' or the end. At the top level a trailing '$' sets end_anchor.
    std::string sequence(bool top, bool& end_anchor) {
        std::vector<std::string> items;
        while (!at_end() && !peek('|') && !peek(')')) {
            if (peek('$')) {
                const bool last = pos_ + 1 == cps_.size() || cps_[pos_ + 1] == '|';
                if (!top || !last) fail("pattern: the anchor '$' is supported only at the end of the pattern");
                ++pos_;
                end_anchor = true;
                break;
            }
            if (peek('^')) fail("pattern: the anchor '^' is supported only at the start of the pattern");
            std::string atom_expr = atom();
            items.push_back(quantified(atom_expr));
        }
        if (items.empty()) return "\"\"";
        std::string out;
        for (size_t i = 0; i < items.size(); ++i) out += (i ? " " : "") + items[i];
        return out;
    }

    bool read_number(uint64_t& value) {
        const size_t start = pos_;
        value = 0;
        while (!at_end() && cps_[pos_] >= '0' && cps_[pos_] <= '9') {
            value = std::min<uint64_t>(value * 10 + (cps_[pos_] - '0'), 1ULL << 40);
            ++pos_;
        }
        return pos_ > start;
    }

    // Tries to read {m}, {m,} or {m,n} at pos_; leaves pos_ untouched when it is not one.
    bool braces(uint64_t& lo, uint64_t& hi, bool& unbounded) {
        const size_t save = pos_;
        if (!peek('{')) return false;
        ++pos_;
        if (!read_number(lo)) {
            pos_ = save;
            return false;
        }
        unbounded = false;
        hi = lo;
        if (peek(',')) {
            ++pos_;
            if (!read_number(hi)) unbounded = true;
        }
        if (!peek('}')) {
            pos_ = save;
            return false;
        }
        ++pos_;
        return true;
    }

    std::string quantified(const std::string& atom_expr) {
        std::string suffix;
        uint64_t lo = 0;
        uint64_t hi = 0;
        bool unbounded = false;
        if (peek('*') || peek('+') || peek('?')) {
            suffix = std::string(1, static_cast<char>(next()));
        } else if (braces(lo, hi, unbounded)) {
            if (!unbounded && hi < lo) fail("pattern: quantifier {m,n} with n < m");
            if (lo > kMaxRepeat || (!unbounded && hi > kMaxRepeat)) {
                fail("pattern: repetition counts above " + std::to_string(kMaxRepeat) + " are not supported");
            }
            suffix = "{" + std::to_string(lo) + (unbounded ? "," : (hi != lo ? "," + std::to_string(hi) : "")) + "}";
        } else {
            return atom_expr;
        }
        if (peek('?')) ++pos_;  // lazy: same set of matched strings
        uint64_t a = 0;
        uint64_t b = 0;
        bool c = false;
        if (peek('*') || peek('+') || peek('?') || braces(a, b, c)) fail("pattern: a quantifier cannot follow a quantifier");
        return "(" + atom_expr + ")" + suffix;
    }

    // An escape after '\' that stands for a set (\d \w \s and negations); returns false otherwise.
    bool class_escape(uint32_t c, Ranges& out) {
        switch (c) {
            case 'd': out = digit_ranges(); return true;
            case 'w': out = word_ranges(); return true;
            case 's': out = space_ranges(); return true;
            case 'D': out = complement(digit_ranges()); return true;
            case 'W': out = complement(word_ranges()); return true;
            case 'S': out = complement(space_ranges()); return true;
            default: return false;
        }
    }

    uint32_t read_hex(int digits) {
        uint32_t value = 0;
        for (int i = 0; i < digits; ++i) {
            const uint32_t c = next();
            value <<= 4;
            if (c >= '0' && c <= '9') {
                value |= c - '0';
            } else if (c >= 'a' && c <= 'f') {
                value |= c - 'a' + 10;
            } else if (c >= 'A' && c <= 'F') {
                value |= c - 'A' + 10;
            } else {
                fail("pattern: bad hexadecimal escape");
            }
        }
        return value;
    }

    // A single-character escape after '\' (the '\' and c already read).
    uint32_t char_escape(uint32_t c, bool in_class) {
        switch (c) {
            case 'n': return '\n';
            case 't': return '\t';
            case 'r': return '\r';
            case 'f': return '\f';
            case 'v': return '\v';
            case '0': return 0;
            case 'x': return read_hex(2);
            case 'u': return read_hex(4);
            case 'b':
                if (in_class) return '\b';
                fail("pattern: word boundaries (\\b) are not supported");
            case 'B': fail("pattern: word boundaries (\\B) are not supported");
            case 'p':
            case 'P': fail("pattern: unicode property escapes (\\p) are not supported");
            case 'k': fail("pattern: named backreferences (\\k) are not supported");
            case 'c': fail("pattern: control escapes (\\c) are not supported");
            default: break;
        }
        if (c >= '1' && c <= '9') fail("pattern: backreferences are not supported");
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            std::string name;
            append_utf8(name, c);
            fail("pattern: the escape \\" + name + " is not supported");
        }
        return c;  // escaped punctuation (or any other character) stands for itself
    }

    std::string atom() {
        const uint32_t c = next();
        switch (c) {
            case '(': {
                if (peek('?')) {
                    if (pos_ + 1 < cps_.size() && cps_[pos_ + 1] == ':') {
                        pos_ += 2;
                    } else {
                        fail("pattern: group constructs '(?...' other than '(?:' (lookarounds, named groups) are not supported");
                    }
                }
                if (++depth_ > kMaxDepth) fail("pattern: groups nested too deeply");
                std::string inner = alternation();
                --depth_;
                if (!peek(')')) fail("pattern: missing ')'");
                ++pos_;
                return "(" + inner + ")";
            }
            case '[': return char_class();
            case '.': return char_set_expr(complement({{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}}));
            case '\\': {
                const uint32_t e = next();
                Ranges set;
                if (class_escape(e, set)) return char_set_expr(set);
                return gbnf_literal(json_encoded(char_escape(e, false)));
            }
            case '*':
            case '+':
            case '?': fail("pattern: quantifier with nothing to repeat");
            case '{': {
                --pos_;
                uint64_t a = 0;
                uint64_t b = 0;
                bool u = false;
                if (braces(a, b, u)) fail("pattern: quantifier with nothing to repeat");
                ++pos_;
                return gbnf_literal("{");
            }
            default: return gbnf_literal(json_encoded(c));
        }
    }

    std::string char_class() {
        bool negate = false;
        if (peek('^')) {
            negate = true;
            ++pos_;
        }
        Ranges set;
        while (true) {
            if (at_end()) fail("pattern: missing ']'");
            if (peek(']')) {
                ++pos_;
                break;
            }
            uint32_t lo = next();
            if (lo == '\\') {
                const uint32_t e = next();
                Ranges sub;
                if (class_escape(e, sub)) {
                    set.insert(set.end(), sub.begin(), sub.end());
                    if (peek('-') && pos_ + 1 < cps_.size() && cps_[pos_ + 1] != ']') {
                        fail("pattern: a range cannot start at a class escape like \\d");
                    }
                    continue;
                }
                lo = char_escape(e, true);
            } else if (lo == '[') {
                fail("pattern: nested character classes are not supported");
            }
            uint32_t hi = lo;
            if (peek('-') && pos_ + 1 < cps_.size() && cps_[pos_ + 1] != ']') {
                ++pos_;
                hi = next();
                if (hi == '\\') {
                    const uint32_t e = next();
                    Ranges sub;
                    if (class_escape(e, sub)) fail("pattern: a range cannot end at a class escape like \\d");
                    hi = char_escape(e, true);
                }
                if (hi < lo) fail("pattern: character class range out of order");
            }
            set.emplace_back(lo, hi);
        }
        return char_set_expr(negate ? complement(set) : set);
    }
};

// ---- the schema walker ------------------------------------------------------------------------

bool is_annotation(const std::string& key) {
    static const std::set<std::string> kAnnotations = {
        "title",      "description", "$schema",    "$id",           "id",
        "$comment",   "examples",    "default",    "readOnly",      "writeOnly",
        "deprecated", "contentMediaType", "contentEncoding", "$defs", "definitions"};
    return kAnnotations.count(key) > 0 || key.rfind("x-", 0) == 0;
}

bool is_supported(const std::string& key) {
    static const std::set<std::string> kSupported = {
        "type",     "properties", "required", "additionalProperties", "enum",      "const",
        "items",    "prefixItems", "additionalItems", "minItems",       "maxItems",  "uniqueItems",
        "anyOf",    "oneOf",      "allOf",    "$ref",                 "minLength", "maxLength",
        "pattern",  "format",     "minimum",  "maximum",              "exclusiveMinimum", "exclusiveMaximum"};
    return kSupported.count(key) > 0;
}

struct Member {
    std::string key;
    std::string rule;  // the key-value rule
};

class SchemaConverter {
public:
    SchemaConverter(const Json& root, size_t max_bytes) : root_(root), max_bytes_(max_bytes) {
        for (const char* name : {"root", "ws", "char", "lchar", "string", "number", "integer", "boolean", "null",
                                 "value", "object", "array", "member", "date", "time", "date-time", "uuid",
                                 "year", "leap-year", "month-day"}) {
            taken_.insert(name);
        }
    }

    std::string convert() {
        const std::string root_expr = visit(root_, "root", 0);
        std::string out;
        for (const auto& [name, body] : rules_) {
            if (name == "root") out += name + " ::= " + body + "\n";
        }
        if (out.empty()) out = "root ::= " + root_expr + "\n";
        for (const auto& [name, body] : rules_) {
            if (name != "root") out += name + " ::= " + body + "\n";
        }
        for (const auto& [name, body] : prims_) out += name + " ::= " + body + "\n";
        return out;
    }

private:
    const Json& root_;
    const size_t max_bytes_;   // the grammar may not grow past this (--max-grammar-size)
    size_t produced_ = 0;      // bytes of rule bodies so far
    std::vector<std::pair<std::string, std::string>> rules_;
    std::map<std::string, std::string> name_of_body_;
    std::set<std::string> taken_;
    std::map<std::string, std::string> prims_;
    std::map<std::string, std::string> ref_rules_;  // "$ref" value -> rule name
    std::vector<std::string> chain_;               // refs entered since the last consumed token
    bool root_named_ = false;

    // ---- rules ----

    std::string unique_name(const std::string& hint) {
        const std::string base = sanitize_name(hint);
        std::string name = base;
        for (int i = 2; taken_.count(name); ++i) name = base + "-" + std::to_string(i);
        taken_.insert(name);
        return name;
    }

    // Fails as soon as the grammar being built outgrows max_bytes_, so that the work (and memory)
    // of a conversion is bounded by the limit, not by how much a small schema can expand.
    void check_size(size_t more) const {
        if (produced_ + more <= max_bytes_) return;
        fail("the grammar made from this schema would be larger than " + std::to_string(max_bytes_) +
             " bytes (--max-grammar-size)");
    }

    std::string add_rule(const std::string& hint, const std::string& body) {
        check_size(body.size());
        const auto it = name_of_body_.find(body);
        if (it != name_of_body_.end()) return it->second;
        // Only the top-level schema is visited with the hint "root" (nested hints extend it, refs
        // use their own names), so its rule can take the start symbol's name.
        const bool as_root = hint == "root" && !root_named_;
        if (as_root) root_named_ = true;
        const std::string name = as_root ? std::string("root") : unique_name(hint);
        rules_.emplace_back(name, body);
        name_of_body_.emplace(body, name);
        produced_ += body.size();
        return name;
    }

    std::string use(const std::string& name) {
        static const std::map<std::string, std::pair<std::string, std::vector<std::string>>> kPrims = {
            {"ws", {"[ \\t\\n]{0,20}", {}}},
            {"char", {"[^\"\\\\\\x7F\\x00-\\x1F] | \"\\\\\" ([\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4})", {}}},
            // one character that counts as one code point: no escaped UTF-16 surrogates
            {"lchar",
             {"[^\"\\\\\\x7F\\x00-\\x1F] | \"\\\\\" ([\"\\\\/bfnrt] | \"u\" ([0-9a-cA-CefEF] [0-9a-fA-F]{3} | [dD] "
              "[0-7] [0-9a-fA-F]{2}))",
              {}}},
            {"string", {"\"\\\"\" char* \"\\\"\"", {"char"}}},
            {"number", {"\"-\"? (\"0\" | [1-9] [0-9]{0,15}) (\".\" [0-9]+)? ([eE] [-+]? [0-9]+)?", {}}},
            {"integer", {"\"-\"? (\"0\" | [1-9] [0-9]{0,15})", {}}},
            {"boolean", {"\"true\" | \"false\"", {}}},
            {"null", {"\"null\"", {}}},
            {"value",
             {"object | array | string | number | boolean | null",
              {"object", "array", "string", "number", "boolean", "null"}}},
            {"object", {"\"{\" ws (member (ws \",\" ws member)* ws)? \"}\"", {"ws", "member"}}},
            {"member", {"string ws \":\" ws value", {"string", "ws", "value"}}},
            {"array", {"\"[\" ws (value (ws \",\" ws value)* ws)? \"]\"", {"ws", "value"}}},
            {"year", {"[0-9]{4}", {}}},
            {"leap-year",
             {"[0-9]{2} (\"0\" [48] | [2468] [048] | [13579] [26]) | (\"0\" [048] | [2468] [048] | [13579] [26]) "
              "\"00\"",
              {}}},
            {"month-day",
             {"(\"0\" [13578] | \"1\" [02]) \"-\" (\"0\" [1-9] | [12] [0-9] | \"3\" [01]) | (\"0\" [469] | \"11\") "
              "\"-\" (\"0\" [1-9] | [12] [0-9] | \"30\") | \"02-\" (\"0\" [1-9] | \"1\" [0-9] | \"2\" [0-8])",
              {}}},
            {"date", {"leap-year \"-02-29\" | year \"-\" month-day", {"leap-year", "year", "month-day"}}},
            {"time",
             {"([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] (\".\" [0-9]{1,9})? ([zZ] | [-+] ([01] "
              "[0-9] | \"2\" [0-3]) \":\" [0-5] [0-9])",
              {}}},
            {"date-time", {"date [tT] time", {"date", "time"}}},
            {"uuid",
             {"[0-9a-fA-F]{8} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{12}",
              {}}},
        };
        if (prims_.count(name)) return name;
        const auto& [body, deps] = kPrims.at(name);
        prims_.emplace(name, body);
        for (const auto& dep : deps) use(dep);
        return name;
    }

    // ---- helpers ----

    // Runs f with an empty ref chain: the caller has consumed input before what f describes.
    template <typename F>
    std::string consuming(F f) {
        std::vector<std::string> saved;
        saved.swap(chain_);
        std::string out = f();
        chain_.swap(saved);
        return out;
    }

    static uint64_t count_keyword(const Json& s, const char* key) {
        const Json& v = s.at(key);
        if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0) &&
            !(v.is_number_float() && v.get<double>() >= 0 && v.get<double>() == static_cast<double>(static_cast<uint64_t>(v.get<double>())))) {
            fail(in_quotes(key) + " must be a non-negative integer");
        }
        const uint64_t n = v.is_number_float() ? static_cast<uint64_t>(v.get<double>()) : v.get<uint64_t>();
        if (n > kMaxRepeat) fail(in_quotes(key) + " above " + std::to_string(kMaxRepeat) + " is not supported");
        return n;
    }

    static std::string repeat_suffix(uint64_t lo, bool bounded, uint64_t hi) {
        if (!bounded) {
            if (lo == 0) return "*";
            if (lo == 1) return "+";
            return "{" + std::to_string(lo) + ",}";
        }
        if (lo == 0 && hi == 1) return "?";
        if (lo == hi) return "{" + std::to_string(lo) + "}";
        return "{" + std::to_string(lo) + "," + std::to_string(hi) + "}";
    }

    static void reject_siblings(const Json& s, const std::string& keyword, const std::set<std::string>& allowed = {}) {
        for (const auto& item : s.items()) {
            if (item.key() == keyword || is_annotation(item.key()) || allowed.count(item.key())) continue;
            fail(in_quotes(keyword) + " combined with " + in_quotes(item.key()) + " is not supported");
        }
    }

    // ---- visiting ----

    std::string visit(const Json& s, const std::string& hint, int depth) {
        if (depth > kMaxDepth) fail("schema nested too deeply");
        if (s.is_boolean()) {
            if (!s.get<bool>()) fail("the schema 'false' matches nothing");
            return use("value");
        }
        if (!s.is_object()) fail("a schema must be an object or a boolean");
        for (const auto& item : s.items()) {
            if (!is_annotation(item.key()) && !is_supported(item.key())) {
                fail("unsupported JSON Schema keyword " + in_quotes(item.key()));
            }
        }
        if (s.contains("uniqueItems") && !(s["uniqueItems"].is_boolean() && !s["uniqueItems"].get<bool>())) {
            fail("unsupported JSON Schema keyword 'uniqueItems' (only false is supported)");
        }
        if (s.contains("$ref")) {
            reject_siblings(s, "$ref");
            return ref(s["$ref"], depth);
        }
        if (s.contains("enum") || s.contains("const")) return enumeration(s, hint);
        for (const char* combinator : {"anyOf", "oneOf"}) {
            if (!s.contains(combinator)) continue;
            reject_siblings(s, combinator);
            const Json& list = s[combinator];
            if (!list.is_array() || list.empty()) fail(in_quotes(combinator) + " must be a non-empty array");
            std::string body;
            for (size_t i = 0; i < list.size(); ++i) {
                body += (i ? " | " : "") + visit(list[i], hint + "-" + std::to_string(i), depth + 1);
            }
            return list.size() == 1 ? body : add_rule(hint, body);
        }
        if (s.contains("allOf")) {
            reject_siblings(s, "allOf");
            const Json& list = s["allOf"];
            if (!list.is_array() || list.size() != 1) fail("'allOf' is supported only with exactly one schema");
            return visit(list[0], hint, depth + 1);
        }
        std::vector<std::string> types;
        if (s.contains("type")) {
            const Json& t = s["type"];
            if (t.is_string()) {
                types.push_back(t.get<std::string>());
            } else if (t.is_array() && !t.empty()) {
                for (const auto& e : t) {
                    if (!e.is_string()) fail("'type' must be a string or an array of strings");
                    types.push_back(e.get<std::string>());
                }
            } else {
                fail("'type' must be a string or a non-empty array of strings");
            }
        } else {
            types.push_back(inferred_type(s));
        }
        std::string body;
        for (size_t i = 0; i < types.size(); ++i) {
            body += (i ? " | " : "") + typed(s, types[i], types.size() == 1 ? hint : hint + "-" + types[i], depth);
        }
        return types.size() == 1 ? body : add_rule(hint, body);
    }

    static std::string inferred_type(const Json& s) {
        for (const char* k : {"properties", "required", "additionalProperties"}) {
            if (s.contains(k)) return "object";
        }
        for (const char* k : {"items", "prefixItems", "additionalItems", "minItems", "maxItems"}) {
            if (s.contains(k)) return "array";
        }
        for (const char* k : {"minLength", "maxLength", "pattern", "format"}) {
            if (s.contains(k)) return "string";
        }
        for (const char* k : {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}) {
            if (s.contains(k)) return "number";
        }
        return "any";
    }

    std::string typed(const Json& s, const std::string& type, const std::string& hint, int depth) {
        if (type == "any") return use("value");
        if (type == "null" || type == "boolean") return use(type);
        if (type == "integer") return integer_rule(s, hint);
        if (type == "number") return number_rule(s, hint);
        if (type == "string") return string_rule(s, hint);
        if (type == "array") return array_rule(s, hint, depth);
        if (type == "object") return object_rule(s, hint, depth);
        fail("unknown type " + in_quotes(type));
    }

    // ---- numbers ----

    static bool has_bounds(const Json& s) {
        return s.contains("minimum") || s.contains("maximum") || s.contains("exclusiveMinimum") ||
               s.contains("exclusiveMaximum");
    }

    std::string number_rule(const Json& s, const std::string& hint) {
        if (!has_bounds(s)) return use("number");
        // Only "minimum": 0 (non-negative numbers) is supported for non-integers.
        for (const char* k : {"maximum", "exclusiveMinimum", "exclusiveMaximum"}) {
            if (s.contains(k)) fail(in_quotes(k) + " on type number is not supported (only on integers)");
        }
        const Json& m = s["minimum"];
        if (!m.is_number() || m.get<double>() != 0.0) {
            fail("'minimum' on type number is supported only as 0 (any bound on integers)");
        }
        return add_rule(hint, "(\"0\" | [1-9] [0-9]{0,15}) (\".\" [0-9]+)? ([eE] [-+]? [0-9]+)?");
    }

    static std::string digit_set(char lo, char hi) {
        if (lo == hi) return gbnf_literal(std::string(1, lo));
        return std::string("[") + lo + "-" + hi + "]";
    }

    static std::string any_digits(size_t n) {
        if (n == 0) return "";
        if (n == 1) return "[0-9]";
        return "[0-9]{" + std::to_string(n) + "}";
    }

    static std::string joined(const std::string& a, const std::string& b) {
        if (a.empty()) return b;
        if (b.empty()) return a;
        return a + " " + b;
    }

    // Digit strings of a's length between a and b (same length, a <= b), leading zeros allowed.
    static std::string digit_range(const std::string& a, const std::string& b) {
        if (a.empty()) return "";
        if (a[0] == b[0]) return joined(gbnf_literal(a.substr(0, 1)), digit_range(a.substr(1), b.substr(1)));
        const size_t n = a.size() - 1;
        const bool a_rest_min = a.find_first_not_of('0', 1) == std::string::npos;
        const bool b_rest_max = b.find_first_not_of('9', 1) == std::string::npos;
        const char lo_full = a_rest_min ? a[0] : static_cast<char>(a[0] + 1);
        const char hi_full = b_rest_max ? b[0] : static_cast<char>(b[0] - 1);
        std::vector<std::string> alts;
        if (!a_rest_min) alts.push_back(joined(gbnf_literal(a.substr(0, 1)), digit_range(a.substr(1), std::string(n, '9'))));
        if (lo_full <= hi_full) alts.push_back(joined(digit_set(lo_full, hi_full), any_digits(n)));
        if (!b_rest_max) alts.push_back(joined(gbnf_literal(b.substr(0, 1)), digit_range(std::string(n, '0'), b.substr(1))));
        if (alts.size() == 1) return alts[0];
        std::string out = "(";
        for (size_t i = 0; i < alts.size(); ++i) out += (i ? " | " : "") + alts[i];
        return out + ")";
    }

    // Canonical decimal forms of the integers in [a, b] (b unbounded: up to 16 digits).
    static std::vector<std::string> nonnegative_range(uint64_t a, bool bounded, uint64_t b) {
        const std::string as = std::to_string(a);
        const size_t la = as.size();
        const size_t lb = bounded ? std::to_string(b).size() : 16;
        std::vector<std::string> alts;
        for (size_t len = la; len <= lb; ++len) {
            if (!bounded && len > la) {
                alts.push_back("[1-9] [0-9]{" + std::to_string(la) + "," + std::to_string(lb - 1) + "}");
                break;
            }
            const std::string lower = len == la ? as : "1" + std::string(len - 1, '0');
            const std::string upper = bounded && len == lb ? std::to_string(b) : std::string(len, '9');
            alts.push_back(digit_range(lower, upper));
        }
        return alts;
    }

    std::string integer_rule(const Json& s, const std::string& hint) {
        if (!has_bounds(s)) return use("integer");
        constexpr double kLimit = 1e15;
        const auto bound = [&](const char* key) {
            const Json& v = s[key];
            if (!v.is_number()) fail(in_quotes(key) + " must be a number");
            const double d = v.get<double>();
            if (!(std::fabs(d) <= kLimit)) fail(in_quotes(key) + " beyond 10^15 is not supported");
            return d;
        };
        bool has_lo = false;
        bool has_hi = false;
        int64_t lo = 0;
        int64_t hi = 0;
        const auto raise_lo = [&](int64_t v) {
            lo = has_lo ? std::max(lo, v) : v;
            has_lo = true;
        };
        const auto lower_hi = [&](int64_t v) {
            hi = has_hi ? std::min(hi, v) : v;
            has_hi = true;
        };
        if (s.contains("minimum")) raise_lo(static_cast<int64_t>(std::ceil(bound("minimum"))));
        if (s.contains("exclusiveMinimum")) raise_lo(static_cast<int64_t>(std::floor(bound("exclusiveMinimum"))) + 1);
        if (s.contains("maximum")) lower_hi(static_cast<int64_t>(std::floor(bound("maximum"))));
        if (s.contains("exclusiveMaximum")) lower_hi(static_cast<int64_t>(std::ceil(bound("exclusiveMaximum"))) - 1);
        if (has_lo && has_hi && lo > hi) fail("no integer lies between the bounds 'minimum'/'maximum'");

        std::vector<std::string> alts;
        if (!has_lo || lo < 0) {  // negative integers -m, m in [m_lo, m_hi]
            const uint64_t m_lo = has_hi && hi < 0 ? static_cast<uint64_t>(-hi) : 1;
            for (const auto& alt : nonnegative_range(m_lo, has_lo, has_lo ? static_cast<uint64_t>(-lo) : 0)) {
                alts.push_back("\"-\" " + alt);
            }
        }
        if (!has_hi || hi >= 0) {
            const uint64_t from = has_lo && lo > 0 ? static_cast<uint64_t>(lo) : 0;
            for (const auto& alt : nonnegative_range(from, has_hi, has_hi ? static_cast<uint64_t>(hi) : 0)) {
                alts.push_back(alt);
            }
        }
        std::string body;
        for (size_t i = 0; i < alts.size(); ++i) body += (i ? " | " : "") + alts[i];
        return add_rule(hint, body);
    }

    std::string ref(const Json& ref_value, int depth) {
        if (!ref_value.is_string()) fail("'$ref' must be a string");
        const std::string target_ref = ref_value.get<std::string>();
        if (target_ref.empty() || target_ref[0] != '#') {
            fail("'$ref' " + in_quotes(target_ref) + " is not supported: only references inside the document (\"#/...\")");
        }
        const auto known = ref_rules_.find(target_ref);
        if (known != ref_rules_.end()) {
            if (std::find(chain_.begin(), chain_.end(), target_ref) != chain_.end()) {
                fail("'$ref' " + in_quotes(target_ref) + " refers to itself without consuming input (left recursion)");
            }
            return known->second;
        }
        const Json* target = nullptr;
        try {
            target = &root_.at(Json::json_pointer(target_ref.substr(1)));
        } catch (const nlohmann::json::exception&) {
            fail("cannot resolve '$ref' " + in_quotes(target_ref));
        }
        const size_t slash = target_ref.rfind('/');
        const std::string hint = target_ref == "#" ? "root-ref" : target_ref.substr(slash + 1);
        const std::string name = unique_name(hint);
        ref_rules_.emplace(target_ref, name);
        chain_.push_back(target_ref);
        const std::string body = visit(*target, name, depth + 1);
        chain_.pop_back();
        rules_.emplace_back(name, body);
        return name;
    }

    static bool matches_type(const Json& v, const std::string& type) {
        if (type == "null") return v.is_null();
        if (type == "boolean") return v.is_boolean();
        if (type == "string") return v.is_string();
        if (type == "array") return v.is_array();
        if (type == "object") return v.is_object();
        if (type == "number") return v.is_number();
        if (type == "integer") {
            if (v.is_number_integer()) return true;
            if (!v.is_number_float()) return false;
            const double d = v.get<double>();
            return d > -9e18 && d < 9e18 && d == static_cast<double>(static_cast<int64_t>(d));
        }
        fail("unknown type " + in_quotes(type));
    }

    std::string enumeration(const Json& s, const std::string& hint) {
        reject_siblings(s, s.contains("enum") ? "enum" : "const", {"enum", "const", "type"});
        std::vector<Json> values;
        if (s.contains("enum")) {
            if (!s["enum"].is_array() || s["enum"].empty()) fail("'enum' must be a non-empty array");
            for (const auto& v : s["enum"]) values.push_back(v);
        } else {
            values.push_back(s["const"]);
        }
        if (s.contains("enum") && s.contains("const")) {
            const Json& c = s["const"];
            values.erase(std::remove_if(values.begin(), values.end(), [&](const Json& v) { return v != c; }), values.end());
        }
        if (s.contains("type")) {
            std::vector<std::string> types;
            const Json& t = s["type"];
            if (t.is_string()) {
                types.push_back(t.get<std::string>());
            } else if (t.is_array()) {
                for (const auto& e : t) {
                    if (!e.is_string()) fail("'type' must be a string or an array of strings");
                    types.push_back(e.get<std::string>());
                }
            } else {
                fail("'type' must be a string or an array of strings");
            }
            values.erase(std::remove_if(values.begin(), values.end(),
                                        [&](const Json& v) {
                                            return std::none_of(types.begin(), types.end(),
                                                                [&](const std::string& ty) { return matches_type(v, ty); });
                                        }),
                         values.end());
        }
        if (values.empty()) fail("'enum'/'const' leaves no value that matches the schema");
        std::string body;
        std::set<std::string> seen;
        for (const auto& v : values) {
            const std::string lit = gbnf_literal(v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
            if (!seen.insert(lit).second) continue;
            body += (body.empty() ? "" : " | ") + lit;
        }
        return seen.size() == 1 ? body : add_rule(hint, body);
    }

    std::string string_rule(const Json& s, const std::string& hint) {
        const bool has_length = s.contains("minLength") || s.contains("maxLength");
        std::string format;
        if (s.contains("format")) {
            if (!s["format"].is_string()) fail("'format' must be a string");
            format = s["format"].get<std::string>();
            if (format != "date" && format != "time" && format != "date-time" && format != "uuid") format.clear();
        }
        const std::string quote = gbnf_literal("\"");
        if (s.contains("pattern")) {
            if (!s["pattern"].is_string()) fail("'pattern' must be a string");
            if (has_length) fail("'pattern' combined with 'minLength'/'maxLength' is not supported");
            if (!format.empty()) fail("'pattern' combined with 'format' " + in_quotes(format) + " is not supported");
            const std::string content = PatternConverter(s["pattern"].get<std::string>()).convert();
            use("char");
            return add_rule(hint, quote + " " + content + " " + quote);
        }
        if (!format.empty()) {
            if (has_length) fail("'format' " + in_quotes(format) + " combined with 'minLength'/'maxLength' is not supported");
            return add_rule(hint, quote + " " + use(format) + " " + quote);
        }
        if (has_length) {
            const uint64_t lo = s.contains("minLength") ? count_keyword(s, "minLength") : 0;
            const bool bounded = s.contains("maxLength");
            const uint64_t hi = bounded ? count_keyword(s, "maxLength") : 0;
            if (bounded && hi < lo) fail("'maxLength' is less than 'minLength'");
            return add_rule(hint, quote + " " + use("lchar") + repeat_suffix(lo, bounded, hi) + " " + quote);
        }
        return use("string");
    }

    std::string array_rule(const Json& s, const std::string& hint, int depth) {
        const uint64_t min_items = s.contains("minItems") ? count_keyword(s, "minItems") : 0;
        const bool bounded = s.contains("maxItems");
        uint64_t max_items = bounded ? count_keyword(s, "maxItems") : 0;
        if (bounded && max_items < min_items) fail("'maxItems' is less than 'minItems'");

        const Json* prefix = nullptr;
        const Json* rest = nullptr;  // nullptr: any value
        bool rest_allowed = true;
        if (s.contains("prefixItems")) {
            prefix = &s["prefixItems"];
            if (s.contains("items")) rest = &s["items"];
        } else if (s.contains("items") && s["items"].is_array()) {
            prefix = &s["items"];
            if (s.contains("additionalItems")) rest = &s["additionalItems"];
        } else if (s.contains("items")) {
            rest = &s["items"];
        }
        if (prefix && !prefix->is_array()) fail("'prefixItems' must be an array of schemas");
        if (rest && rest->is_boolean()) {
            rest_allowed = rest->get<bool>();
            rest = nullptr;
        }

        std::vector<std::string> prefix_exprs;
        const size_t k = prefix ? prefix->size() : 0;
        const size_t used = bounded ? std::min<size_t>(k, static_cast<size_t>(max_items)) : k;
        for (size_t i = 0; i < used; ++i) {
            prefix_exprs.push_back(consuming([&] { return visit((*prefix)[i], hint + "-" + std::to_string(i), depth + 1); }));
        }
        std::string rest_expr;
        if (rest_allowed && (!bounded || max_items > k)) {
            rest_expr = rest ? consuming([&] { return visit(*rest, hint + "-item", depth + 1); }) : use("value");
        }
        if (min_items > prefix_exprs.size() && rest_expr.empty()) fail("'minItems' cannot be satisfied by the allowed items");

        use("ws");
        const std::string sep = "ws \",\" ws ";
        // The elements after position 0..n, each prefixed by a separator.
        std::string tail;
        if (!rest_expr.empty()) {
            const uint64_t rest_lo = min_items > k ? min_items - k : 0;
            const uint64_t rest_hi = bounded ? max_items - std::min<uint64_t>(k, max_items) : 0;
            if (!(bounded && rest_hi == 0)) {
                tail = "(" + sep + rest_expr + ")" + repeat_suffix(rest_lo, bounded, rest_hi);
            }
        }
        std::string body;
        if (prefix_exprs.empty()) {
            if (rest_expr.empty()) {
                body = "\"[\" ws \"]\"";
            } else {
                const std::string first_tail = [&] {
                    const uint64_t lo = min_items > 0 ? min_items - 1 : 0;
                    if (bounded && max_items <= 1) return std::string();
                    return "(" + sep + rest_expr + ")" + repeat_suffix(lo, bounded, bounded ? max_items - 1 : 0);
                }();
                if (bounded && max_items == 0) {
                    body = "\"[\" ws \"]\"";
                } else {
                    const std::string items = rest_expr + (first_tail.empty() ? "" : " " + first_tail) + " ws";
                    body = min_items > 0 ? "\"[\" ws " + items + " \"]\"" : "\"[\" ws (" + items + ")? \"]\"";
                }
            }
        } else {
            // nested from the back: element i is required when i < min_items
            std::string inner = tail;
            for (size_t i = prefix_exprs.size(); i-- > 0;) {
                std::string part = (i ? sep : "") + prefix_exprs[i] + (inner.empty() ? "" : " " + inner);
                if (i == 0) {
                    inner = part;
                } else {
                    inner = i < min_items ? part : "(" + part + ")?";
                }
            }
            body = min_items > 0 ? "\"[\" ws " + inner + " ws \"]\"" : "\"[\" ws (" + inner + " ws)? \"]\"";
        }
        return add_rule(hint, body);
    }

    std::string object_rule(const Json& s, const std::string& hint, int depth) {
        use("ws");
        const bool has_props = s.contains("properties");
        const bool has_required = s.contains("required");
        const bool has_additional = s.contains("additionalProperties");
        if (!has_props && !has_required && !has_additional) return use("object");

        static const Json kEmpty = Json::object();
        const Json& props = has_props ? s["properties"] : kEmpty;
        if (!props.is_object()) fail("'properties' must be an object");
        std::vector<std::string> required;
        if (has_required) {
            if (!s["required"].is_array()) fail("'required' must be an array of strings");
            for (const auto& r : s["required"]) {
                if (!r.is_string()) fail("'required' must be an array of strings");
                if (std::find(required.begin(), required.end(), r.get<std::string>()) == required.end()) {
                    required.push_back(r.get<std::string>());
                }
            }
        }
        const auto is_required = [&](const std::string& key) {
            return std::find(required.begin(), required.end(), key) != required.end();
        };

        // additionalProperties: false/absent -> closed; true/schema -> a map (no properties allowed)
        const Json* additional = has_additional ? &s["additionalProperties"] : nullptr;
        const bool additional_false = additional && additional->is_boolean() && !additional->get<bool>();
        if (additional && !additional_false) {
            if (!props.empty()) {
                fail("'additionalProperties' other than false together with 'properties' is not supported");
            }
            if (!required.empty()) fail("'additionalProperties' other than false together with 'required' is not supported");
            const std::string value_expr =
                consuming([&] { return visit(*additional, hint + "-value", depth + 1); });
            const std::string kv = add_rule(hint + "-kv", use("string") + " ws \":\" ws " + value_expr);
            return add_rule(hint, "\"{\" ws (" + kv + " (ws \",\" ws " + kv + ")* ws)? \"}\"");
        }

        const auto kv_rule = [&](const std::string& key, const Json& value_schema) {
            const std::string value_expr =
                consuming([&] { return visit(value_schema, hint + "-" + key, depth + 1); });
            return add_rule(hint + "-" + key + "-kv", gbnf_literal(Json(key).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) +
                                                           " ws \":\" ws " + value_expr);
        };

        std::vector<std::string> req_rules;
        std::vector<std::string> opt_rules;
        for (const auto& item : props.items()) {
            const bool req = is_required(item.key());
            if (item.value().is_boolean() && !item.value().get<bool>()) {
                if (req) fail("required property " + in_quotes(item.key()) + " has the schema false");
                continue;
            }
            if (req) req_rules.push_back(kv_rule(item.key(), item.value()));
        }
        for (const auto& key : required) {
            if (props.contains(key)) continue;
            if (additional_false) fail("required property " + in_quotes(key) + " is not allowed by 'additionalProperties': false");
            req_rules.push_back(kv_rule(key, Json(true)));
        }
        for (const auto& item : props.items()) {
            if (is_required(item.key()) || (item.value().is_boolean() && !item.value().get<bool>())) continue;
            opt_rules.push_back(kv_rule(item.key(), item.value()));
        }

        const std::string sep = "ws \",\" ws ";
        const auto optional_tail = [&](size_t from) {
            std::string out;
            for (size_t j = from; j < opt_rules.size(); ++j) {
                out += " (" + sep + opt_rules[j] + ")?";
                check_size(out.size());
            }
            return out;
        };
        std::string body = "\"{\" ws ";
        if (!req_rules.empty()) {
            for (size_t i = 0; i < req_rules.size(); ++i) body += (i ? sep : "") + req_rules[i] + " ";
            std::string tail = optional_tail(0);
            if (!tail.empty()) body += tail.substr(1) + " ";
            body += "ws \"}\"";
        } else if (opt_rules.empty()) {
            body += "\"}\"";
        } else {
            std::string alts;
            for (size_t i = 0; i < opt_rules.size(); ++i) {
                alts += (i ? " | " : "") + opt_rules[i] + optional_tail(i + 1);
                check_size(alts.size());  // quadratic in the optional members: bounded here
            }
            body += "((" + alts + ") ws)? \"}\"";
        }
        return add_rule(hint, body);
    }
};

}  // namespace

std::string json_schema_to_gbnf_ordered(const nlohmann::ordered_json& schema, size_t max_bytes) {
    return SchemaConverter(schema, max_bytes).convert();
}

std::string json_schema_to_gbnf(const nlohmann::json& schema, size_t max_bytes) {
    return json_schema_to_gbnf_ordered(nlohmann::ordered_json::parse(schema.dump()), max_bytes);
}

}  // namespace cria
