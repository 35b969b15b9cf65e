// The progress line of a download on a terminal: "tiny.gguf  42% [########....] 1.2 MiB / 2.9 MiB  3.4 MiB/s",
// redrawn in place on stderr. Used only when stderr is a terminal; otherwise downloads are logged
// as one line when they start and one when they end.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace cria::download {

// "512 B", "1.5 KiB", "2.9 MiB", "1.23 GiB".
std::string format_bytes(int64_t bytes);

// One progress line (no carriage return). `total` < 0: unknown (no percentage or bar);
// `bytes_per_second` < 0: no speed shown.
std::string format_progress(const std::string& label, int64_t done, int64_t total, double bytes_per_second);

class ProgressLine {
public:
    ProgressLine(std::string label, bool enabled);
    ~ProgressLine();
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;

    // Redraws the line, at most about ten times a second.
    void update(int64_t done, int64_t total);
    // Draws the last state and ends the line.
    void finish(int64_t done, int64_t total);

private:
    void draw(int64_t done, int64_t total);

    std::string label_;
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point last_draw_;
    int64_t first_done_ = -1;  // bytes already there when this line started (a resumed download)
};

}  // namespace cria::download
