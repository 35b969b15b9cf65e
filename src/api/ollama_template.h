// The part of Ollama's prompt templates (Go's text/template) that /api/generate's `template`
// field needs for the usual one-turn templates: {{ .System }}, {{ .Prompt }}, {{ .Response }}
// (always empty: the answer is what comes next), {{ if .X }} ... {{ else }} ... {{ end }} on those
// three, and the trim markers {{- and -}}. Anything else is refused, never guessed at.
#pragma once

#include <cstddef>
#include <string>

namespace cria {

// The longest rendered text: a short template can repeat {{ .Prompt }} (up to the request's size)
// a million times, so the output is bounded on its own, as the Jinja renderer bounds its strings.
inline constexpr size_t kMaxOllamaTemplateOutput = 16u << 20;

// Throws ApiError (400, param "template") naming what it cannot render, or when the text would
// grow past max_output bytes. Time is linear in the template's and the output's size.
std::string render_ollama_template(const std::string& tmpl, const std::string& system, const std::string& prompt,
                                   size_t max_output = kMaxOllamaTemplateOutput);

}  // namespace cria
