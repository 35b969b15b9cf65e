// A request's thinking budget from its JSON (api/completion_request.h, api/openai_chat.h) to the
// engine's ReasoningBudgetParams (frontend/reasoning_budget.h).
#include <gtest/gtest.h>

#include "api/api_error.h"
#include "api/completion_request.h"
#include "api/openai_chat.h"
#include "frontend/reasoning_budget.h"

namespace cria {
namespace {

using json = nlohmann::json;

CompletionDefaults defaults() {
    CompletionDefaults d;
    d.n_slots = 1;
    return d;
}

std::string refused_field(const json& body, bool chat) {
    try {
        if (chat) {
            json b = body;
            b["messages"] = json::array({{{"role", "user"}, {"content", "hi"}}});
            parse_chat_request(b, defaults());
        } else {
            parse_completion_request(body, defaults());
        }
    } catch (const ApiError& e) {
        return e.param;
    }
    return "(accepted)";
}

TEST(ReasoningBudgetRequest, CompletionTakesTheBudgetItsMessageAndTags) {
    const auto plain = parse_completion_request({{"prompt", "hi"}}, defaults());
    EXPECT_EQ(plain.generation.reasoning_budget.tokens, -1);
    EXPECT_FALSE(plain.generation.reasoning_budget.enabled());

    const auto r = parse_completion_request({{"prompt", "hi"},
                                             {"reasoning_budget_tokens", 7},
                                             {"reasoning_budget_message", "Enough."},
                                             {"reasoning_budget_end_tag", "[/T]"}},
                                            defaults());
    EXPECT_EQ(r.generation.reasoning_budget.tokens, 7);
    EXPECT_EQ(r.generation.reasoning_budget.message, "Enough.");
    EXPECT_EQ(r.generation.reasoning_budget.start_tag, "<think>");
    EXPECT_EQ(r.generation.reasoning_budget.end_tag, "[/T]");
    EXPECT_EQ(parse_completion_request({{"prompt", "hi"}, {"thinking_budget_tokens", 3}}, defaults())
                  .generation.reasoning_budget.tokens,
              3);
}

TEST(ReasoningBudgetRequest, BadValuesAre400sNamingTheField) {
    for (const bool chat : {false, true}) {
        EXPECT_EQ(refused_field({{"prompt", "hi"}, {"reasoning_budget_tokens", -2}}, chat), "reasoning_budget_tokens");
        EXPECT_EQ(refused_field({{"prompt", "hi"}, {"reasoning_budget_tokens", "9"}}, chat), "reasoning_budget_tokens");
        EXPECT_EQ(refused_field({{"prompt", "hi"}, {"reasoning_budget_tokens", 2147483648LL}}, chat),
                  "reasoning_budget_tokens");
        EXPECT_EQ(refused_field({{"prompt", "hi"}, {"thinking_budget_tokens", 1.5}}, chat), "thinking_budget_tokens");
        EXPECT_EQ(refused_field({{"prompt", "hi"}, {"reasoning_budget_message", 1}}, chat), "reasoning_budget_message");
        EXPECT_EQ(refused_field({{"prompt", "hi"}, {"reasoning_budget_message", std::string(5000, 'x')}}, chat),
                  "reasoning_budget_message");
        EXPECT_EQ(refused_field({{"prompt", "hi"}, {"reasoning_budget_tokens", 2147483647LL}}, chat), "(accepted)");
    }
}

TEST(ReasoningBudgetRequest, ChatBudgetComesFromTheRequestElseTheServer) {
    ChatSettings settings;
    settings.reasoning_budget = 50;
    settings.reasoning_budget_message = "Server says stop.";
    AnswerOptions answer;
    answer.format = ToolFormat::deepseek_r1;
    answer.starts_in_reasoning = true;

    ChatRequest request;
    ReasoningBudgetParams p = chat_reasoning_budget(settings, request, answer);
    EXPECT_EQ(p.tokens, 50);
    EXPECT_EQ(p.message, "Server says stop.");
    EXPECT_EQ(p.start_tag, "<think>");
    EXPECT_EQ(p.end_tag, "</think>");
    EXPECT_TRUE(p.prompt_opened);

    request.reasoning_budget = 4;
    request.reasoning_budget_message = "";
    p = chat_reasoning_budget(settings, request, answer);
    EXPECT_EQ(p.tokens, 4);
    EXPECT_EQ(p.message, "");
}

TEST(ReasoningBudgetRequest, ChatTagsFollowTheFamily) {
    ChatSettings settings;
    settings.reasoning_budget = 10;
    ChatRequest request;
    AnswerOptions answer;
    answer.format = ToolFormat::command_r7b;
    EXPECT_EQ(chat_reasoning_budget(settings, request, answer).end_tag, "<|END_THINKING|>");
    answer.format = ToolFormat::mistral;
    EXPECT_EQ(chat_reasoning_budget(settings, request, answer).end_tag, "[/THINK]");
    // No budget where the reasoning is not read out, or is a Harmony channel.
    answer.format = ToolFormat::gpt_oss;
    EXPECT_FALSE(chat_reasoning_budget(settings, request, answer).enabled());
    answer.format = ToolFormat::hermes;
    answer.reasoning = ReasoningFormat::none;
    EXPECT_FALSE(chat_reasoning_budget(settings, request, answer).enabled());
}

TEST(ReasoningBudgetRequest, ACompletionPromptOpensTheBlockWhenItEndsWithTheTag) {
    ReasoningBudgetParams p;
    p.tokens = 3;
    p.start_tag = "<think>";
    p.end_tag = "</think>";
    open_if_prompt_ends_in_tag(p, "Question?\n<think>\n");
    EXPECT_TRUE(p.prompt_opened);
    open_if_prompt_ends_in_tag(p, "<think>\nsome thought");
    EXPECT_FALSE(p.prompt_opened);
    open_if_prompt_ends_in_tag(p, "");
    EXPECT_FALSE(p.prompt_opened);
}

}  // namespace
}  // namespace cria
