#include "engine/indent_limit.h"

namespace cria {

size_t IndentLimit::check(const std::string& text) {
    if (!active()) return std::string::npos;
    for (; scanned_ < text.size(); ++scanned_) {
        const char c = text[scanned_];
        if (at_line_start_) {
            if (c == ' ' || c == '\t') {
                ++indent_;
                continue;
            }
            // The line's content begins here ('\n' too: a blank line has no indentation).
            if (indent_ < min_indent_) return scanned_;
            at_line_start_ = false;
        }
        if (c == '\n') {
            at_line_start_ = true;
            indent_ = 0;
        }
    }
    return std::string::npos;
}

}  // namespace cria
