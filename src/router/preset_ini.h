// The INI text of llama-server's model presets (--models-preset), read into sections of key/value
// pairs. Only the syntax lives here; what the keys mean is model_catalog.h's business.
//
// Syntax: one entry per line, `key = value`; `[name]` starts a section; `;` or `#` at the start of
// a line makes it a comment; blank lines are skipped; keys and values are trimmed, and a value in
// matching double or single quotes loses them. Entries before the first section are the file's own
// (llama-server writes `version = 1` there). `[*]` is the section of options for every model.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cria::router {

struct PresetSection {
    std::string name;                                          // "" for the entries before any section
    std::vector<std::pair<std::string, std::string>> entries;  // in file order; a repeated key keeps both
    int line = 0;                                              // where the section starts (1-based)
};

// A malformed file: the message names the line.
struct PresetError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Bounds on what a preset file may hold; a file beyond them is refused, not cut.
inline constexpr size_t kMaxPresetBytes = 1u << 20;
inline constexpr size_t kMaxPresetSections = 1024;

// The file's sections in order; the first one is always the unnamed one (possibly empty).
// Throws PresetError: a line that is neither, an empty or unterminated section name, a section
// named twice, a key without a name, or a file over the bounds above.
std::vector<PresetSection> parse_preset_ini(const std::string& text);

}  // namespace cria::router
