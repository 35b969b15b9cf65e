// ChatSettings: the server-wide settings of chat templates and of reading answers, from the
// command line (--reasoning-format, --reasoning, --reasoning-budget, --chat-template-kwargs, ...).
// The option table writes them (options/llama_server_options.cpp); the front end applies them to
// every chat request (frontend/chat_prompt.h: template_variables(), answer_options_for()). Plain data.
#pragma once

#include <cstdint>
#include <string>

namespace cria {

struct ChatSettings {
    std::string reasoning_format = "auto";     // --reasoning-format: none, deepseek, deepseek-legacy, auto
    std::string reasoning = "auto";            // -rea, --reasoning: on (enable_thinking true), off (false), auto
    std::string reasoning_effort = "default";  // --reasoning-effort: given to templates as reasoning_effort
    int32_t reasoning_budget = -1;             // --reasoning-budget: -1 unrestricted, 0 no thinking, N: N tokens
    std::string reasoning_budget_message;      // --reasoning-budget-message: forced before the end tag
    bool reasoning_preserve = true;            // --reasoning-preserve: earlier reasoning_content reaches the template
    bool skip_chat_parsing = false;            // --skip-chat-parsing: the whole answer is content
    std::string chat_template_kwargs;          // --chat-template-kwargs: a JSON object's text ("" = none)
    // --prefill-assistant: a conversation that ends with an assistant message is continued: the
    // prompt ends with that message's text, no end of turn (frontend/request_pipeline.h).
    // --no-prefill-assistant: that message is a finished turn, and the model writes the next one.
    bool prefill_assistant = true;
};

}  // namespace cria
