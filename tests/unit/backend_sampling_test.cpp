// Backend sampling: which requests run their chain on the backend (engine/backend_sampling.h), and
// how -bs, --spec-draft-backend-sampling, --mtmd-batch-max-tokens and a request's backend_sampling
// reach the engine.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/completion_request.h"
#include "engine/backend_sampling.h"
#include "options/server_options.h"

namespace cria {
namespace {

GenerationRequest asking() {
    GenerationRequest r;
    r.prompt = {1, 2, 3};
    r.sampling.backend_sampling = true;
    return r;
}

TEST(BackendSampling, OnlyRequestsThatAskAndCan) {
    EXPECT_TRUE(samples_on_backend(asking(), false));
    GenerationRequest not_asking = asking();
    not_asking.sampling.backend_sampling = false;
    EXPECT_FALSE(samples_on_backend(not_asking, false));
    GenerationRequest embed = asking();
    embed.embed = true;
    EXPECT_FALSE(samples_on_backend(embed, false));
}

TEST(BackendSampling, GrammarThinkingBudgetAndProbabilitiesSampleOnTheCpu) {
    GenerationRequest probs = asking();
    probs.n_probs = 1;
    EXPECT_FALSE(samples_on_backend(probs, false));
    GenerationRequest grammar = asking();
    grammar.sampling.grammar = "root ::= \"a\"";
    EXPECT_FALSE(samples_on_backend(grammar, false));
    GenerationRequest budget = asking();
    budget.reasoning_budget.tokens = 10;
    budget.reasoning_budget.end_tag = "</think>";
    EXPECT_FALSE(samples_on_backend(budget, false));
    budget.reasoning_budget.tokens = -1;  // unrestricted: no budget to run
    EXPECT_TRUE(samples_on_backend(budget, false));
}

TEST(BackendSampling, DraftingRequestsSampleOnTheCpu) {
    GenerationRequest r = asking();
    EXPECT_FALSE(samples_on_backend(r, /*server_drafts=*/true));
    r.speculative.n_max = 0;  // this request never drafts
    EXPECT_TRUE(samples_on_backend(r, true));
}

TEST(BackendSampling, RequestFieldDefaultsToTheServers) {
    CompletionDefaults d;
    d.n_slots = 1;
    EXPECT_FALSE(parse_completion_request({{"prompt", "hi"}}, d).generation.sampling.backend_sampling);
    d.sampling.backend_sampling = true;
    EXPECT_TRUE(parse_completion_request({{"prompt", "hi"}}, d).generation.sampling.backend_sampling);
    EXPECT_FALSE(parse_completion_request({{"prompt", "hi"}, {"backend_sampling", false}}, d)
                     .generation.sampling.backend_sampling);
}

ParseOutcome parse(std::vector<std::string> args) {
    args.insert(args.begin(), {"cria", "-m", "model.gguf"});
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    return parse_server_options(static_cast<int>(argv.size()), argv.data(),
                                [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
}

TEST(BackendSampling, Options) {
    const ParseOutcome plain = parse({});
    ASSERT_TRUE(plain.options.has_value());
    EXPECT_FALSE(plain.options->defaults.sampling.backend_sampling);
    EXPECT_TRUE(plain.options->engine.speculative.draft_backend_sampling);  // llama-server's default: on
    EXPECT_EQ(plain.options->engine.backend.mtmd_batch_max_tokens, 1024);

    const ParseOutcome set = parse({"-bs", "--no-spec-draft-backend-sampling", "--mtmd-batch-max-tokens", "64"});
    ASSERT_TRUE(set.options.has_value()) << set.error;
    EXPECT_TRUE(set.options->defaults.sampling.backend_sampling);
    EXPECT_FALSE(set.options->engine.speculative.draft_backend_sampling);
    EXPECT_EQ(set.options->engine.backend.mtmd_batch_max_tokens, 64);
    for (const auto& notice : set.options->notices) {
        EXPECT_EQ(notice.find("backend-sampling"), std::string::npos) << notice;
        EXPECT_EQ(notice.find("mtmd-batch-max-tokens"), std::string::npos) << notice;
    }

    const ParseOutcome zero = parse({"--mtmd-batch-max-tokens", "0"});
    EXPECT_FALSE(zero.options.has_value());
    EXPECT_NE(zero.error.find("--mtmd-batch-max-tokens"), std::string::npos) << zero.error;
}

}  // namespace
}  // namespace cria
