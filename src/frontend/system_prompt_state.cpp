#include "frontend/system_prompt_state.h"

#include "frontend/engine_adapters.h"

namespace cria {

std::shared_ptr<const ActiveSystemPrompt> make_system_prompt(SystemPrompt text, const Tokenizer& tokenizer) {
    auto active = std::make_shared<ActiveSystemPrompt>();
    if (!text.prompt.empty()) active->tokens = tokenizer.tokenize(text.prompt, /*add_special=*/true, false);
    active->text = std::move(text);
    return active;
}

void SharedSystemPrompt::set(SystemPrompt text, const Vocabulary& vocabulary) {
    install(make_system_prompt(std::move(text), VocabularyTokenizer(vocabulary)));
}

}  // namespace cria
