// Our own Jinja2 template engine: the subset that chat templates shipped in GGUF metadata use.
//
// Contract:
//  * render_template() lexes, parses and renders `source` with the variables of `context` (a JSON
//    object; JSON objects become dicts whose keys iterate in nlohmann::json's order, i.e. sorted).
//  * Output is byte-identical to Python's jinja2 (ImmutableSandboxedEnvironment, autoescape off,
//    the loopcontrols extension, Hugging Face's tojson, the trim_blocks/lstrip_blocks given in
//    RenderOptions) for the supported subset:
//      statements  if/elif/else, for (loop.*, for-else, inline `if`, unpacking, break/continue),
//                  set (also `set ns.attr = ...`, `set a, b = ...` and block set with filters),
//                  macro (positional/keyword args, defaults, recursion), with, filter, raw,
//                  generation; comments; whitespace control `{%- -%} {{- -}} {%+`.
//      expressions literals, attribute/item access, slices, arithmetic, `~`, comparisons (chained),
//                  and/or/not, in/not in, `is` tests, `a if c else b`, calls with keyword args.
//      filters     tojson (indent, ensure_ascii, sort_keys, separators), trim, length/count, upper,
//                  lower, capitalize, title, replace, join, default/d, first, last, list, string,
//                  int, float, abs, round, items, dictsort, selectattr/rejectattr/select/reject,
//                  map, indent, safe, escape/e, reverse, sort, unique, sum, min, max, wordcount,
//                  format.
//      methods     str: strip/lstrip/rstrip, startswith/endswith, split/rsplit, upper, lower,
//                  replace, title, capitalize, find, count, join, splitlines, format ("{}" only),
//                  isdigit/isalpha/isspace; dict: items, keys, values, get.
//      globals     raise_exception, strftime_now, range, namespace, dict.
//  * Undefined variables render as "" and are falsy; attribute or item access on an undefined
//    value gives undefined (more lenient than jinja2, which raises there). Arithmetic on
//    undefined is an error, as in jinja2.
//  * Case mapping and whitespace stripping are ASCII-only (Python's are Unicode-aware).
//  * Any syntax or runtime error, including raise_exception(msg), throws TemplateError with the
//    1-based line and column of the offending tag or expression (0 when unknown). For
//    raise_exception, message() is exactly msg. Hostile templates (deep nesting, runaway macro
//    recursion, huge ranges) fail with TemplateError instead of exhausting the stack or memory.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace cria::jinja {

struct RenderOptions {
  bool trim_blocks = true;    // drop the first newline after a block or comment tag
  bool lstrip_blocks = true;  // strip spaces and tabs before a block or comment tag at line start
  bool keep_trailing_newline = false;  // jinja2's default drops one trailing newline
};

class TemplateError : public std::runtime_error {
 public:
  TemplateError(std::string message, int line, int column);
  const std::string& message() const { return message_; }
  int line() const { return line_; }
  int column() const { return column_; }

 private:
  std::string message_;
  int line_;
  int column_;
};

// Renders `source` with `context`; throws TemplateError{message, line, column} on errors.
std::string render_template(const std::string& source, const nlohmann::json& context,
                            const RenderOptions& options = {});

}  // namespace cria::jinja

namespace cria {
using jinja::render_template;
using jinja::RenderOptions;
using jinja::TemplateError;
}  // namespace cria
