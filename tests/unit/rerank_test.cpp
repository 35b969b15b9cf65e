// Reranking: the request's checks, a pair's tokens (llama-server's layout) and the sorted answer.
#include <gtest/gtest.h>

#include "api_error_of.h"

#include "api/rerank_api.h"
#include "frontend/rerank_prompt.h"

namespace cria {
namespace {

using json = nlohmann::json;

// Each character is a token (its code); BOS is 1.
class CharTokenizer final : public Tokenizer {
public:
    std::vector<Token> tokenize(const std::string& text, bool add_special, bool) const override {
        std::vector<Token> out;
        if (add_special) out.push_back(1);
        for (const char c : text) out.push_back(static_cast<unsigned char>(c));
        return out;
    }
    std::string piece(Token t, bool) const override { return std::string(1, static_cast<char>(t)); }
    std::string detokenize(const std::vector<Token>&, bool) const override { return ""; }
    bool grammar_parses(const std::string&) const override { return true; }
    int32_t size() const override { return 256; }
    bool adds_bos() const override { return true; }
    Token bos() const override { return 1; }
    Token eos() const override { return 2; }
    Token fim_prefix() const override { return -1; }
    Token fim_suffix() const override { return -1; }
    Token fim_middle() const override { return -1; }
    Token fim_separator() const override { return -1; }
};

TEST(Rerank, RequestChecksNameTheField) {
    const RerankRequest r = parse_rerank_request({{"query", "q"}, {"documents", {"a", {{"text", "b"}}}}, {"top_n", 1}});
    EXPECT_EQ(r.documents, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(r.top_n, 1u);
    EXPECT_EQ(parse_rerank_request({{"query", "q"}, {"documents", {"a"}}}).top_n, 1u);
    EXPECT_TRUE(parse_rerank_request({{"query", "q"}, {"texts", {"a"}}}).tei);
    EXPECT_EQ(error_of([] { parse_rerank_request({{"documents", {"a"}}}); }).param, "query");
    EXPECT_EQ(error_of([] { parse_rerank_request({{"query", 1}, {"documents", {"a"}}}); }).param, "query");
    EXPECT_EQ(error_of([] { parse_rerank_request({{"query", "q"}}); }).param, "documents");
    EXPECT_EQ(error_of([] { parse_rerank_request({{"query", "q"}, {"documents", json::array()}}); }).param, "documents");
    EXPECT_EQ(error_of([] { parse_rerank_request({{"query", "q"}, {"documents", {{{"txt", "a"}}}}}); }).param, "documents");
    EXPECT_EQ(error_of([] { parse_rerank_request({{"query", "q"}, {"documents", {"a"}}, {"top_n", -1}}); }).param, "top_n");
    RequestLimits limits;
    limits.max_embedding_inputs = 2;
    EXPECT_EQ(error_of([&] { parse_rerank_request({{"query", "q"}, {"documents", {"a", "b", "c"}}}, limits); }).param,
              "documents");
}

TEST(Rerank, PairTokensFollowLlamaServersLayout) {
    CharTokenizer tokenizer;
    RerankFormat plain;
    plain.add_bos = true;
    plain.bos = 1;
    EXPECT_EQ(rerank_pair_tokens(tokenizer, plain, "q", "d"), (std::vector<Token>{1, 'q', 'd'}));
    RerankFormat bert = plain;
    bert.add_eos = bert.add_sep = true;
    bert.eos = 2;
    bert.sep = 3;
    EXPECT_EQ(rerank_pair_tokens(tokenizer, bert, "q", "d"), (std::vector<Token>{1, 'q', 2, 3, 'd', 2}));
    RerankFormat templated = plain;
    templated.prompt_template = "<{query}|{document}>";
    EXPECT_EQ(rerank_pair_tokens(tokenizer, templated, "q", "d"), (std::vector<Token>{'<', 'q', '|', 'd', '>'}));
}

TEST(Rerank, PrepareMakesOneEmbeddingTaskPerDocumentWithinABatch) {
    CharTokenizer tokenizer;
    const ChatSettings chat;  // named, not {}: gcc 12 misreads a braced ChatSettings here as uninitialized
    const FrontendModel model{tokenizer, nullptr, 64, 8, true, "", chat, nullptr, ""};
    RerankFormat format;
    const auto tasks = prepare_rerank(model, format, parse_rerank_request({{"query", "q"}, {"documents", {"ab", "c"}}}));
    ASSERT_EQ(tasks.size(), 2u);
    EXPECT_TRUE(tasks[0].embed);
    EXPECT_EQ(tasks[1].prompt, (std::vector<Token>{'q', 'c'}));
    EXPECT_EQ(error_of([&] { prepare_rerank(model, format, parse_rerank_request({{"query", "q"}, {"documents", {"123456789"}}})); })
                  .param,
              "documents");
}

TEST(Rerank, AnswerIsSortedByScoreCutToTopNWithDocumentsWhenAsked) {
    RerankResultFormat f(parse_rerank_request({{"query", "q"}, {"documents", {"a", "b", "c"}}, {"top_n", 2}, {"return_text", true}}),
                         "model.gguf");
    f.take_embedding(0, EmbeddingResult{{{0.2f, 0.8f}}, 3});
    f.take_embedding(1, EmbeddingResult{{{0.9f, 0.1f}}, 4});
    f.take_embedding(2, EmbeddingResult{{{0.5f, 0.5f}}, 5});
    const json r = f.whole_response();
    EXPECT_EQ(r["model"], "model.gguf");
    EXPECT_EQ(r["object"], "list");
    EXPECT_EQ(r["usage"], json({{"prompt_tokens", 12}, {"total_tokens", 12}}));
    ASSERT_EQ(r["results"].size(), 2u);
    EXPECT_EQ(r["results"][0]["index"], 1);
    EXPECT_NEAR(r["results"][0]["relevance_score"].get<double>(), 0.9, 1e-6);
    EXPECT_EQ(r["results"][0]["document"], json({{"text", "b"}}));
    EXPECT_EQ(r["results"][1]["index"], 2);
    RerankResultFormat tei(parse_rerank_request({{"query", "q"}, {"texts", {"a"}}, {"return_text", true}}), "m");
    tei.take_embedding(0, EmbeddingResult{{{0.3f}}, 1});
    EXPECT_EQ(tei.whole_response()[0]["text"], "a");
    EXPECT_TRUE(tei.whole_response()[0].contains("score"));
}

}  // namespace
}  // namespace cria
