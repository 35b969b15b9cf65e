#include "util/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace cria {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::info)};
std::mutex g_mutex;
const char* level_name(LogLevel level) {
    switch (level) {
        case LogLevel::debug: return "D";
        case LogLevel::info: return "I";
        case LogLevel::warn: return "W";
        case LogLevel::error: return "E";
        case LogLevel::off: break;
    }
    return "?";
}
}  // namespace

void set_log_level(LogLevel level) { g_level.store(static_cast<int>(level)); }

bool log_enabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

void log_line(LogLevel level, const std::string& message) {
    if (!log_enabled(level)) return;
    std::lock_guard<std::mutex> lock(g_mutex);
    std::fprintf(stderr, "%s cria: %s\n", level_name(level), message.c_str());
    std::fflush(stderr);
}

}  // namespace cria
