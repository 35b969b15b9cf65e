// The edits of edit_file: exact replacements, each matched against the original text (not one
// after another). Pure, so its rules are unit-tested directly.
#pragma once

#include <string>
#include <vector>

namespace cria::agent {

struct TextEdit {
    std::string old_text;
    std::string new_text;
};

// Applies `edits` to `content` into *result. Each old_text must occur exactly once; when it does
// not occur at all, a match of whole lines that differ only in trailing spaces and tabs is taken
// (models often drop those). Edits may not overlap. Returns "" or the error, naming the edit by
// its index and the file by `path`; *result is then untouched.
std::string apply_text_edits(const std::string& content, const std::vector<TextEdit>& edits, const std::string& path,
                             std::string* result);

}  // namespace cria::agent
