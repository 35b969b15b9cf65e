// resolve_synthetic_acceptance: --spec-synth-len and --spec-synth-rates become per-position
// conditional acceptance chances, as llama-server computes them.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/synthetic_acceptance.h"

using cria::SyntheticAcceptanceConfig;

TEST(SyntheticAcceptance, NothingGivenNothingResolved) {
    SyntheticAcceptanceConfig c;
    EXPECT_EQ(cria::resolve_synthetic_acceptance(&c, 4), "");
    EXPECT_FALSE(c.enabled());
}

TEST(SyntheticAcceptance, RatesBecomeConditionalChances) {
    SyntheticAcceptanceConfig c;
    c.rates = {0.8, 0.4, 0.4, 0.0};
    ASSERT_EQ(cria::resolve_synthetic_acceptance(&c, 4), "");
    ASSERT_EQ(c.accept.size(), 4u);
    EXPECT_DOUBLE_EQ(c.accept[0], 0.8);
    EXPECT_DOUBLE_EQ(c.accept[1], 0.5);
    EXPECT_DOUBLE_EQ(c.accept[2], 1.0);
    EXPECT_DOUBLE_EQ(c.accept[3], 0.0);
}

TEST(SyntheticAcceptance, LengthGivesAGeometricCurveWithThatMean) {
    for (const double length : {1.0, 2.5, 4.0, 5.0}) {
        SyntheticAcceptanceConfig c;
        c.length = length;
        ASSERT_EQ(cria::resolve_synthetic_acceptance(&c, 4), "") << length;
        // The mean accepted length: 1 + the sum of the unconditional rates.
        double mean = 1.0;
        double rate = 1.0;
        for (const double p : c.accept) {
            rate *= p;
            mean += rate;
        }
        EXPECT_NEAR(mean, length, 1e-9) << length;
        // A constant conditional chance.
        for (const double p : c.accept) EXPECT_NEAR(p, c.accept[0], 1e-9);
    }
}

TEST(SyntheticAcceptance, BadValuesSayWhy) {
    const auto why = [](double length, std::vector<double> rates, int32_t n_max) {
        SyntheticAcceptanceConfig c;
        c.length = length;
        c.rates = std::move(rates);
        return cria::resolve_synthetic_acceptance(&c, n_max);
    };
    EXPECT_NE(why(2.0, {0.5}, 1).find("cannot be used together"), std::string::npos);
    EXPECT_NE(why(-1.0, {0.5, 0.5}, 3).find("one rate per draft position: 3"), std::string::npos);
    EXPECT_NE(why(-1.0, {0.5, 0.6}, 2).find("must not increase"), std::string::npos);
    EXPECT_NE(why(-1.0, {1.5, 0.5}, 2).find("between 0 and 1"), std::string::npos);
    EXPECT_NE(why(6.0, {}, 4).find("between 1 and 5"), std::string::npos);
    EXPECT_NE(why(0.5, {}, 4).find("between 1 and 5"), std::string::npos);
    EXPECT_NE(why(NAN, {}, 4).find("between 1 and 5"), std::string::npos);
    EXPECT_NE(why(2.0, {}, 0).find("at least one token"), std::string::npos);
}
