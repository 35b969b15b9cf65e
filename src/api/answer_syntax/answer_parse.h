// AnswerParse: one pass over a chat answer's text, by a template family's syntax reader. The
// stream (api/answer_stream.h) re-reads the whole text after every piece and sends what grew, so
// a reader only has to be right about one thing: with `partial` set, it adds to its result only
// what later text cannot change (each field of the result only ever grows by appending). Text it
// cannot decide yet (a marker's first bytes at the end, a call whose name is not complete) is
// simply not added: that is what "held" means. With `partial` off the text is complete and every
// reader decides everything (an unclosed call ends with the text; an unfinished marker is content).
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "api/tool_calls.h"

namespace cria {

// The answer as read so far. Invariant (partial reads): the reading of a longer text extends
// every field of the reading of its prefix, and calls before the last one are complete.
struct ParsedAnswer {
    std::string content;
    std::string reasoning;
    std::vector<ToolCall> calls;
};

// Where a marker was found: `which` indexes the markers given, npos when none was.
struct MarkerAt {
    size_t which = std::string_view::npos;
    size_t at = std::string_view::npos;
    bool found() const { return which != std::string_view::npos; }
};

class AnswerParse {
public:
    AnswerParse(std::string_view text, bool partial) : text_(text), partial_(partial) {}

    bool partial() const { return partial_; }
    size_t pos() const { return pos_; }
    void seek(size_t at) { pos_ = at; }
    std::string_view text() const { return text_; }
    std::string_view rest() const { return text_.substr(pos_); }
    bool at_end() const { return pos_ >= text_.size(); }
    ParsedAnswer& out() { return out_; }

    // The first (leftmost; the earlier-listed on a tie) of `markers` at or after pos().
    MarkerAt find(std::initializer_list<std::string_view> markers) const;
    // Where the text could still turn into one of `markers` at its end: the start of the longest
    // tail that is a proper prefix of one (text size if none, or if the text is complete).
    size_t held_from(std::initializer_list<std::string_view> markers) const;
    // Adds text up to the first of `markers` to the content and stops there, returning which;
    // without one, adds all the text that cannot begin a marker and returns "not found".
    MarkerAt content_until(std::initializer_list<std::string_view> markers);
    // The same for the reasoning.
    MarkerAt reasoning_until(std::initializer_list<std::string_view> markers);

    bool consume(std::string_view literal);  // at pos(): skips it and says true
    // At pos(): true when the rest of the text is a proper prefix of `literal` (more may make it).
    bool could_become(std::string_view literal) const;
    void skip_spaces();
    void add_content(std::string_view text) { out_.content.append(text); }
    // A marker that did not begin what it announces: the text [from, from + size) becomes
    // content and reading goes on after it.
    void keep_as_content(size_t from, size_t size);

    // A call begins (its name is known): content before it loses its trailing whitespace.
    ToolCall& begin_call(std::string name);

private:
    std::string_view text_;
    bool partial_;
    size_t pos_ = 0;
    ParsedAnswer out_;
};

// ---- JSON pieces (api/answer_syntax/json_scan.cpp) ----

enum class Scan { done, more, invalid };

// One JSON value at `from` (after optional whitespace). done: *end is just past it; more: the
// text ends inside it (*end = text size); invalid: it is not JSON. With `partial` off, a bare
// number or literal at the very end is complete.
Scan scan_json_value(std::string_view text, size_t from, bool partial, size_t* end);

// A JSON string at `from` (its opening quote): its decoded value in *value.
Scan read_json_string(std::string_view text, size_t from, std::string* value, size_t* end);

// The keys a family names a call's parts with ("" = unused slot).
struct JsonCallKeys {
    std::array<std::string_view, 2> name;       // e.g. "name", "tool_name"
    std::array<std::string_view, 2> arguments;  // e.g. "arguments", "parameters"
};

// A call written as one JSON object at pos() ({"name": ..., "arguments": {...}} and the like):
// the call begins once its name is read and its arguments stream as they come. done: pos() is
// past the object; more: the text ends inside it; invalid: not such an object (pos() unchanged,
// and no call began). Other members are skipped; arguments given as a JSON string are decoded.
Scan read_json_call(AnswerParse& p, const JsonCallKeys& keys);

// Streams the JSON value at pos() as the arguments of `call` (the last call begun): done: pos()
// past it; more: the text so far was added.
Scan stream_json_arguments(AnswerParse& p, ToolCall& call);

}  // namespace cria
