// rejection_sample: a draft token drawn from q, verified against p, comes out distributed as p.
#include <gtest/gtest.h>

#include <map>

#include "engine/rejection_sampling.h"

using cria::TokenProb;

namespace {

// The exact output distribution: x drawn from q, then u and v on a fine grid of [0, 1).
std::map<cria::Token, double> output_distribution(const std::vector<TokenProb>& p, const std::vector<TokenProb>& q) {
    constexpr int kSteps = 400;
    std::map<cria::Token, double> out;
    for (const auto& [x, qx] : q) {
        for (int i = 0; i < kSteps; ++i) {
            for (int k = 0; k < kSteps; ++k) {
                const double u = (i + 0.5) / kSteps;
                const double v = (k + 0.5) / kSteps;
                out[cria::rejection_sample(p, q, x, u, v)] += qx / (double{kSteps} * kSteps);
            }
        }
    }
    return out;
}

}  // namespace

TEST(RejectionSampling, KeepsTheMainModelsDistribution) {
    const std::vector<TokenProb> p = {{1, 0.5f}, {2, 0.3f}, {3, 0.2f}};
    for (const std::vector<TokenProb>& q : std::vector<std::vector<TokenProb>>{
             {{1, 0.2f}, {2, 0.6f}, {4, 0.2f}},  // a token p never gives
             {{3, 1.0f}},                        // a certain draft (an n-gram copy)
             {{1, 0.5f}, {2, 0.3f}, {3, 0.2f}},  // q == p
         }) {
        const auto out = output_distribution(p, q);
        for (const auto& [token, prob] : p) EXPECT_NEAR(out.count(token) ? out.at(token) : 0.0, prob, 0.01) << token;
        EXPECT_EQ(out.count(4), 0u);
    }
}

TEST(RejectionSampling, AcceptsWithMinOfOneAndPOverQ) {
    const std::vector<TokenProb> p = {{1, 0.5f}, {2, 0.5f}};
    const std::vector<TokenProb> q = {{1, 0.8f}, {2, 0.2f}};
    // p(1)/q(1) = 0.625: kept below that u, replaced by 2 (the only residual) above it.
    EXPECT_EQ(cria::rejection_sample(p, q, 1, 0.6, 0.5), 1);
    EXPECT_EQ(cria::rejection_sample(p, q, 1, 0.7, 0.5), 2);
    // p(2)/q(2) > 1: always kept.
    EXPECT_EQ(cria::rejection_sample(p, q, 2, 0.999, 0.5), 2);
}
