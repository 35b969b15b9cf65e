// IndentLimit: llama-server's `n_indent`, the minimum indentation of the generated lines.
//
// A code-completion client (FIM) wants the block at its cursor, not the code that follows it: once
// the answer has started a new line, a line indented by fewer than n_indent spaces or tabs ends
// generation, and the text is cut where that line's content begins (its indentation stays). The
// line the answer starts on continues the prompt's own line, so it is never checked. A blank line
// counts as indented by zero, as in llama-server.
//
// Pure string logic (no libllama): it reads the text incrementally, each byte once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace cria {

class IndentLimit {
public:
    explicit IndentLimit(int32_t min_indent) : min_indent_(min_indent) {}

    bool active() const { return min_indent_ > 0; }

    // Reads `text` (the whole generated text; it only grows between calls) from where the last
    // call stopped. Returns the position to cut the text at, or std::string::npos.
    size_t check(const std::string& text);

private:
    int32_t min_indent_;
    size_t scanned_ = 0;
    bool at_line_start_ = false;  // after a '\n', before the line's first byte other than ' ' or '\t'
    int32_t indent_ = 0;          // the indentation read so far on that line
};

}  // namespace cria
