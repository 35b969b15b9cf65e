#include "download/download_progress.h"

#include <cstdio>
#include <utility>

namespace cria::download {

std::string format_bytes(int64_t bytes) {
    char buf[32];
    if (bytes < 1024) {
        std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
    } else if (bytes < (int64_t{1} << 20)) {
        std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
    } else if (bytes < (int64_t{1} << 30)) {
        std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    } else {
        std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
    }
    return buf;
}

std::string format_progress(const std::string& label, int64_t done, int64_t total, double bytes_per_second) {
    constexpr int kBarWidth = 24;
    std::string line = label + "  ";
    if (total > 0) {
        const int64_t clamped = done < 0 ? 0 : (done > total ? total : done);
        const int percent = static_cast<int>(clamped * 100 / total);
        const int filled = static_cast<int>(clamped * kBarWidth / total);
        char pct[8];
        std::snprintf(pct, sizeof pct, "%3d%%", percent);
        line += std::string(pct) + " [" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "] " +
                format_bytes(done) + " / " + format_bytes(total);
    } else {
        line += format_bytes(done);
    }
    if (bytes_per_second >= 0) line += "  " + format_bytes(static_cast<int64_t>(bytes_per_second)) + "/s";
    return line;
}

ProgressLine::ProgressLine(std::string label, bool enabled)
    : label_(std::move(label)), enabled_(enabled), started_(std::chrono::steady_clock::now()) {}

ProgressLine::~ProgressLine() {
    if (enabled_ && drawn_) std::fputc('\n', stderr);  // never leave the cursor after a half-drawn line
}

void ProgressLine::update(int64_t done, int64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (first_done_ < 0) first_done_ = done;
    if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    draw(done, total);
}

void ProgressLine::finish(int64_t done, int64_t total) {
    if (!enabled_) return;
    if (first_done_ < 0) first_done_ = done;
    draw(done, total);
    std::fputc('\n', stderr);
    drawn_ = false;
    enabled_ = false;
}

void ProgressLine::draw(int64_t done, int64_t total) {
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - started_).count();
    const double speed = seconds > 0.5 ? static_cast<double>(done - first_done_) / seconds : -1.0;
    // "\r" returns to the start of the line; "\033[K" clears what a longer earlier line left.
    std::fprintf(stderr, "\r%s\033[K", format_progress(label_, done, total, speed).c_str());
    std::fflush(stderr);
    drawn_ = true;
    last_draw_ = now;
}

}  // namespace cria::download
