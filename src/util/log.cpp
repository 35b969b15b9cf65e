#include "util/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include <nlohmann/json.hpp>

namespace cria {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::info)};
std::atomic<bool> g_json{false};
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
    std::string line = std::string(level_name(level)) + " cria: " + message;
    for (const auto& [key, value] : fields) line += " " + key + "=" + value;
    write(line);
}

void log_line(LogLevel level, const std::string& message) { log_fields(level, message, {}); }

}  // namespace cria
