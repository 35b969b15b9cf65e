// Ollama's answers: NDJSON lines (content, thinking, whole tool calls), the closing statistics,
// whole answers, embeddings.
#include <gtest/gtest.h>

#include <sstream>

#include "api/ollama_format.h"

namespace cria {
namespace {

using json = nlohmann::json;

std::vector<json> lines(const std::string& text) {
    std::vector<json> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(json::parse(l));
    EXPECT_TRUE(text.empty() || text.back() == '\n');
    return out;
}

CompletionResult finished(const std::string& content, StopReason reason = StopReason::eos) {
    CompletionResult r;
    r.content = content;
    r.stop_reason = reason;
    r.n_prompt_tokens = 5;
    r.tokens = {7, 8};
    r.timings.predicted_n = 2;
    r.timings.predicted_ms = 1.5;
    r.timings.prompt_ms = 0.25;
    return r;
}

TokenChunk chunk(const std::string& text) {
    TokenChunk c;
    c.text = text;
    return c;
}

TEST(OllamaFormat, GenerateStreamsOneObjectPerLineThenTheStatistics) {
    OllamaGenerateFormat f(OllamaAnswerContext{"tiny", std::chrono::steady_clock::now(), AnswerOptions{}}, true);
    EXPECT_STREQ(f.stream_content_type(), "application/x-ndjson");
    const auto first = lines(f.stream_token(0, chunk("Hello")));
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0]["model"], "tiny");
    EXPECT_EQ(first[0]["response"], "Hello");
    EXPECT_EQ(first[0]["done"], false);
    EXPECT_EQ(first[0]["created_at"].get<std::string>().back(), 'Z');
    GenerationRequest request;
    request.prompt = {1, 2, 3};
    CompletionResult r = finished("Hello world", StopReason::limit);
    r.unsent_text = " world";
    const auto end = lines(f.stream_end(0, request, r));
    ASSERT_EQ(end.size(), 2u);
    EXPECT_EQ(end[0]["response"], " world");
    const json& last = end[1];
    EXPECT_EQ(last["done"], true);
    EXPECT_EQ(last["done_reason"], "length");
    EXPECT_EQ(last["response"], "");
    EXPECT_EQ(last["eval_count"], 2);
    EXPECT_EQ(last["eval_duration"], 1500000);
    EXPECT_EQ(last["prompt_eval_duration"], 250000);
    EXPECT_EQ(last["prompt_eval_count"], 5);
    EXPECT_EQ(last["context"], json({1, 2, 3, 7, 8}));
    EXPECT_GE(last["total_duration"].get<int64_t>(), 0);
    EXPECT_EQ(lines(f.stream_failure(invalid_request("boom")))[0], json({{"error", "boom"}}));
}

TEST(OllamaFormat, WholeGenerateHasTheTextAndNoContextInRawMode) {
    OllamaGenerateFormat f(OllamaAnswerContext{"m", std::chrono::steady_clock::now(), AnswerOptions{}}, false);
    f.take_result(0, GenerationRequest{}, finished("all of it"));
    const json whole = f.whole_response();
    EXPECT_EQ(whole["response"], "all of it");
    EXPECT_EQ(whole["done_reason"], "stop");
    EXPECT_FALSE(whole.contains("context"));
}

TEST(OllamaFormat, ChatSendsEachToolCallWholeWithObjectArguments) {
    const std::string answer = "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}\n</tool_call>"
                               "<tool_call>\n{\"name\": \"g\", \"arguments\": {}}\n</tool_call>";
    OllamaChatFormat f(OllamaAnswerContext{"m", std::chrono::steady_clock::now(), AnswerOptions{true, ToolFormat::hermes}});
    std::vector<json> all;
    for (size_t i = 0; i < answer.size(); i += 7) {
        for (auto& l : lines(f.stream_token(0, chunk(answer.substr(i, 7))))) all.push_back(l);
    }
    for (auto& l : lines(f.stream_end(0, GenerationRequest{}, finished(answer)))) all.push_back(l);
    std::vector<json> calls;
    for (const auto& l : all) {
        if (l["message"].contains("tool_calls")) {
            ASSERT_EQ(l["message"]["tool_calls"].size(), 1u);
            calls.push_back(l["message"]["tool_calls"][0]["function"]);
        }
        if (!l["done"].get<bool>()) {
            EXPECT_EQ(l["message"]["role"], "assistant");
        }
    }
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0], json({{"index", 0}, {"name", "f"}, {"arguments", {{"a", 1}}}}));
    EXPECT_EQ(calls[1]["name"], "g");
    EXPECT_EQ(all.back()["done"], true);

    OllamaChatFormat whole(OllamaAnswerContext{"m", std::chrono::steady_clock::now(), AnswerOptions{true, ToolFormat::hermes}});
    whole.take_result(0, GenerationRequest{}, finished(answer));
    const json w = whole.whole_response();
    EXPECT_EQ(w["message"]["tool_calls"].size(), 2u);
    EXPECT_EQ(w["message"]["tool_calls"][0]["function"]["arguments"], json({{"a", 1}}));
}

TEST(OllamaFormat, ChatWithoutToolsStreamsContent) {
    OllamaChatFormat f(OllamaAnswerContext{"m", std::chrono::steady_clock::now(), AnswerOptions{}});
    EXPECT_EQ(lines(f.stream_token(0, chunk("Hi")))[0]["message"], json({{"role", "assistant"}, {"content", "Hi"}}));
    const auto end = lines(f.stream_end(0, GenerationRequest{}, finished("Hi")));
    EXPECT_EQ(end.back()["message"], json({{"role", "assistant"}, {"content", ""}}));
    EXPECT_EQ(ollama_load_answer("m", true, false)["done_reason"], "load");
    EXPECT_EQ(ollama_load_answer("m", false, true)["done_reason"], "unload");
}

TEST(OllamaFormat, EmbeddingsAndCutVectors) {
    OllamaEmbedFormat f(OllamaAnswerContext{"e", std::chrono::steady_clock::now(), AnswerOptions{}}, 2);
    f.take_embedding(1, EmbeddingResult{{{0.0f, 0.6f, 0.8f}}, 3});
    f.take_embedding(0, EmbeddingResult{{{0.6f, 0.8f, 0.0f}}, 2});
    const json r = f.whole_response();
    EXPECT_EQ(r["model"], "e");
    EXPECT_EQ(r["prompt_eval_count"], 5);
    ASSERT_EQ(r["embeddings"].size(), 2u);
    EXPECT_NEAR(r["embeddings"][0][0].get<double>(), 0.6, 1e-6);
    EXPECT_NEAR(r["embeddings"][1][0].get<double>(), 0.0, 1e-6);
    EXPECT_NEAR(r["embeddings"][1][1].get<double>(), 1.0, 1e-6);
    EXPECT_EQ(ollama_cut_vector({1.0f, 2.0f}, 0), (std::vector<float>{1.0f, 2.0f}));
}

}  // namespace
}  // namespace cria
