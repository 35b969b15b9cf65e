// The server-wide system prompt (see api/system_prompt.h) with its tokens, and the shared slot
// that holds the current one. Requests read one snapshot; a request's own `system_prompt` becomes
// a pending change (frontend/request_pipeline.h) that the route installs only once every check of
// the request passed, so a refused request never changes what later requests see.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "api/system_prompt.h"
#include "engine/vocabulary.h"
#include "frontend/tokenizer.h"

namespace cria {

struct ActiveSystemPrompt {
    SystemPrompt text;
    std::vector<Token> tokens;  // BOS first when the model wants one; empty: no system prompt
};

// The system prompt `text` with its tokens.
std::shared_ptr<const ActiveSystemPrompt> make_system_prompt(SystemPrompt text, const Tokenizer& tokenizer);

// Any handler thread may read or replace it.
class SharedSystemPrompt {
public:
    std::shared_ptr<const ActiveSystemPrompt> get() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return current_;
    }
    void install(std::shared_ptr<const ActiveSystemPrompt> next) {
        std::lock_guard<std::mutex> lock(mutex_);
        current_ = std::move(next);
    }
    // Tokenizes and installs `text` (start-up: --system-prompt-file).
    void set(SystemPrompt text, const Vocabulary& vocabulary);

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const ActiveSystemPrompt> current_ = std::make_shared<ActiveSystemPrompt>();
};

}  // namespace cria
