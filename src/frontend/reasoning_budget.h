// The thinking budget of a request, as the engine runs it (ReasoningBudgetParams in
// engine/generation_request.h): the budget and message from the request or the server's
// --reasoning-budget / --reasoning-budget-message, the tags from the template family, and whether
// the rendered prompt left the block open.
#pragma once

#include <string>

#include "api/answer_stream.h"
#include "api/chat_settings.h"
#include "api/openai_chat.h"
#include "engine/generation_request.h"

namespace cria {

// A chat request's budget: the request's (>= 0) else the server's; the message likewise. The tags
// are those the answer reader uses for the family of `answer` (<think>, <|START_THINKING|>,
// [THINK]); none, so no budget, where the answer's reasoning is not read out (--reasoning-format
// none, a template that does not think) or lives in channels (gpt-oss's Harmony).
ReasoningBudgetParams chat_reasoning_budget(const ChatSettings& settings, const ChatRequest& request,
                                            const AnswerOptions& answer);

// /completion and /v1/completions: the request's own budget, opened when the prompt's text ends
// (blanks aside) with its start tag.
void open_if_prompt_ends_in_tag(ReasoningBudgetParams& budget, const std::string& prompt_text);

}  // namespace cria
