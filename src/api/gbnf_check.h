// GBNF syntax checker: finds where a grammar in llama.cpp's GBNF format is wrong, before it is
// handed to libllama (whose own parser only says that it failed). Pure string code, our own,
// written from the format's description.
//
// Accepted: rules `name ::= alternatives` (names [a-zA-Z0-9-]+), alternatives separated by `|`,
// items "literal", [class] / [^class] with ranges, rule references, ( groups ), `.`, token
// references <...> / !<...>, each optionally repeated by * + ? {m} {m,} {m,n} {,n}. Escapes in
// literals and classes: \\ \" \[ \] \n \r \t \xHH \uHHHH \UHHHHHHHH. `#` comments run to the end
// of the line. A newline ends a rule except inside parentheses, after a trailing `|`, or before a
// line that starts with `|`. Duplicate definitions of a rule are allowed.
#pragma once

#include <string>

namespace cria {

// Checks GBNF (llama.cpp's grammar format) for syntax errors and undefined or missing rules.
// Returns "" when the grammar is well-formed, else a message saying what and where, e.g.
// "line 2, column 14: unterminated string literal" or "rule 'value' is used at line 1, column 9
// but never defined" or "no 'root' rule". Lines and columns are 1-based, columns count bytes.
std::string gbnf_syntax_error(const std::string& grammar, const std::string& root = "root");

}  // namespace cria
