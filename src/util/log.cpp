#include "util/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <nlohmann/json.hpp>

namespace cria {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::info)};
std::atomic<bool> g_json{false};
std::atomic<bool> g_prefix{true};
std::atomic<bool> g_timestamps{false};
std::atomic<bool> g_colors{false};
std::mutex g_mutex;
FILE* g_out = nullptr;  // null: stderr

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

const char* level_word(LogLevel level) {
    switch (level) {
        case LogLevel::debug: return "debug";
        case LogLevel::info: return "info";
        case LogLevel::warn: return "warn";
        case LogLevel::error: return "error";
        case LogLevel::off: break;
    }
    return "?";
}

// "2026-12-02 01:23:45.678 ": the current UTC time to the millisecond.
std::string timestamp() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[40];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &utc);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03d ", buffer, static_cast<int>(ms));
    return out;
}

const char* level_color(LogLevel level) {
    switch (level) {
        case LogLevel::debug: return "\033[90m";  // grey
        case LogLevel::warn: return "\033[33m";   // yellow
        case LogLevel::error: return "\033[31m";  // red
        default: return "";
    }
}

void write(const std::string& line) {
    std::lock_guard<std::mutex> lock(g_mutex);
    FILE* out = g_out ? g_out : stderr;
    std::fputs(line.c_str(), out);
    std::fputc('\n', out);
    std::fflush(out);
}
}  // namespace

void set_log_level(LogLevel level) { g_level.store(static_cast<int>(level)); }
bool log_enabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }
void set_log_json(bool json) { g_json.store(json); }

void set_log_text_style(bool prefix, bool timestamps, bool colors) {
    g_prefix.store(prefix);
    g_timestamps.store(timestamps);
    g_colors.store(colors);
}

bool set_log_file(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "a");
    if (f == nullptr) return false;
    std::lock_guard<std::mutex> lock(g_mutex);
    g_out = f;
    return true;
}

void log_fields(LogLevel level, const std::string& message, const std::vector<std::pair<std::string, std::string>>& fields) {
    if (!log_enabled(level)) return;
    if (g_json.load()) {
        const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
        nlohmann::json line = {{"level", level_word(level)}, {"time", now}, {"msg", message}};
        for (const auto& [key, value] : fields) {
            const auto number = nlohmann::json::parse(value, nullptr, false);
            line[key] = number.is_number() ? number : nlohmann::json(value);
        }
        write(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return;
    }
    std::string line = g_timestamps.load() ? timestamp() : std::string();
    if (g_prefix.load()) line += std::string(level_name(level)) + " cria: ";
    line += message;
    for (const auto& [key, value] : fields) line += " " + key + "=" + value;
    const char* color = g_colors.load() ? level_color(level) : "";
    write(*color ? color + line + "\033[0m" : line);
}

void log_line(LogLevel level, const std::string& message) { log_fields(level, message, {}); }

}  // namespace cria
