// Minimal logging to stderr: one line per event, prefixed with a level. Thread-safe.
#pragma once

#include <string>

namespace cria {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

void set_log_level(LogLevel level);
bool log_enabled(LogLevel level);
void log_line(LogLevel level, const std::string& message);

inline void log_debug(const std::string& m) { log_line(LogLevel::debug, m); }
inline void log_info(const std::string& m) { log_line(LogLevel::info, m); }
inline void log_warn(const std::string& m) { log_line(LogLevel::warn, m); }
inline void log_error(const std::string& m) { log_line(LogLevel::error, m); }

}  // namespace cria
