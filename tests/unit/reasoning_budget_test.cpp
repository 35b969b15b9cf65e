// The thinking budget's state machine (engine/reasoning_budget.h), driven token by token as the
// scheduler drives it: ask forced_token() before each token, observe() the token emitted.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/reasoning_budget.h"

namespace cria {
namespace {

ReasoningBudgetParams params(int32_t tokens, bool prompt_opened) {
    ReasoningBudgetParams p;
    p.tokens = tokens;
    p.start_tag = "<think>";
    p.end_tag = "</think>";
    p.prompt_opened = prompt_opened;
    return p;
}

const std::vector<Token> kForced = {901, 902, 903};  // message + end tag, as tokenized

// Feeds the model's pieces (each one token) while it may sample; returns the tokens emitted in
// order, with forced ones as their ids and sampled ones as -1 - (index of the piece used).
std::vector<Token> run(ReasoningBudget& budget, const std::vector<std::string>& pieces) {
    std::vector<Token> emitted;
    size_t next_piece = 0;
    for (int step = 0; step < 64; ++step) {
        if (auto forced = budget.forced_token()) {
            emitted.push_back(*forced);
            budget.observe("<forced>");
            continue;
        }
        if (next_piece == pieces.size()) break;
        emitted.push_back(-1 - static_cast<Token>(next_piece));
        budget.observe(pieces[next_piece++]);
    }
    return emitted;
}

TEST(ReasoningBudget, CountsThinkingTokensThenForcesTheEndSequence) {
    ReasoningBudget budget(params(3, /*prompt_opened=*/true), kForced);
    EXPECT_EQ(budget.state(), ReasoningBudget::State::counting);
    const auto emitted = run(budget, {"a", "b", "c", "d", "e"});
    // Three sampled thinking tokens, then the three forced ones, then sampling again.
    EXPECT_EQ(emitted, (std::vector<Token>{-1, -2, -3, 901, 902, 903, -4, -5}));
    EXPECT_TRUE(budget.done());
    EXPECT_EQ(budget.thinking_tokens(), 3);
}

TEST(ReasoningBudget, ZeroWithAnOpenedPromptForcesAtOnce) {
    ReasoningBudget budget(params(0, /*prompt_opened=*/true), kForced);
    ASSERT_TRUE(budget.forced_token().has_value());
    EXPECT_EQ(*budget.forced_token(), 901);
    const auto emitted = run(budget, {"answer"});
    EXPECT_EQ(emitted, (std::vector<Token>{901, 902, 903, -1}));
}

TEST(ReasoningBudget, TheAnswerOpeningTheBlockStartsTheCount) {
    ReasoningBudget budget(params(2, /*prompt_opened=*/false), kForced);
    EXPECT_EQ(budget.state(), ReasoningBudget::State::before);
    // Blanks, then the tag in two pieces (not counted), then thinking.
    const auto emitted = run(budget, {"\n", "<th", "ink>", "x", "y", "z"});
    EXPECT_EQ(emitted, (std::vector<Token>{-1, -2, -3, -4, -5, 901, 902, 903, -6}));
}

TEST(ReasoningBudget, ZeroForcesAsSoonAsTheAnswerOpensTheBlock) {
    ReasoningBudget budget(params(0, /*prompt_opened=*/false), kForced);
    const auto emitted = run(budget, {"<think>", "x"});
    EXPECT_EQ(emitted, (std::vector<Token>{-1, 901, 902, 903, -2}));
}

TEST(ReasoningBudget, NothingHappensOutsideThinking) {
    ReasoningBudget budget(params(1, /*prompt_opened=*/false), kForced);
    const auto emitted = run(budget, {"Hello", " <think>", "a", "b", "c"});
    EXPECT_EQ(emitted, (std::vector<Token>{-1, -2, -3, -4, -5}));
    EXPECT_TRUE(budget.done());
    EXPECT_EQ(budget.thinking_tokens(), 0);
}

TEST(ReasoningBudget, ANaturalEndTagEndsTheBlockWithinBudget) {
    ReasoningBudget budget(params(5, /*prompt_opened=*/true), kForced);
    // The end tag split over two tokens; nothing is forced afterwards.
    const auto emitted = run(budget, {"a", "</th", "ink>", "b", "c", "d", "e", "f"});
    EXPECT_EQ(emitted, (std::vector<Token>{-1, -2, -3, -4, -5, -6, -7, -8}));
    EXPECT_TRUE(budget.done());
    EXPECT_EQ(budget.thinking_tokens(), 2);
}

TEST(ReasoningBudget, AUtf8CharacterIsFinishedBeforeForcing) {
    ReasoningBudget budget(params(1, /*prompt_opened=*/true), kForced);
    // "é" in two byte tokens: the budget is spent after the first, the second still comes.
    const auto emitted = run(budget, {"\xC3", "\xA9", "z"});
    EXPECT_EQ(emitted, (std::vector<Token>{-1, -2, 901, 902, 903, -3}));
    EXPECT_EQ(budget.thinking_tokens(), 2);
}

TEST(ReasoningBudget, DisabledBudgetsStartDone) {
    EXPECT_TRUE(ReasoningBudget(params(-1, true), kForced).done());
    EXPECT_TRUE(ReasoningBudget(params(3, true), {}).done());
    ReasoningBudgetParams no_end = params(3, true);
    no_end.end_tag.clear();
    EXPECT_TRUE(ReasoningBudget(no_end, kForced).done());
    ReasoningBudgetParams no_start = params(3, false);
    no_start.start_tag.clear();
    EXPECT_TRUE(ReasoningBudget(no_start, kForced).done());
}

}  // namespace
}  // namespace cria
