// Our own Jinja2 template engine: the subset that chat templates shipped in GGUF metadata use.
//
// Contract:
//  * render_template() lexes, parses and renders `source` with the variables of `context` (a JSON
//    object; JSON objects become dicts whose keys iterate in nlohmann::json's order, i.e. sorted).
//  * Output is byte-identical to Python's jinja2 (ImmutableSandboxedEnvironment, autoescape off,
//    the loopcontrols extension, the trim_blocks/lstrip_blocks given in RenderOptions) for the
//    supported subset: statements if/elif/else, for (loop.*, for-else, `if` filter, unpacking,
//    break/continue), set (also `ns.attr` and block set), macro, generation, filter blocks; the
//    usual expressions, filters, tests, str/dict methods, and the globals raise_exception,
//    strftime_now, range, namespace, dict.
//  * Undefined variables render as "" and are falsy; attribute or item access on an undefined
//    value gives undefined (more lenient than jinja2, which raises there).
//  * Any syntax or runtime error, including raise_exception(msg), throws TemplateError. For
//    raise_exception, message() is exactly msg.
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
