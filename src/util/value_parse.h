// Strict parsing of option and query values: a number must be the whole text, a boolean one of a few
// words. Used by the option parser and by api/ (e.g. a slot id in a URL).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cria::util {

// Whole-text integer, optional leading '+' or '-'; nullopt on anything else or on overflow.
std::optional<int64_t> parse_int(const std::string& text);

// Whole-text finite decimal number ("0.5", "-1", "1e-3"); nullopt on anything else, inf or nan.
std::optional<double> parse_float(const std::string& text);

// true/false, 1/0, on/off, yes/no, enabled/disabled, case-insensitive; nullopt on anything else.
std::optional<bool> parse_bool_word(const std::string& text);

// Splits on `sep`, trimming spaces and tabs around each item; keeps empty items.
std::vector<std::string> split_list(const std::string& text, char sep);

std::string trim(const std::string& text);
std::string to_lower(std::string text);

}  // namespace cria::util
