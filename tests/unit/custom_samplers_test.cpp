#include "engine/custom_samplers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace cria {
namespace {

// Candidates with ids 0..n-1 and the given logits; unsorted, nothing selected.
struct Candidates {
    std::vector<llama_token_data> data;
    llama_token_data_array arr{};

    explicit Candidates(const std::vector<float>& logits) {
        for (size_t i = 0; i < logits.size(); ++i) data.push_back({static_cast<llama_token>(i), logits[i], 0.0f});
        arr = {data.data(), data.size(), -1, false};
    }

    float logit_of(llama_token id) const {
        for (size_t i = 0; i < arr.size; ++i) {
            if (arr.data[i].id == id) return arr.data[i].logit;
        }
        ADD_FAILURE() << "token " << id << " not among the candidates";
        return NAN;
    }

    std::vector<llama_token> ids() const {
        std::vector<llama_token> out;
        for (size_t i = 0; i < arr.size; ++i) out.push_back(arr.data[i].id);
        return out;
    }
};

// Logits of a peaked distribution: a few strong tokens, then a long flat tail.
std::vector<float> peaked_logits() {
    std::vector<float> l = {10.0f, 9.0f, 7.5f};
    for (int i = 0; i < 20; ++i) l.push_back(0.0f + 0.01f * static_cast<float>(i % 3));
    return l;
}

// ---------------------------------------------------------------------------------------------
// Tail-free sampling

TEST(CustomSamplersTailFree, KeepsHeadAndCutsFlatTail) {
    llama_sampler* s = make_tail_free_sampler(0.95f, 1);
    EXPECT_STREQ(llama_sampler_name(s), "cria-tail-free");
    Candidates c(peaked_logits());
    std::reverse(c.data.begin(), c.data.end());  // shuffle the order: the sampler must sort
    llama_sampler_apply(s, &c.arr);
    EXPECT_TRUE(c.arr.sorted);
    EXPECT_GE(c.arr.size, 1u);
    EXPECT_LE(c.arr.size, 4u);
    EXPECT_EQ(c.arr.data[0].id, 0);  // the best token survives, first
    for (size_t i = 0; i < c.arr.size; ++i) EXPECT_LT(c.arr.data[i].id, 4) << "a tail token survived";
    for (size_t i = 1; i < c.arr.size; ++i) EXPECT_GE(c.arr.data[i - 1].logit, c.arr.data[i].logit);
    llama_sampler_free(s);
}

TEST(CustomSamplersTailFree, HandComputedCut) {
    // p = softmax(log p) = {0.5, 0.3, 0.1, 0.05, 0.03, 0.02}
    // first differences {.2, .2, .05, .02, .01}; |second| {0, .15, .03, .01} -> normalized
    // {0, .789, .158, .053}; running {0, .789, .947, 1}. z = 0.9 keeps 2 tokens, z = 0.95 keeps 3.
    const std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.1f),
                                       std::log(0.05f), std::log(0.03f), std::log(0.02f)};
    for (const auto& [z, expected] : std::vector<std::pair<float, size_t>>{{0.5f, 1}, {0.9f, 2}, {0.95f, 3}}) {
        llama_sampler* s = make_tail_free_sampler(z, 1);
        Candidates c(logits);
        llama_sampler_apply(s, &c.arr);
        EXPECT_EQ(c.arr.size, expected) << "z = " << z;
        EXPECT_NEAR(c.arr.data[0].p, 0.5f, 1e-5f);
        llama_sampler_free(s);
    }
}

TEST(CustomSamplersTailFree, ZOneIsNoOp) {
    for (float z : {1.0f, 1.5f}) {
        llama_sampler* s = make_tail_free_sampler(z, 1);
        Candidates c(peaked_logits());
        std::reverse(c.data.begin(), c.data.end());
        const std::vector<llama_token> before = c.ids();
        llama_sampler_apply(s, &c.arr);
        EXPECT_EQ(c.arr.size, before.size());
        EXPECT_EQ(c.ids(), before);  // not even re-sorted
        EXPECT_FALSE(c.arr.sorted);
        llama_sampler_free(s);
    }
}

TEST(CustomSamplersTailFree, MinKeepRespected) {
    llama_sampler* s = make_tail_free_sampler(0.0f, 6);
    Candidates c(peaked_logits());
    llama_sampler_apply(s, &c.arr);
    EXPECT_EQ(c.arr.size, 6u);
    llama_sampler_free(s);

    // min_keep 0 still keeps one token; min_keep beyond the size keeps them all.
    s = make_tail_free_sampler(0.0f, 0);
    Candidates c0(peaked_logits());
    llama_sampler_apply(s, &c0.arr);
    EXPECT_EQ(c0.arr.size, 1u);
    EXPECT_EQ(c0.arr.data[0].id, 0);
    llama_sampler_free(s);

    s = make_tail_free_sampler(0.0f, 1000);
    Candidates call(peaked_logits());
    llama_sampler_apply(s, &call.arr);
    EXPECT_EQ(call.arr.size, peaked_logits().size());
    llama_sampler_free(s);
}

TEST(CustomSamplersTailFree, TinyAndFlatArraysAreSafe) {
    llama_sampler* s = make_tail_free_sampler(0.1f, 1);
    llama_token_data_array empty{nullptr, 0, -1, false};
    llama_sampler_apply(s, &empty);
    EXPECT_EQ(empty.size, 0u);
    for (const std::vector<float>& logits : {std::vector<float>{1.0f}, std::vector<float>{3.0f, 1.0f}}) {
        Candidates c(logits);
        llama_sampler_apply(s, &c.arr);
        EXPECT_EQ(c.arr.size, logits.size());
    }
    Candidates flat(std::vector<float>(10, 2.0f));  // no curvature at all: nothing to cut
    llama_sampler_apply(s, &flat.arr);
    EXPECT_EQ(flat.arr.size, 10u);
    llama_sampler_free(s);
}

TEST(CustomSamplersTailFree, CloneKeepsParameters) {
    llama_sampler* s = make_tail_free_sampler(0.9f, 1);
    llama_sampler* copy = llama_sampler_clone(s);
    llama_sampler_free(s);
    const std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.1f),
                                       std::log(0.05f), std::log(0.03f), std::log(0.02f)};
    Candidates c(logits);
    llama_sampler_apply(copy, &c.arr);
    EXPECT_EQ(c.arr.size, 2u);
    llama_sampler_free(copy);
}

// ---------------------------------------------------------------------------------------------
// Penalties

TEST(CustomSamplersPenalties, RepeatDividesPositiveAndMultipliesNegative) {
    llama_sampler* s = make_penalties_sampler(10, 64, 2.0f, 0.0f, 0.0f, true, {});
    EXPECT_STREQ(llama_sampler_name(s), "cria-penalties");
    llama_sampler_accept(s, 1);
    llama_sampler_accept(s, 2);
    Candidates c({4.0f, 4.0f, -3.0f, 1.0f});
    c.arr.sorted = true;
    llama_sampler_apply(s, &c.arr);
    EXPECT_FLOAT_EQ(c.logit_of(0), 4.0f);
    EXPECT_FLOAT_EQ(c.logit_of(1), 2.0f);
    EXPECT_FLOAT_EQ(c.logit_of(2), -6.0f);
    EXPECT_FLOAT_EQ(c.logit_of(3), 1.0f);
    EXPECT_FALSE(c.arr.sorted);  // logits changed: the order can no longer be trusted
    llama_sampler_free(s);
}

TEST(CustomSamplersPenalties, FrequencyAndPresenceSubtractPerCount) {
    llama_sampler* s = make_penalties_sampler(10, 64, 1.0f, 0.5f, 0.25f, true, {});
    for (llama_token t : {3, 3, 3, 5}) llama_sampler_accept(s, t);
    Candidates c({1.0f, 1.0f, 1.0f, 1.0f, 1.0f, -1.0f});
    llama_sampler_apply(s, &c.arr);
    EXPECT_FLOAT_EQ(c.logit_of(3), 1.0f - 3 * 0.5f - 0.25f);
    EXPECT_FLOAT_EQ(c.logit_of(5), -1.0f - 1 * 0.5f - 0.25f);
    EXPECT_FLOAT_EQ(c.logit_of(4), 1.0f);
    llama_sampler_free(s);

    // All three together: the repeat penalty first, then the subtraction.
    s = make_penalties_sampler(10, 64, 2.0f, 1.0f, 0.5f, true, {});
    llama_sampler_accept(s, 0);
    llama_sampler_accept(s, 0);
    Candidates c2({6.0f});
    llama_sampler_apply(s, &c2.arr);
    EXPECT_FLOAT_EQ(c2.logit_of(0), 6.0f / 2.0f - 2 * 1.0f - 0.5f);
    llama_sampler_free(s);
}

TEST(CustomSamplersPenalties, TokensBeyondLastNAreNotPenalized) {
    llama_sampler* s = make_penalties_sampler(10, 3, 2.0f, 1.0f, 0.0f, true, {});
    for (llama_token t : {7, 7, 1, 2, 3, 1}) llama_sampler_accept(s, t);  // window: 2 3 1
    Candidates c({4.0f, 4.0f, 4.0f, 4.0f, 4.0f, 4.0f, 4.0f, 4.0f});
    llama_sampler_apply(s, &c.arr);
    EXPECT_FLOAT_EQ(c.logit_of(7), 4.0f);         // slid out of the window
    EXPECT_FLOAT_EQ(c.logit_of(1), 4.0f / 2 - 1);  // once in the window (the older 1 slid out)
    EXPECT_FLOAT_EQ(c.logit_of(2), 4.0f / 2 - 1);
    EXPECT_FLOAT_EQ(c.logit_of(3), 4.0f / 2 - 1);
    EXPECT_FLOAT_EQ(c.logit_of(0), 4.0f);
    llama_sampler_free(s);

    // last_n = 0 disables the sampler.
    s = make_penalties_sampler(10, 0, 2.0f, 1.0f, 1.0f, true, {});
    llama_sampler_accept(s, 1);
    Candidates c0({4.0f, 4.0f});
    llama_sampler_apply(s, &c0.arr);
    EXPECT_FLOAT_EQ(c0.logit_of(1), 4.0f);
    llama_sampler_free(s);
}

TEST(CustomSamplersPenalties, NewlineExemption) {
    const std::vector<llama_token> newlines = {4, 6};
    for (bool penalize_newline : {false, true}) {
        llama_sampler* s = make_penalties_sampler(10, 16, 2.0f, 0.0f, 1.0f, penalize_newline, newlines);
        for (llama_token t : {4, 5, 6}) llama_sampler_accept(s, t);
        Candidates c(std::vector<float>(7, 3.0f));
        llama_sampler_apply(s, &c.arr);
        const float penalized = 3.0f / 2.0f - 1.0f;
        EXPECT_FLOAT_EQ(c.logit_of(5), penalized);
        EXPECT_FLOAT_EQ(c.logit_of(4), penalize_newline ? penalized : 3.0f);
        EXPECT_FLOAT_EQ(c.logit_of(6), penalize_newline ? penalized : 3.0f);
        llama_sampler_free(s);
    }
}

TEST(CustomSamplersPenalties, ResetClearsWindow) {
    llama_sampler* s = make_penalties_sampler(10, 16, 2.0f, 1.0f, 1.0f, true, {});
    llama_sampler_accept(s, 2);
    llama_sampler_reset(s);
    Candidates c({1.0f, 1.0f, 1.0f});
    llama_sampler_apply(s, &c.arr);
    EXPECT_FLOAT_EQ(c.logit_of(2), 1.0f);
    // The window works again after a reset.
    llama_sampler_accept(s, 2);
    llama_sampler_apply(s, &c.arr);
    EXPECT_FLOAT_EQ(c.logit_of(2), 1.0f / 2 - 2);
    llama_sampler_free(s);
}

TEST(CustomSamplersPenalties, CloneCarriesStateAndIsIndependent) {
    llama_sampler* s = make_penalties_sampler(10, 2, 2.0f, 0.0f, 0.0f, true, {});
    llama_sampler_accept(s, 1);
    llama_sampler* copy = llama_sampler_clone(s);
    ASSERT_NE(copy, nullptr);
    EXPECT_STREQ(llama_sampler_name(copy), "cria-penalties");

    Candidates c({4.0f, 4.0f, 4.0f, 4.0f});
    llama_sampler_apply(copy, &c.arr);
    EXPECT_FLOAT_EQ(c.logit_of(1), 2.0f);  // the copy remembers token 1

    // From here on they diverge: the original slides 1 out, the copy sees 3.
    llama_sampler_accept(s, 2);
    llama_sampler_accept(s, 2);
    llama_sampler_accept(copy, 3);
    Candidates a({4.0f, 4.0f, 4.0f, 4.0f});
    Candidates b({4.0f, 4.0f, 4.0f, 4.0f});
    llama_sampler_apply(s, &a.arr);
    llama_sampler_apply(copy, &b.arr);
    EXPECT_FLOAT_EQ(a.logit_of(1), 4.0f);
    EXPECT_FLOAT_EQ(a.logit_of(2), 2.0f);
    EXPECT_FLOAT_EQ(a.logit_of(3), 4.0f);
    EXPECT_FLOAT_EQ(b.logit_of(1), 2.0f);
    EXPECT_FLOAT_EQ(b.logit_of(2), 4.0f);
    EXPECT_FLOAT_EQ(b.logit_of(3), 2.0f);

    llama_sampler_reset(copy);  // resetting one leaves the other alone
    Candidates a2({4.0f, 4.0f, 4.0f});
    llama_sampler_apply(s, &a2.arr);
    EXPECT_FLOAT_EQ(a2.logit_of(2), 2.0f);

    llama_sampler_free(s);
    llama_sampler_free(copy);
}

TEST(CustomSamplersPenalties, TokensOutsideVocabAreIgnored) {
    llama_sampler* s = make_penalties_sampler(4, 8, 2.0f, 0.0f, 0.0f, true, {});
    llama_sampler_accept(s, -1);
    llama_sampler_accept(s, 4);
    llama_sampler_accept(s, 100);
    Candidates c({4.0f, 4.0f, 4.0f, 4.0f});
    llama_sampler_apply(s, &c.arr);
    for (llama_token t = 0; t < 4; ++t) EXPECT_FLOAT_EQ(c.logit_of(t), 4.0f);
    llama_sampler_free(s);
}

// ---------------------------------------------------------------------------------------------
// Inside a real libllama chain

llama_sampler* new_chain() {
    llama_sampler_chain_params params = llama_sampler_chain_default_params();
    params.no_perf = true;
    return llama_sampler_chain_init(params);
}

TEST(CustomSamplersChain, PenaltiesThenGreedyPicksTheUnrepeatedToken) {
    llama_sampler* chain = new_chain();
    llama_sampler_chain_add(chain, make_penalties_sampler(8, 16, 2.0f, 0.0f, 0.0f, true, {}));
    llama_sampler_chain_add(chain, llama_sampler_init_greedy());
    ASSERT_EQ(llama_sampler_chain_n(chain), 2);
    EXPECT_STREQ(llama_sampler_name(llama_sampler_chain_get(chain, 0)), "cria-penalties");

    Candidates c({5.0f, 4.0f, 1.0f});
    llama_sampler_apply(chain, &c.arr);
    ASSERT_GE(c.arr.selected, 0);
    EXPECT_EQ(c.arr.data[c.arr.selected].id, 0);

    llama_sampler_accept(chain, 0);  // the chain forwards accept to our sampler
    Candidates c2({5.0f, 4.0f, 1.0f});
    llama_sampler_apply(chain, &c2.arr);
    ASSERT_GE(c2.arr.selected, 0);
    EXPECT_EQ(c2.arr.data[c2.arr.selected].id, 1);

    // Cloning the chain clones our sampler with its window.
    llama_sampler* chain_copy = llama_sampler_clone(chain);
    Candidates c3({5.0f, 4.0f, 1.0f});
    llama_sampler_apply(chain_copy, &c3.arr);
    EXPECT_EQ(c3.arr.data[c3.arr.selected].id, 1);

    llama_sampler_reset(chain);  // the chain forwards reset too
    Candidates c4({5.0f, 4.0f, 1.0f});
    llama_sampler_apply(chain, &c4.arr);
    EXPECT_EQ(c4.arr.data[c4.arr.selected].id, 0);

    llama_sampler_free(chain_copy);
    llama_sampler_free(chain);  // frees the samplers it owns
}

TEST(CustomSamplersChain, TailFreeThenDistDrawsOnlyFromTheHead) {
    llama_sampler* chain = new_chain();
    llama_sampler_chain_add(chain, make_penalties_sampler(32, 16, 1.5f, 0.1f, 0.1f, false, {5}));
    llama_sampler_chain_add(chain, make_tail_free_sampler(0.95f, 1));
    llama_sampler_chain_add(chain, llama_sampler_init_dist(1234));
    for (int round = 0; round < 50; ++round) {
        Candidates c(peaked_logits());
        llama_sampler_apply(chain, &c.arr);
        EXPECT_LE(c.arr.size, 4u);
        ASSERT_GE(c.arr.selected, 0);
        ASSERT_LT(static_cast<size_t>(c.arr.selected), c.arr.size);
        const llama_token picked = c.arr.data[c.arr.selected].id;
        EXPECT_LT(picked, 4) << "a tail token was drawn";
        llama_sampler_accept(chain, picked);
    }
    llama_sampler_free(chain);
}

}  // namespace
}  // namespace cria
