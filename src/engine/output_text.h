// OutputText: the generated text of one request, and how much of it is safe to send.
//
// Pure string logic (no libllama) so it is unit-tested without a model. Two rules decide what a
// stream may send after each token:
//   - a stop string never leaks, not even its beginning: a suffix that could still grow into a
//     stop string is held back until the next tokens settle it;
//   - a UTF-8 character is never split: trailing bytes of an incomplete character are held back.
// When generation ends, everything left (except a matched stop string) is released.
//
// Cost: the stop strings become one automaton when the request starts (engine/stop_automaton.h);
// each token then costs time in its own bytes (amortized), whatever the number of stop strings,
// and the hold-back is the automaton's state, not a scan.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/stop_automaton.h"

namespace cria {

class OutputText {
public:
    explicit OutputText(std::vector<std::string> stop_strings);

    // Appends one token's bytes. Returns true if a stop string now appears in the text; the text
    // is then cut just before it and stopping_word() names it. Of several, the one that starts
    // first wins; of several starting at the same byte, the first in the list.
    bool append(const std::string& piece);

    // The bytes that became safe to send since the last call (maybe empty). Once finish() was
    // called, or a stop string matched, it returns everything still unsent.
    std::string take_sendable();

    // Generation ended for another reason (EOS, limit, cancel): nothing is held back any more.
    void finish() { finished_ = true; }

    // Generation ends with the text cut at `at` (n_indent's under-indented line). Only bytes not
    // sent yet can be cut: `at` is clamped to what was already sent.
    void cut_and_finish(size_t at);

    const std::string& text() const { return text_; }
    const std::string& stopping_word() const { return stopping_word_; }

private:
    std::vector<std::string> stop_strings_;
    StopAutomaton automaton_;
    StopAutomaton::State state_ = StopAutomaton::kStart;  // after reading all of text_
    size_t longest_stop_ = 0;
    std::string text_;
    size_t sent_ = 0;
    bool finished_ = false;
    std::string stopping_word_;
};

// Number of bytes at the end of `text` that begin a UTF-8 character not yet complete (0..3).
size_t incomplete_utf8_suffix(const std::string& text);

// True if `text` is entirely valid UTF-8.
bool is_valid_utf8(const std::string& text);

}  // namespace cria
