#include "frontend/reasoning_budget.h"

#include "api/answer_syntax/read_answer.h"

namespace cria {

namespace {

bool ends_with_tag(const std::string& text, const std::string& tag) {
    const size_t end = text.find_last_not_of(" \t\r\n");
    if (tag.empty() || end == std::string::npos || end + 1 < tag.size()) return false;
    return text.compare(end + 1 - tag.size(), tag.size(), tag) == 0;
}

}  // namespace

ReasoningBudgetParams chat_reasoning_budget(const ChatSettings& settings, const ChatRequest& request,
                                            const AnswerOptions& answer) {
    ReasoningBudgetParams budget;
    if (!answer.parse || answer.reasoning == ReasoningFormat::none || answer.format == ToolFormat::gpt_oss) return budget;
    budget.tokens = request.reasoning_budget >= 0 ? request.reasoning_budget : settings.reasoning_budget;
    budget.message = request.reasoning_budget_message.value_or(settings.reasoning_budget_message);
    // The answer reader's own tags: the forced end tag must be the one it looks for.
    const ThinkTags tags = think_tags(answer.format);
    budget.start_tag = std::string(tags.open);
    budget.end_tag = std::string(tags.close);
    budget.prompt_opened = answer.starts_in_reasoning;
    return budget;
}

void open_if_prompt_ends_in_tag(ReasoningBudgetParams& budget, const std::string& prompt_text) {
    budget.prompt_opened = ends_with_tag(prompt_text, budget.start_tag);
}

}  // namespace cria
