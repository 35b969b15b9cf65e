// --log-prompts-dir: each generation prompt written to a file, for debugging what the model
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

#include "frontend/request_pipeline.h"

namespace cria {

class PromptLog {
public:
    explicit PromptLog(std::string directory) : directory_(std::move(directory)) {}

    bool enabled() const { return !directory_.empty(); }

    // Writes each prompt's text as the model reads it (PreparedPrompt::prompt_text: a chat's
    // rendered template, special tokens and image markers as text), once per prompt, before the
    // request is submitted. Thread-safe.
    void write(const std::vector<PreparedPrompt>& prompts);

private:
    std::string directory_;
    std::atomic<uint64_t> written_{0};
};

}  // namespace cria
