// ngram_lookup_draft: n-gram lookup drafting, without a model.
#include <gtest/gtest.h>

#include "engine/ngram_lookup.h"

using cria::ngram_lookup_draft;
using cria::Token;
using Tokens = std::vector<Token>;

TEST(NgramLookup, CopiesWhatFollowedTheEarlierOccurrence) {
    // "1 2 3 4 5 ... 1 2" -> the last 2-gram "1 2" occurred at the start, followed by 3 4 5.
    const Tokens history = {1, 2, 3, 4, 5, 9, 9, 1, 2};
    EXPECT_EQ(ngram_lookup_draft(history, 2, 3), (Tokens{3, 4, 5}));
    EXPECT_EQ(ngram_lookup_draft(history, 2, 1), (Tokens{3}));
}

TEST(NgramLookup, PrefersTheMostRecentOccurrence) {
    const Tokens history = {7, 8, 1, 7, 8, 2, 7, 8};
    EXPECT_EQ(ngram_lookup_draft(history, 2, 1), (Tokens{2}));
}

TEST(NgramLookup, ContinuesAPeriodicPatternPastTheEndOfTheHistory) {
    // Period 3: the copy runs into the tokens it has just drafted.
    const Tokens history = {10, 11, 12, 10, 11, 12, 10, 11};
    EXPECT_EQ(ngram_lookup_draft(history, 2, 7), (Tokens{12, 10, 11, 12, 10, 11, 12}));
    // Period 1: one repeated token.
    EXPECT_EQ(ngram_lookup_draft(Tokens{5, 5, 5}, 2, 4), (Tokens{5, 5, 5, 5}));
}

TEST(NgramLookup, LongerNgramsMustMatchWhole) {
    const Tokens history = {1, 2, 3, 4, 9, 2, 3};
    EXPECT_EQ(ngram_lookup_draft(history, 2, 2), (Tokens{4, 9}));
    EXPECT_TRUE(ngram_lookup_draft(history, 3, 2).empty());  // "9 2 3" never occurred before
}

TEST(NgramLookup, NothingWithoutAnEarlierOccurrence) {
    EXPECT_TRUE(ngram_lookup_draft(Tokens{1, 2, 3, 4, 5}, 1, 4).empty());
    EXPECT_TRUE(ngram_lookup_draft(Tokens{}, 1, 4).empty());
    EXPECT_TRUE(ngram_lookup_draft(Tokens{3}, 1, 4).empty());
    EXPECT_TRUE(ngram_lookup_draft(Tokens{3, 3}, 2, 4).empty());  // shorter than n-gram + 1
}

TEST(NgramLookup, NothingForNonPositiveSizes) {
    const Tokens history = {1, 1, 1, 1};
    EXPECT_TRUE(ngram_lookup_draft(history, 0, 4).empty());
    EXPECT_TRUE(ngram_lookup_draft(history, 1, 0).empty());
    EXPECT_TRUE(ngram_lookup_draft(history, -1, -1).empty());
}

TEST(NgramLookup, MinHitsNeedsThatManyEarlierOccurrences) {
    // "1 2" occurred twice before the end: once followed by 3, most recently by 4.
    const Tokens history = {1, 2, 3, 1, 2, 4, 1, 2};
    EXPECT_EQ(ngram_lookup_draft(history, 2, 1, 1), (Tokens{4}));
    EXPECT_EQ(ngram_lookup_draft(history, 2, 1, 2), (Tokens{4}));  // still the most recent one's
    EXPECT_TRUE(ngram_lookup_draft(history, 2, 1, 3).empty());
}
