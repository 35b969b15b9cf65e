// UTF-8 encoding of one code point, shared by the code that writes text from escapes
// (JSON-Schema patterns, Jinja string literals).
#pragma once

#include <cstdint>
#include <string>

namespace cria {

// Appends `code_point` (at most U+10FFFF) as 1 to 4 UTF-8 bytes.
void append_utf8(std::string& out, uint32_t code_point);

}  // namespace cria
