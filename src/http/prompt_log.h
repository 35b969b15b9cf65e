// --log-prompts-dir: each generation's prompt written to a file, for debugging what the model
// really reads (the chat template's rendering, the system prompt, infill's layout).
//
// One file per prompt, named by the server alone: "<milliseconds since the epoch>-<number>.txt",
// the number counting the prompts this process wrote (so names never repeat, and no client text
// reaches a path). Files are created, never overwritten, and never through a symbolic link. The
// directory is created (with its parents) when the first prompt is written. Writing is best
// effort: a failure is logged as a warning and the request goes on.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/generation_request.h"
#include "frontend/tokenizer.h"

namespace cria {

class PromptLog {
public:
    explicit PromptLog(std::string directory) : directory_(std::move(directory)) {}

    bool enabled() const { return !directory_.empty(); }

    // Writes the prompt of each request that generates (embedding tasks are skipped): its tokens
    // as text, special tokens included, each image as "<__media__>". Thread-safe.
    void write(const Tokenizer& tokenizer, const std::vector<GenerationRequest>& requests);

private:
    std::string directory_;
    std::atomic<uint64_t> written_{0};
};

// The prompt of `request` as text: its tokens detokenized with special tokens shown, and the
// marker "<__media__>" once for each image's positions.
std::string prompt_log_text(const Tokenizer& tokenizer, const GenerationRequest& request);

}  // namespace cria
