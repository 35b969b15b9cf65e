// The part of Ollama's prompt templates (Go's text/template) that /api/generate's `template`
// field needs for the usual one-turn templates: {{ .System }}, {{ .Prompt }}, {{ .Response }}
// (always empty: the answer is what comes next), {{ if .X }} ... {{ else }} ... {{ end }} on those
// three, and the trim markers {{- and -}}. Anything else is refused, never guessed at.
#pragma once

#include <string>

namespace cria {

// Throws ApiError (400, param "template") naming what it cannot render.
std::string render_ollama_template(const std::string& tmpl, const std::string& system, const std::string& prompt);

}  // namespace cria
