#include "http/prompt_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "util/log.h"

namespace cria {

namespace {

// Creates `path` and writes `text` into it; false (errno set) on any failure.
bool write_new_file(const std::string& path, const std::string& text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<size_t>(n);
    }
    const bool ok = done == text.size();
    ::close(fd);
    return ok;
}

}  // namespace

void PromptLog::write(const std::vector<PreparedPrompt>& prompts) {
    if (!enabled()) return;
    std::error_code error;
    std::filesystem::create_directories(directory_, error);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
    for (const auto& prompt : prompts) {
        const std::string path =
            directory_ + "/" + std::to_string(ms) + "-" + std::to_string(written_.fetch_add(1) + 1) + ".txt";
        if (!write_new_file(path, prompt.prompt_text)) {
            log_warn("--log-prompts-dir: could not write " + path + ": " + std::strerror(errno));
        }
    }
}

}  // namespace cria
