// Tests of the radix tree behind the host prompt cache (engine/kv/token_prefix_index.h): the
// longest-prefix lookup (partial edges, forks, limits), recency among equal matches, removal that
// keeps the tree answering as before, and a check against a brute-force scan over many sequences.
// The cache's own use of it (keys, LRU eviction within the budget) is in host_prompt_cache_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <vector>

#include "engine/kv/token_prefix_index.h"
#include "token_sequences.h"

namespace {

using cria::Token;
using cria::TokenPrefixIndex;

std::vector<Token> seq(std::initializer_list<Token> tokens) { return tokens; }

using cria::test::concat;
using cria::test::range;

TEST(TokenPrefixIndex, FindsTheLongestSharedPrefixAcrossForksAndInsideEdges) {
    TokenPrefixIndex index;
    const auto system = range(1, 50);
    index.insert(concat(system, range(100, 30)), 1, 1);
    index.insert(concat(system, range(200, 40)), 2, 2);
    index.insert(seq({7, 8, 9}), 3, 3);
    EXPECT_EQ(index.size(), 3u);

    // Past the end of entry 1: all of it.
    auto m = index.longest_prefix(concat(concat(system, range(100, 30)), range(300, 5)));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->id, 1u);
    EXPECT_EQ(m->n_tokens, 80u);
    // Parting from entry 2 inside its own edge.
    m = index.longest_prefix(concat(concat(system, range(200, 10)), seq({-5})));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->id, 2u);
    EXPECT_EQ(m->n_tokens, 60u);
    // The prompt ends inside an edge.
    m = index.longest_prefix(seq({7, 8}));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->id, 3u);
    EXPECT_EQ(m->n_tokens, 2u);
    // Nothing in common, an empty prompt, or less than asked for.
    EXPECT_FALSE(index.longest_prefix(seq({9999})));
    EXPECT_FALSE(index.longest_prefix({}));
    EXPECT_FALSE(index.longest_prefix(seq({7, 8, 9}), 4));
    EXPECT_TRUE(index.longest_prefix(seq({7, 8, 9}), 3));
    // A limit counts only the prompt's first tokens.
    m = index.longest_prefix(concat(system, range(100, 30)), 1, 55);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->n_tokens, 55u);
}

TEST(TokenPrefixIndex, AmongEqualMatchesTheMostRecentlyStampedWins) {
    TokenPrefixIndex index;
    const auto system = range(1, 20);
    index.insert(concat(system, seq({100, 101})), 1, 10);
    index.insert(concat(system, seq({200, 201})), 2, 11);
    index.insert(concat(system, seq({300, 301})), 3, 12);
    const auto other = concat(system, seq({999}));
    EXPECT_EQ(index.longest_prefix(other)->id, 3u);
    EXPECT_TRUE(index.touch(concat(system, seq({100, 101})), 13));
    EXPECT_EQ(index.longest_prefix(other)->id, 1u);
    EXPECT_EQ(index.longest_prefix(other)->n_tokens, 20u);
    EXPECT_FALSE(index.touch(concat(system, seq({100})), 14)) << "a prefix of an entry is not an entry";
}

TEST(TokenPrefixIndex, InsertingAStoredSequenceReplacesItsId) {
    TokenPrefixIndex index;
    EXPECT_FALSE(index.insert(seq({1, 2, 3}), 1, 1));
    const auto replaced = index.insert(seq({1, 2, 3}), 2, 2);
    ASSERT_TRUE(replaced);
    EXPECT_EQ(*replaced, 1u);
    EXPECT_EQ(index.size(), 1u);
    EXPECT_EQ(index.longest_prefix(seq({1, 2, 3}))->id, 2u);
    EXPECT_FALSE(index.insert({}, 3, 3)) << "an empty sequence is not stored";
    EXPECT_EQ(index.size(), 1u);
}

TEST(TokenPrefixIndex, ListsTheStoredPrefixesOfASequence) {
    TokenPrefixIndex index;
    index.insert(seq({1, 2}), 1, 1);
    index.insert(seq({1, 2, 3, 4}), 2, 2);
    index.insert(seq({1, 2, 3, 5}), 3, 3);
    index.insert(seq({1, 9}), 4, 4);
    EXPECT_EQ(index.prefixes_of(seq({1, 2, 3, 4, 6})), (std::vector<TokenPrefixIndex::Id>{1, 2}));
    EXPECT_EQ(index.prefixes_of(seq({1, 2, 3})), (std::vector<TokenPrefixIndex::Id>{1}));
    EXPECT_TRUE(index.prefixes_of(seq({1})).empty());
    EXPECT_TRUE(index.prefixes_of(seq({2, 2})).empty());
}

TEST(TokenPrefixIndex, ErasingKeepsTheOthersFindable) {
    TokenPrefixIndex index;
    index.insert(seq({1, 2, 3, 4}), 1, 1);
    index.insert(seq({1, 2, 3, 5}), 2, 2);  // forks 1's edge at 3
    index.insert(seq({1, 2}), 3, 3);        // ends at a split point
    EXPECT_TRUE(index.erase(seq({1, 2, 3, 5})));
    EXPECT_FALSE(index.erase(seq({1, 2, 3, 5})));
    EXPECT_FALSE(index.erase(seq({1, 2, 3}))) << "not stored: a prefix only";
    EXPECT_EQ(index.size(), 2u);
    auto m = index.longest_prefix(seq({1, 2, 3, 5}));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->id, 1u);
    EXPECT_EQ(m->n_tokens, 3u);
    EXPECT_TRUE(index.erase(seq({1, 2})));
    EXPECT_EQ(index.longest_prefix(seq({1, 2}))->id, 1u) << "the merged edge still leads to the entry";
    EXPECT_TRUE(index.erase(seq({1, 2, 3, 4})));
    EXPECT_TRUE(index.empty());
    EXPECT_FALSE(index.longest_prefix(seq({1, 2, 3, 4})));
    index.insert(seq({1, 2, 3, 4}), 4, 5);  // usable again after emptying
    EXPECT_EQ(index.longest_prefix(seq({1, 2}))->id, 4u);
}

// The tree against a brute-force scan: random sequences over a small alphabet (so they share
// prefixes and fork often), random inserts, touches and erases, every lookup compared.
TEST(TokenPrefixIndex, AgreesWithABruteForceScan) {
    std::mt19937 rng(1234);
    auto random_seq = [&](size_t max_len) {
        std::vector<Token> s(1 + rng() % max_len);
        for (auto& t : s) t = static_cast<Token>(rng() % 3) - 1;  // -1, 0, 1: images' ids are negative
        return s;
    };
    TokenPrefixIndex index;
    std::map<std::vector<Token>, std::pair<TokenPrefixIndex::Id, uint64_t>> brute;  // tokens -> id, stamp
    uint64_t clock = 0;
    for (int round = 0; round < 3000; ++round) {
        const auto s = random_seq(12);
        switch (rng() % 4) {
            case 0:
            case 1:
                index.insert(s, static_cast<TokenPrefixIndex::Id>(round), ++clock);
                brute[s] = {static_cast<TokenPrefixIndex::Id>(round), clock};
                break;
            case 2:
                EXPECT_EQ(index.erase(s), brute.erase(s) == 1);
                break;
            default:
                if (brute.count(s)) brute[s].second = ++clock;
                EXPECT_EQ(index.touch(s, clock), brute.count(s) == 1);
        }
        ASSERT_EQ(index.size(), brute.size());
        const auto prompt = random_seq(14);
        size_t best_n = 0;
        std::optional<std::pair<TokenPrefixIndex::Id, uint64_t>> best;
        for (const auto& [tokens, held] : brute) {
            size_t n = 0;
            while (n < tokens.size() && n < prompt.size() && tokens[n] == prompt[n]) ++n;
            if (n > 0 && (n > best_n || (n == best_n && held.second > best->second))) {
                best_n = n;
                best = held;
            }
        }
        const auto m = index.longest_prefix(prompt);
        ASSERT_EQ(m.has_value(), best.has_value());
        if (m) {
            EXPECT_EQ(m->n_tokens, best_n);
            EXPECT_EQ(m->id, best->first);
        }
    }
}

}  // namespace
