// The request pipeline (frontend/request_pipeline.h) against a fake tokenizer, without a model:
// the order of its steps, errors that name their field, and a system prompt that becomes server
// state only when the whole request is valid.
#include "frontend/request_pipeline.h"

#include <gtest/gtest.h>

#include "api_error_of.h"

#include <sstream>

#include "api/api_error.h"

namespace cria {
namespace {

using json = nlohmann::json;

// Words are tokens: each space-separated word becomes 100 + its length (so ids stay in the
// vocabulary), BOS is 1. Every call that the pipeline makes is logged, in order.
class FakeTokenizer final : public Tokenizer {
public:
    mutable std::vector<std::string> calls;

    std::vector<Token> tokenize(const std::string& text, bool add_special, bool) const override {
        calls.push_back("tokenize:" + text);
        std::vector<Token> out;
        if (add_special) out.push_back(bos());
        std::istringstream words(text);
        for (std::string w; words >> w;) out.push_back(100 + static_cast<Token>(w.size()));
        return out;
    }
    std::string piece(Token token, bool) const override { return "<" + std::to_string(token) + ">"; }
    std::string detokenize(const std::vector<Token>& tokens, bool) const override {
        std::string out;
        for (const Token t : tokens) out += piece(t, false);
        return out;
    }
    bool grammar_parses(const std::string& gbnf) const override {
        calls.push_back("grammar:" + gbnf);
        return gbnf.find("llama-refuses") == std::string::npos;
    }
    int32_t size() const override { return 1000; }
    bool adds_bos() const override { return true; }
    Token bos() const override { return 1; }
    Token eos() const override { return 2; }
    Token fim_prefix() const override { return 3; }
    Token fim_suffix() const override { return 4; }
    Token fim_middle() const override { return 5; }
    Token fim_separator() const override { return -1; }
};

class FrontendTest : public ::testing::Test {
protected:
    FakeTokenizer tokenizer;
    FrontendModel model{tokenizer, nullptr, 64, 32, false, "", {}, nullptr, ""};
    std::shared_ptr<const ActiveSystemPrompt> no_system = std::make_shared<ActiveSystemPrompt>();

    CompletionRequest completion(const json& body) { return parse_completion_request(body, CompletionDefaults{}); }
};

TEST_F(FrontendTest, EveryStepRunsInTheDocumentedOrder) {
    const auto request = completion({{"prompt", "hello world"},
                                     {"system_prompt", "be brief"},
                                     {"logit_bias", json::array({json::array({"yes", 1.0})})},
                                     {"penalty_prompt", "again"},
                                     {"grammar", "root ::= \"a\""}});
    const PreparedRequest prepared = prepare_completion(model, request, no_system);
    EXPECT_EQ(tokenizer.calls, (std::vector<std::string>{"tokenize:hello world", "tokenize:be brief", "tokenize:yes",
                                                         "tokenize:again", "grammar:root ::= \"a\""}));
    ASSERT_EQ(prepared.prompts.size(), 1u);
    // The system prompt (with BOS) starts the sequence; the prompt's own BOS goes.
    EXPECT_EQ(prepared.prompts[0].generation.prompt, (std::vector<Token>{1, 102, 105, 105, 105}));
    EXPECT_EQ(prepared.prompts[0].prompt_text, "hello world");
    ASSERT_NE(prepared.new_system_prompt, nullptr);
    EXPECT_EQ(prepared.new_system_prompt->text.prompt, "be brief");
    ASSERT_EQ(prepared.prompts[0].generation.sampling.logit_bias.size(), 1u);
    EXPECT_EQ(prepared.prompts[0].generation.sampling.logit_bias[0].token, 103);
    EXPECT_EQ(*prepared.prompts[0].generation.sampling.penalty_prompt, (std::vector<Token>{105}));
}

TEST_F(FrontendTest, EarlierChecksWinOverLaterOnes) {
    // A bad logit bias id is found before a bad grammar, which is found before a prompt too long.
    model.n_ctx_slot = 2;
    auto request = completion({{"prompt", "one two three"}, {"logit_bias", json::array({json::array({5000, 1.0})})},
                               {"grammar", "root ::= llama-refuses"}});
    EXPECT_EQ(error_of([&] { prepare_completion(model, request, no_system); }).param, "logit_bias");
    request.logit_bias.clear();
    EXPECT_EQ(error_of([&] { prepare_completion(model, request, no_system); }).param, "grammar");
    request.generation.sampling.grammar.clear();
    EXPECT_EQ(error_of([&] { prepare_completion(model, request, no_system); }).param, "prompt");
}

TEST_F(FrontendTest, ErrorsNameTheirField) {
    EXPECT_EQ(error_of([&] { prepare_completion(model, completion({{"prompt", json::array({5000})}}), no_system); }).param,
              "prompt");
    EXPECT_EQ(error_of([&] { prepare_completion(model, completion({{"prompt", json::array()}}), no_system); }).param, "prompt");
    EXPECT_EQ(error_of([&] {
                  prepare_completion(model, completion({{"prompt", "a"}, {"penalty_prompt", json::array({-3})}}), no_system);
              }).param,
              "penalty_prompt");
    EXPECT_EQ(error_of([&] {
                  prepare_completion(model, completion({{"prompt", "a"}, {"json_schema", {{"type", "llama-refuses"}}}}),
                                     no_system);
              }).param,
              "json_schema");
    // A 1x1 GIF header: it passes the parser; this model has no projector to read it.
    const json image_body = {{"prompt", "see [img-1]"}, {"image_data", json::array({{{"data", "R0lGODlhAQABAAAAAA=="}, {"id", 1}}})}};
    const auto with_image = parse_completion_request(image_body, CompletionDefaults{}, "", /*accept_image_data=*/true);
    EXPECT_EQ(error_of([&] { prepare_completion(model, with_image, no_system); }).param, "image_data");
}

TEST_F(FrontendTest, ASystemPromptIsNoPendingChangeWhenALaterCheckFails) {
    // The request's system prompt is tokenized (step 2) before the grammar check (step 4) fails,
    // but nothing comes back to install: the server keeps the one it has.
    SharedSystemPrompt server;
    server.install(make_system_prompt({"old one", "", ""}, tokenizer));
    const auto before = server.get();
    const auto request = completion({{"prompt", "hi"}, {"system_prompt", "new one"}, {"grammar", "root ::= llama-refuses"}});
    EXPECT_EQ(error_of([&] {
                  const PreparedRequest prepared = prepare_completion(model, request, server.get());
                  server.install(prepared.new_system_prompt);
              }).param,
              "grammar");
    EXPECT_EQ(server.get(), before);
    EXPECT_EQ(server.get()->text.prompt, "old one");
}

TEST_F(FrontendTest, TheServersSystemPromptGoesBeforeAndIsNoChange) {
    const auto current = make_system_prompt({"system words", "", ""}, tokenizer);
    const PreparedRequest prepared = prepare_completion(model, completion({{"prompt", "hi"}}), current);
    EXPECT_EQ(prepared.new_system_prompt, nullptr);
    EXPECT_EQ(prepared.prompts[0].generation.prompt, (std::vector<Token>{1, 106, 105, 102}));
}

TEST_F(FrontendTest, OpenAiCompletionsWithSeveralPromptsChangeTheSystemPromptOnce) {
    json body = {{"prompt", json::array({"first prompt", "second"})}, {"system_prompt", "sys"}, {"n", 2}};
    const OpenAiCompletionRequest request = parse_openai_completion_request(body, CompletionDefaults{});
    const PreparedRequest prepared = prepare_openai_completion(model, request, no_system);
    ASSERT_EQ(prepared.prompts.size(), 2u);
    ASSERT_NE(prepared.new_system_prompt, nullptr);
    EXPECT_EQ(std::count(tokenizer.calls.begin(), tokenizer.calls.end(), "tokenize:sys"), 1);
    EXPECT_EQ(prepared.prompts[0].generation.prompt, (std::vector<Token>{1, 103, 105, 106}));
    EXPECT_EQ(prepared.prompts[1].generation.prompt, (std::vector<Token>{1, 103, 106}));
    EXPECT_EQ(expand_choices(prepared.prompts, request.n).size(), 4u);

    // The second prompt is refused: the whole request is, and nothing is left to install.
    body["prompt"] = json::array({json::array({7, 8}), json::array({9, 4000})});
    const OpenAiCompletionRequest bad = parse_openai_completion_request(body, CompletionDefaults{});
    EXPECT_EQ(error_of([&] { prepare_openai_completion(model, bad, no_system); }).param, "prompt");
}

TEST_F(FrontendTest, SeededChoicesDiffer) {
    const auto request = parse_openai_completion_request({{"prompt", "a"}, {"n", 3}, {"seed", 10}}, CompletionDefaults{});
    const auto choices = expand_choices(prepare_openai_completion(model, request, no_system).prompts, request.n);
    ASSERT_EQ(choices.size(), 3u);
    EXPECT_EQ(choices[0].sampling.seed, 10u);
    EXPECT_EQ(choices[2].sampling.seed, 12u);
}

TEST_F(FrontendTest, EmbeddingInputsAreAllCheckedBeforeAnyIsReturned) {
    EmbeddingRequest request = parse_openai_embedding_request({{"input", json::array({"one two", "three"})}});
    const auto inputs = prepare_embeddings(model, request);
    ASSERT_EQ(inputs.size(), 2u);
    EXPECT_TRUE(inputs[0].embed);
    EXPECT_EQ(inputs[1].stop.n_predict, 0);
    request = parse_openai_embedding_request({{"input", json::array({json::array({7}), json::array({7, 9999})})}});
    EXPECT_EQ(error_of([&] { prepare_embeddings(model, request); }).param, "input");
    std::string long_input = "a";
    for (int i = 0; i < 40; ++i) long_input += " b";
    request = parse_openai_embedding_request({{"input", long_input}});
    EXPECT_EQ(error_of([&] { prepare_embeddings(model, request); }).param, "input");
}

TEST_F(FrontendTest, InfillBuildsTheFimPromptAndHasNoSystemPrompt) {
    const InfillRequest request =
        parse_infill_request({{"input_prefix", "def f"}, {"input_suffix", "return"}}, CompletionDefaults{});
    const PreparedRequest prepared = prepare_infill(model, request);
    EXPECT_EQ(prepared.prompts[0].generation.prompt, (std::vector<Token>{1, 3, 103, 101, 4, 106, 5}));
    EXPECT_EQ(prepared.new_system_prompt, nullptr);
}

TEST_F(FrontendTest, EmbeddingModeRefusesGeneration) {
    model.embedding_mode = true;
    EXPECT_EQ(error_of([&] { prepare_completion(model, completion({{"prompt", "a"}}), no_system); }).status, 501);
}

}  // namespace
}  // namespace cria

namespace cria {
namespace {

// The thinking budget and the per-request special-token rendering that prepare_chat sets.
class ChatBudgetTest : public FrontendTest {
protected:
    ChatRequest chat(const json& extra) {
        json body = {{"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
        body.update(extra);
        return parse_chat_request(body, CompletionDefaults{});
    }
};

TEST_F(ChatBudgetTest, APromptThatOpensThinkingCarriesTheBudgetToTheEngine) {
    model.chat_template = "{% for m in messages %}{{ m.content }}{% endfor %}<think>\n";
    const PreparedRequest prepared = prepare_chat(model, chat({{"reasoning_budget_tokens", 3}}));
    const ReasoningBudgetParams& budget = prepared.prompts[0].generation.reasoning_budget;
    EXPECT_EQ(budget.tokens, 3);
    EXPECT_EQ(budget.end_tag, "</think>");
    EXPECT_TRUE(budget.prompt_opened);
    EXPECT_FALSE(prepared.prompts[0].generation.render_special);
}

TEST_F(ChatBudgetTest, HarmonyAnswersRenderSpecialTokensAndHaveNoTagBudget) {
    model.chat_template = "{% for m in messages %}<|start|>{{ m.role }}<|channel|>final<|message|>{{ m.content }}<|end|>"
                          "{% endfor %}<|start|>assistant";
    const PreparedRequest prepared = prepare_chat(model, chat({{"reasoning_budget_tokens", 3}}));
    EXPECT_TRUE(prepared.prompts[0].generation.render_special);
    EXPECT_FALSE(prepared.prompts[0].generation.reasoning_budget.enabled());
}

}  // namespace
}  // namespace cria
