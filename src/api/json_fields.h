// Typed reads of request fields. Each function returns the field's value, or `fallback` when the
// field is absent or null, and throws an ApiError naming the field when it has the wrong type or
// is out of range. Ranges are inclusive.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/api_error.h"

namespace cria {

using json = nlohmann::json;

// The body must be a JSON object; parse errors become a 400 naming the position.
json parse_json_object(const std::string& body);

bool has_field(const json& object, const char* name);  // present and not null

int64_t read_int(const json& object, const char* name, int64_t fallback, int64_t min, int64_t max);
double read_number(const json& object, const char* name, double fallback, double min, double max);
bool read_bool(const json& object, const char* name, bool fallback);
std::string read_string(const json& object, const char* name, const std::string& fallback);

// A string or an array of strings; a single string becomes a one-element list.
std::vector<std::string> read_string_list(const json& object, const char* name);

}  // namespace cria
