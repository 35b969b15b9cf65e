// AnswerParse: a chat answer's text read by a template family's syntax reader, once whole or
// again after every generated piece. One rule makes both agree: with `partial` set, a reader adds
// to its result only what later text cannot change (each field of the result only ever grows by
// appending). Text it cannot decide yet (a marker's first bytes at the end, a call whose name is
// not complete) is simply not added: that is what "held" means. With `partial` off the text is
// complete and every reader decides everything (an unclosed call ends with the text; an
// unfinished marker is content).
//
// Streamed, one AnswerParse lives as long as the answer, and each reading resumes instead of
// starting over (so a piece costs time in proportion to itself, not to the answer):
// - Checkpoints. A reader calls checkpoint(fn) where "calling fn here would do what the rest of
//   this reading does" (the head of its loop, after the content it just passed on): it then keeps
//   no state but pos() and the result. The next reading calls fn at that position.
// - Writes are replayed. A resumed reading writes again what the former one wrote after the
//   checkpoint; each field has a write cursor, and bytes the field already holds are skipped,
//   not copied (the rule above guarantees they are the same bytes). So a call whose arguments
//   are 200 KB long is not copied again for each piece.
// - Scans are remembered. A JSON value or a marker search started at a position resumes where
//   the former reading stopped (scan_json(), find()).
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "api/answer_stream.h"
#include "api/tool_calls.h"

namespace cria {

// The answer as read so far. Invariant (partial reads): the reading of a longer text extends
// every field of the reading of its prefix (content, before a call, up to trailing whitespace),
// and calls before the last one are complete.
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

enum class Scan { done, more, invalid };

// Where the scan of one JSON value at `from` stopped in a partial text (scan_json_value()). Kept
// only at token boundaries (or inside a string, never inside an escape), so that going on from
// there reads the same tokens.
struct JsonScanMemo {
    size_t from = 0;
    bool started = false;      // i is past the leading whitespace
    size_t i = 0;              // the next character to read
    std::vector<char> open;    // the closers expected, innermost last
    bool in_string = false;    // i is inside a string
    Scan result = Scan::more;  // done or invalid: the scan is over (a longer text cannot change it)
    size_t end = 0;
};

// A search from `from` for some markers found none that starts before `clear_to`.
struct FindMemo {
    size_t from = 0;
    std::string markers;  // the markers, each followed by '\0' (which search it was)
    size_t clear_to = 0;
};

class AnswerParse {
public:
    // Where a resumed reading goes on: called with pos() at the checkpoint.
    using Resume = void (*)(AnswerParse&);

    // `options` must outlive this object.
    AnswerParse(std::string_view text, bool partial, const AnswerOptions& options);
    AnswerParse(const AnswerParse&) = delete;
    AnswerParse& operator=(const AnswerParse&) = delete;

    // Streamed use: `text` is the former text with more appended (it may have moved in memory).
    // pos() and the write cursors go back to the last checkpoint; returns what to call there
    // (null: read from the start).
    Resume reread(std::string_view text);

    // From here on, a reading resumed by calling `resume` does what the rest of this one does.
    void checkpoint(Resume resume);
    // Set once every further byte is content as it is (no tools offered, reasoning over).
    void mark_plain() { plain_from_ = pos_; }
    size_t plain_from() const { return plain_from_; }

    const AnswerOptions& options() const { return *options_; }
    bool partial() const { return partial_; }
    size_t pos() const { return pos_; }
    void seek(size_t at) { pos_ = at; }
    std::string_view text() const { return text_; }
    std::string_view rest() const { return text_.substr(pos_); }
    bool at_end() const { return pos_ >= text_.size(); }

    // The result so far. Readers write it only through the calls below.
    const ParsedAnswer& out() const { return out_; }
    // Where this reading began to write the content and the reasoning again: bytes before these
    // are as the former reading left them.
    size_t content_rewritten_from() const { return content_rewritten_from_; }
    size_t reasoning_rewritten_from() const { return reasoning_rewritten_from_; }
    ParsedAnswer take() { return std::move(out_); }

    // The first (leftmost; the earlier-listed on a tie) of `markers` at or after pos().
    MarkerAt find(std::initializer_list<std::string_view> markers);
    // Where the text could still turn into one of `markers` at its end: the start of the longest
    // tail that is a proper prefix of one (text size if none, or if the text is complete).
    size_t held_from(std::initializer_list<std::string_view> markers);
    // Adds text up to the first of `markers` to the content and stops there, returning which;
    // without one, adds all the text that cannot begin a marker and returns "not found". With
    // `resume`, then checkpoints there.
    MarkerAt content_until(std::initializer_list<std::string_view> markers, Resume resume = nullptr);
    // The same for the reasoning.
    MarkerAt reasoning_until(std::initializer_list<std::string_view> markers, Resume resume = nullptr);

    bool consume(std::string_view literal);  // at pos(): skips it and says true
    // At pos(): true when the rest of the text is a proper prefix of `literal` (more may make it).
    bool could_become(std::string_view literal);
    void skip_spaces();
    void add_content(std::string_view text);
    // A marker that did not begin what it announces: the text [from, from + size) becomes
    // content and reading goes on after it.
    void keep_as_content(size_t from, size_t size);
    void trim_reasoning();  // drops the reasoning's trailing whitespace

    // A call begins (its name is known): content before it loses its trailing whitespace. The
    // calls below write the arguments of the call begun last.
    void begin_call(std::string name);
    void set_arguments(std::string_view text);
    void add_arguments(std::string_view text);
    // The arguments are `text` as a whole (a value decided at once, not streamed): compared with
    // what a former reading wrote, and left as that when `text` does not extend it (what was
    // sent stays sent).
    void replace_arguments(std::string_view text);
    size_t arguments_size() const { return arguments_at_; }  // written by this reading
    // Call `index` was once begun elsewhere by a former reading, which a later one took back (a
    // call that turned out malformed): its arguments here are not what was sent for it.
    bool call_replaced(size_t index) const { return index < call_replaced_.size() && call_replaced_[index]; }
    const std::string& call_name() const { return out_.calls.at(calls_at_ - 1).name; }

    // One JSON value at `from` (after optional whitespace): see scan_json_value(); remembered
    // per `from`, so scanning it again only reads what was added since.
    Scan scan_json(size_t from, bool partial, size_t* end);
    // A JSON string at `from` (its opening quote): its decoded value in *value.
    Scan read_json_string(size_t from, std::string* value, size_t* end);

    // Characters looked at by the scans above since construction: the work done (tests check it
    // grows with the text, not with its square).
    size_t scanned() const { return scanned_; }
    void count_scanned(size_t n) { scanned_ += n; }

private:
    struct Cursors {
        size_t content = 0;
        size_t reasoning = 0;
        size_t calls = 0;
        size_t arguments = 0;
        // The whitespace that ended the content and the reasoning: a later begin_call() or
        // trim_reasoning() may have dropped it, and a resumed reading must find it again.
        std::string content_tail;
        std::string reasoning_tail;
    };
    void write(std::string& field, size_t& at, std::string_view text);
    void trim(std::string& field, size_t& at);
    static std::string space_tail(const std::string& field, size_t at);
    static void restore(std::string& field, size_t at, const std::string& tail);

    std::string_view text_;
    bool partial_;
    const AnswerOptions* options_;
    size_t pos_ = 0;
    ParsedAnswer out_;
    size_t content_at_ = 0, reasoning_at_ = 0, calls_at_ = 0, arguments_at_ = 0;  // write cursors
    Resume resume_ = nullptr;
    size_t resume_pos_ = 0;
    Cursors resume_cursors_;
    size_t content_rewritten_from_ = 0, reasoning_rewritten_from_ = 0;
    std::vector<size_t> call_begun_at_;  // by call: pos() when it began
    std::vector<bool> call_replaced_;
    size_t plain_from_ = std::string_view::npos;
    std::vector<JsonScanMemo> json_memos_;  // by `from`; a few at a time (the call being read)
    std::vector<FindMemo> find_memos_;
    size_t scanned_ = 0;
};

// The rest of the text is content as it is (checkpointed: each reading adds only the new text).
void read_content_to_end(AnswerParse& p);

// ---- JSON pieces (api/answer_syntax/json_scan.cpp) ----

// One JSON value at `from` (after optional whitespace). done: *end is just past it; more: the
// text ends inside it (*end = text size); invalid: it is not JSON. With `partial` off, a bare
// number or literal at the very end is complete.
Scan scan_json_value(std::string_view text, size_t from, bool partial, size_t* end);

// The same, resumable: `memo` (empty for a first scan at `from`) keeps where the scan of a
// partial text stopped, and a scan of a longer text goes on from there. *scanned is increased by
// the characters looked at.
Scan scan_json_value(std::string_view text, size_t from, bool partial, size_t* end, JsonScanMemo* memo, size_t* scanned);

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

// Streams the JSON value at pos() as the arguments of the call begun last: done: pos() past it;
// more: the text so far was added.
Scan stream_json_arguments(AnswerParse& p);

}  // namespace cria
