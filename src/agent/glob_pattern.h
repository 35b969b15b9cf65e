// GlobPattern: the include/exclude patterns of file_glob_search and grep_search. '*' and '?' stay
// within one path segment, '**' crosses segments ("**/" also matches no directory), [...] is a
// character class ([!...] or [^...] negated). A pattern without '/' matches a file's name at any
// depth; one with '/' matches the whole path relative to the search's base, as if it began with
// "**/" unless it already does or begins with '/' (anchored at the base).
// Compiled to a POSIX extended regular expression: glibc matches those without backtracking, so no
// pattern can make a search slow.
#pragma once

#include <regex.h>

#include <memory>
#include <optional>
#include <string>

namespace cria::agent {

class GlobPattern {
public:
    // nullopt and *error for an unterminated [ or a pattern over 1024 bytes.
    static std::optional<GlobPattern> compile(const std::string& pattern, std::string* error);

    // `relative_path`: '/'-separated, no leading "./".
    bool matches(const std::string& relative_path) const;

    // The regular expression the pattern became (for the unit tests).
    const std::string& expression() const { return expression_; }

private:
    struct Compiled;
    std::shared_ptr<Compiled> compiled_;
    std::string expression_;
    bool name_only_ = false;
};

// The regular expression (anchored) that `glob` means, segment rules included; "" and *error for
// an unterminated class.
std::string glob_to_regex(const std::string& glob, std::string* error);

}  // namespace cria::agent
