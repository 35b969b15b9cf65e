#include "http/prompt_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "api/image_input.h"
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

std::string prompt_log_text(const Tokenizer& tokenizer, const GenerationRequest& request) {
    std::string text;
    std::vector<Token> run;
    size_t next_image = 0;
    for (size_t i = 0; i < request.prompt.size();) {
        if (!is_image_position(request.prompt[i])) {
            run.push_back(request.prompt[i++]);
            continue;
        }
        text += tokenizer.detokenize(run, /*render_special=*/true);
        run.clear();
        text += kImageMarker;
        // Skip the image's positions (one placeholder run per image).
        const bool known = next_image < request.images.size() && request.images[next_image].position == i;
        i += known ? std::max<size_t>(1, request.images[next_image++].n_positions) : 1;
        while (!known && i < request.prompt.size() && is_image_position(request.prompt[i])) ++i;
    }
    return text + tokenizer.detokenize(run, /*render_special=*/true);
}

void PromptLog::write(const Tokenizer& tokenizer, const std::vector<GenerationRequest>& requests) {
    if (!enabled()) return;
    std::error_code error;
    std::filesystem::create_directories(directory_, error);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
    for (const auto& request : requests) {
        if (request.embed) continue;
        const std::string path =
            directory_ + "/" + std::to_string(ms) + "-" + std::to_string(written_.fetch_add(1) + 1) + ".txt";
        const std::string text = prompt_log_text(tokenizer, request);
        if (!write_new_file(path, text)) {
            log_warn("--log-prompts-dir: could not write " + path + ": " + std::strerror(errno));
        }
    }
}

}  // namespace cria
