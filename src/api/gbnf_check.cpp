#include "api/gbnf_check.h"

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace cria {
namespace {

struct SyntaxError {
    size_t pos;
    std::string message;
};

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string where(const std::string& text, size_t pos) {
    size_t line = 1;
    size_t col = 1;
    for (size_t i = 0; i < pos && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

std::string describe(char c) {
    if (c == '\n') return "newline";
    if (c == '\t') return "tab";
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "control character";
    return std::string("'") + c + "'";
}

class Checker {
public:
    explicit Checker(const std::string& text) : s_(text) {}

    void parse() {
        skip_blank(true);
        while (pos_ < s_.size()) {
            parse_rule();
            skip_blank(true);
        }
    }

    std::set<std::string> defined;
    std::vector<std::pair<std::string, size_t>> uses;  // first use of each name, in order

private:
    const std::string& s_;
    size_t pos_ = 0;
    std::set<std::string> used_;
    std::vector<size_t> open_groups_;  // positions of the '(' not yet closed

    [[noreturn]] void fail(size_t at, std::string message) { throw SyntaxError{at, std::move(message)}; }

    char peek(size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }
    bool at_end() const { return pos_ >= s_.size(); }

    // Spaces, tabs, carriage returns and comments; newlines too when `newlines` is set.
    void skip_blank(bool newlines) {
        while (!at_end()) {
            const char c = s_[pos_];
            if (c == ' ' || c == '\t' || c == '\r' || (newlines && c == '\n')) {
                ++pos_;
            } else if (c == '#') {
                while (!at_end() && s_[pos_] != '\n') ++pos_;
            } else {
                break;
            }
        }
    }

    std::string parse_name() {
        const size_t start = pos_;
        while (!at_end() && is_name_char(s_[pos_])) ++pos_;
        return s_.substr(start, pos_ - start);
    }

    bool starts_line(size_t at) const {
        while (at > 0 && (s_[at - 1] == ' ' || s_[at - 1] == '\t')) --at;
        return at == 0 || s_[at - 1] == '\n' || s_[at - 1] == '\r';
    }

    bool at_definition_sign() const { return s_.compare(pos_, 3, "::=") == 0; }

    void parse_rule() {
        const size_t start = pos_;
        if (at_definition_sign()) fail(start, "empty rule name before '::='");
        if (!is_name_char(peek())) fail(start, "expected a rule name, found " + describe(peek()));
        const std::string name = parse_name();
        skip_blank(false);
        if (!at_definition_sign()) {
            if (at_end()) fail(pos_, "missing '::=' after rule name '" + name + "' (end of input)");
            fail(pos_, "missing '::=' after rule name '" + name + "', found " + describe(peek()));
        }
        pos_ += 3;
        defined.insert(name);
        skip_blank(true);  // the body may start on the next line
        parse_alternatives(0);
        // parse_alternatives at depth 0 stops only at a newline, the end, or a stray ')'.
        if (peek() == ')') fail(pos_, "unbalanced parentheses: ')' without a matching '('");
    }

    void parse_alternatives(int depth) {
        parse_sequence(depth);
        while (peek() == '|') {
            ++pos_;
            skip_blank(true);  // a line ending in '|' continues the rule
            parse_sequence(depth);
        }
    }

    // At depth 0, a newline ends the rule unless the next non-blank line starts with '|'.
    bool newline_continues() {
        size_t save = pos_;
        skip_blank(true);
        if (peek() == '|') return true;
        pos_ = save;
        return false;
    }

    void parse_sequence(int depth) {
        bool has_item = false;
        for (;;) {
            skip_blank(depth > 0);
            if (at_end()) return;
            const size_t start = pos_;
            const char c = s_[pos_];
            if (c == '\n') {
                newline_continues();
                return;
            }
            if (c == '|' || c == ')') return;
            if (c == '"') {
                parse_literal();
                has_item = true;
            } else if (c == '[') {
                parse_class();
                has_item = true;
            } else if (c == '(') {
                ++pos_;
                open_groups_.push_back(start);
                parse_alternatives(depth + 1);
                if (peek() != ')') fail(start, "unbalanced parentheses: '(' is never closed");
                open_groups_.pop_back();
                ++pos_;
                has_item = true;
            } else if (c == '.') {
                ++pos_;
                has_item = true;
            } else if (c == '<' || (c == '!' && peek(1) == '<')) {
                parse_token();
                has_item = true;
            } else if (is_name_char(c)) {
                const std::string name = parse_name();
                const size_t after = pos_;
                skip_blank(false);
                if (at_definition_sign()) {
                    if (!open_groups_.empty() && starts_line(start)) {
                        fail(open_groups_.back(), "unbalanced parentheses: '(' is never closed");
                    }
                    fail(pos_, "unexpected '::=' after '" + name + "' (a rule must start on a new line)");
                }
                pos_ = after;
                if (used_.insert(name).second) uses.emplace_back(name, start);
                has_item = true;
            } else if (c == '*' || c == '+' || c == '?' || c == '{') {
                if (!has_item) fail(start, std::string("repetition '") + c + "' without an item before it");
                if (c == '{') {
                    parse_braces();
                } else {
                    ++pos_;
                }
            } else if (c == ':' && at_definition_sign()) {
                fail(start, "unexpected '::=' where an item was expected");
            } else {
                fail(start, "unexpected character " + describe(c));
            }
        }
    }

    // One character of a literal or class, escapes included; the caller checked for the end.
    void parse_char(const char* what, size_t open) {
        if (s_[pos_] == '\n') fail(open, std::string("unterminated ") + what);
        if (s_[pos_] != '\\') {
            ++pos_;
            return;
        }
        const size_t esc = pos_;
        ++pos_;
        if (at_end() || s_[pos_] == '\n') fail(open, std::string("unterminated ") + what);
        const char e = s_[pos_++];
        size_t digits = 0;
        switch (e) {
            case '\\': case '"': case '[': case ']': case 'n': case 'r': case 't':
                return;
            case 'x': digits = 2; break;
            case 'u': digits = 4; break;
            case 'U': digits = 8; break;
            default:
                fail(esc, "bad escape '\\" + std::string(1, e) + "'");
        }
        for (size_t i = 0; i < digits; ++i, ++pos_) {
            if (at_end() || !is_hex(s_[pos_])) {
                fail(esc, "bad escape '\\" + std::string(1, e) + "': expected " + std::to_string(digits) +
                              " hex digits");
            }
        }
    }

    void parse_literal() {
        const size_t open = pos_++;
        for (;;) {
            if (at_end()) fail(open, "unterminated string literal");
            if (s_[pos_] == '"') {
                ++pos_;
                return;
            }
            parse_char("string literal", open);
        }
    }

    void parse_class() {
        const size_t open = pos_++;
        if (peek() == '^') ++pos_;
        for (;;) {
            if (at_end()) fail(open, "unterminated character class");
            if (s_[pos_] == ']') {
                ++pos_;
                return;
            }
            parse_char("character class", open);
            if (peek() == '-' && peek(1) != ']' && pos_ + 1 < s_.size()) {
                ++pos_;
                parse_char("character class", open);
            }
        }
    }

    void parse_token() {
        const size_t open = pos_;
        if (peek() == '!') ++pos_;
        ++pos_;  // '<'
        while (!at_end() && s_[pos_] != '>' && s_[pos_] != '\n') ++pos_;
        if (at_end() || s_[pos_] != '>') fail(open, "unterminated token reference");
        if (pos_ == open + (s_[open] == '!' ? 2 : 1)) fail(open, "empty token reference");
        ++pos_;
    }

    // Digits at pos_, or none; returns whether there were any.
    bool parse_count(unsigned long long& value) {
        const size_t start = pos_;
        value = 0;
        while (!at_end() && is_digit(s_[pos_])) {
            if (value < 1000000000ULL) value = value * 10 + static_cast<unsigned long long>(s_[pos_] - '0');
            ++pos_;
        }
        return pos_ > start;
    }

    void parse_braces() {
        const size_t open = pos_++;
        auto expect = [&](const char* wanted) {
            if (at_end()) fail(open, "bad repetition braces: '{' is never closed");
            fail(pos_, std::string("bad repetition braces: expected ") + wanted + ", found " + describe(s_[pos_]));
        };
        unsigned long long min = 0;
        unsigned long long max = 0;
        skip_blank(false);
        const bool has_min = parse_count(min);
        skip_blank(false);
        if (peek() == '}') {
            if (!has_min) fail(open, "bad repetition braces: '{}' gives no count");
            ++pos_;
            return;
        }
        if (peek() != ',') expect(has_min ? "',' or '}'" : "a number or ','");
        ++pos_;
        skip_blank(false);
        const bool has_max = parse_count(max);
        skip_blank(false);
        if (peek() != '}') expect(has_max ? "'}'" : "a number or '}'");
        ++pos_;
        if (has_max && min > max) {
            fail(open, "bad repetition braces: minimum " + std::to_string(min) + " is greater than maximum " +
                           std::to_string(max));
        }
    }
};

}  // namespace

std::string gbnf_syntax_error(const std::string& grammar, const std::string& root) {
    Checker checker(grammar);
    try {
        checker.parse();
    } catch (const SyntaxError& e) {
        return where(grammar, e.pos) + ": " + e.message;
    }
    for (const auto& [name, pos] : checker.uses) {
        if (checker.defined.count(name) == 0) {
            return "rule '" + name + "' is used at " + where(grammar, pos) + " but never defined";
        }
    }
    if (checker.defined.count(root) == 0) return "no '" + root + "' rule";
    return "";
}

}  // namespace cria
