// Logging: one line per event, as text ("I cria: message") or JSON ({"level", "time", "msg", …}),
// to stderr or a file. Thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cria {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

void set_log_level(LogLevel level);
bool log_enabled(LogLevel level);

// JSON lines instead of text.
void set_log_json(bool json);

// How text lines look: the level letter and "cria: " before the message (--log-prefix, on by
// default), the UTC date and time before that (--log-timestamps), ANSI colors by level (--log-colors).
void set_log_text_style(bool prefix, bool timestamps, bool colors);

// Appends to `path` instead of writing to stderr. Returns false if the file cannot be opened.
bool set_log_file(const std::string& path);

void log_line(LogLevel level, const std::string& message);

// A line with named fields (a request's method, route, status, durations…): in text, appended
// as key=value; in JSON, members of the line's object. Values that parse as numbers stay numbers.
void log_fields(LogLevel level, const std::string& message, const std::vector<std::pair<std::string, std::string>>& fields);

inline void log_debug(const std::string& m) { log_line(LogLevel::debug, m); }
inline void log_info(const std::string& m) { log_line(LogLevel::info, m); }
inline void log_warn(const std::string& m) { log_line(LogLevel::warn, m); }
inline void log_error(const std::string& m) { log_line(LogLevel::error, m); }

}  // namespace cria
