// POST /slots/{id}?action=save|restore|erase: the request, parsed and validated. No HTTP, no llama.
#pragma once

#include <cstdint>
#include <string>

#include "api/api_error.h"

namespace cria {

enum class SlotFileVerb { save, restore, erase };

struct SlotFileCall {
    SlotFileVerb verb = SlotFileVerb::save;
    int32_t id_slot = 0;
    std::string filename;  // save, restore: a plain file name inside --slot-save-path
};

// `action` is the query parameter, `id_text` the path's {id}, `body` the request body (JSON object
// with "filename" for save and restore; may be empty for erase). Throws a 400 ApiError naming
// `action`, `id_slot` or `filename`.
SlotFileCall parse_slot_file_call(const std::string& action, const std::string& id_text, const std::string& body,
                                  int32_t n_slots);

// Why `name` cannot be a slot file's name, or "" if it can: a single path component of at most
// 255 bytes, no '/', '\', NUL or control characters, not "." or "..", not starting with '.'.
// (Names stay inside --slot-save-path without resolving anything on disk.)
std::string slot_file_name_problem(const std::string& name);

}  // namespace cria
