// Typed reads of request fields. Each function returns the field's value, or `fallback` when the
// field is absent or null, and throws an ApiError naming the field when it has the wrong type or
// is out of range. Ranges are inclusive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/api_error.h"

namespace cria {

using json = nlohmann::json;

// The deepest nesting of arrays and objects a request body may have unless --max-json-depth
// says otherwise, and the most that option allows. Every recursive walk of request JSON (nlohmann's
// own copy, dump and comparison, the template values, the JSON-schema converter) is bounded by the
// depth the HTTP layer let in: check_json_depth() runs on every request body before any route
// parses it (http/http_server.cpp).
inline constexpr size_t kDefaultMaxJsonDepth = 100;
inline constexpr size_t kMaxJsonDepthLimit = 1000;

// How deeply `text` nests JSON arrays and objects: the most '[' and '{' open at once, counted
// outside strings, so it needs no parse (O(n), no recursion) and works on invalid JSON too (the
// parser reports that). Counting stops once the depth passes `stop_above`.
size_t json_nesting_depth(std::string_view text, size_t stop_above = SIZE_MAX);

// Throws a 400 "the JSON body nests deeper than N levels" when `body` does.
void check_json_depth(std::string_view body, size_t max_depth);

// The body as any JSON value; parse errors become a 400 naming the position.
json parse_json_value(const std::string& body);

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
