// The draft-free kinds of drafting beyond ngram-simple: ngram-map-k, ngram-map-k4v (NgramMap),
// ngram-mod (NgramMod) and ngram-cache (ngram_cache_draft, NgramCacheDrafter). Known contexts give
// known drafts; state is bounded and forgotten on reset; ngram-cache's dynamic cache learns and is
// saved.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "engine/ngram_cache.h"
#include "engine/ngram_cache_drafter.h"
#include "engine/ngram_map.h"
#include "engine/ngram_mod.h"

using cria::NgramCounts;
using cria::NgramMap;
using cria::NgramMapParams;
using cria::NgramMod;
using cria::NgramModParams;
using cria::Token;
using Tokens = std::vector<Token>;

namespace {

NgramMapParams map_params(int n, int m, int min_hits = 1) { return {n, m, min_hits}; }

}  // namespace

// ---- ngram-map-k ----

TEST(NgramMapK, DraftsWhatFollowedTheKeysLatestOccurrence) {
    NgramMap map(map_params(2, 3), false);
    // "1 2" is followed by 3 4 5 earlier; the context ends with "1 2" again.
    EXPECT_EQ(map.draft({1, 2, 3, 4, 5, 9, 1, 2}, 16), (Tokens{3, 4, 5}));
    // One more token: the key is now "2 3", whose earlier occurrence was followed by 4 5 9.
    EXPECT_EQ(map.draft({1, 2, 3, 4, 5, 9, 1, 2, 3}, 16), (Tokens{4, 5, 9}));
    // An occurrence counts only once all of its size_m tokens are there: "5 6" at the start has 2.
    map.reset();
    EXPECT_TRUE(map.draft({5, 6, 5, 6}, 16).empty());
}

TEST(NgramMapK, DraftIsCutToSizeMAndNMax) {
    NgramMap map(map_params(1, 4), false);
    const Tokens context = {7, 1, 2, 3, 4, 5, 6, 7};
    EXPECT_EQ(map.draft(context, 16), (Tokens{1, 2, 3, 4}));
    map.reset();
    EXPECT_EQ(map.draft(context, 2), (Tokens{1, 2}));
}

TEST(NgramMapK, MinHitsCountsEarlierOccurrences) {
    const Tokens context = {5, 6, 1, 5, 6, 2, 8, 8, 5, 6};
    NgramMap once(map_params(2, 1, 2), false);
    EXPECT_EQ(once.draft(context, 4), (Tokens{2}));  // two earlier occurrences: enough
    NgramMap thrice(map_params(2, 1, 3), false);
    EXPECT_TRUE(thrice.draft(context, 4).empty());
}

TEST(NgramMapK, AKeyDraftsOneMoreThanItLastHadAccepted) {
    NgramMap map(map_params(1, 4), false);
    Tokens context = {9, 1, 2, 3, 4, 0, 0, 9};
    EXPECT_EQ(map.draft(context, 16).size(), 4u);
    map.accepted(1);
    // The same key again (the context grew by tokens that do not end with a new "9 ... " value).
    context.push_back(0);
    context.push_back(0);
    context.push_back(0);
    context.push_back(9);
    EXPECT_EQ(map.draft(context, 16).size(), 2u);  // 1 accepted: at most 2 now
}

TEST(NgramMapK, ResetForgetsAndMemoryIsBoundedByTheContext) {
    NgramMap map(map_params(2, 2), false);
    Tokens context;
    for (int i = 0; i < 1000; ++i) context.push_back(i % 7);
    map.draft(context, 4);
    EXPECT_LE(map.n_keys(), context.size());
    EXPECT_EQ(map.n_keys(), 7u);  // a period of 7: 7 distinct keys
    map.reset();
    EXPECT_EQ(map.n_keys(), 0u);
    // A different sequence after the reset drafts from itself only.
    EXPECT_EQ(map.draft({4, 4, 1, 1, 4, 4}, 4), (Tokens{1, 1}));
}

// ---- ngram-map-k4v ----

TEST(NgramMapK4v, DraftsTheClearlyMostFrequentValue) {
    NgramMap map(map_params(1, 1), true);
    // After 5: 1, 1, 1 and once 2 -> 1 is 3x the others: drafted.
    EXPECT_EQ(map.draft({5, 1, 5, 1, 5, 2, 5, 1, 5}, 4), (Tokens{1}));
}

TEST(NgramMapK4v, NoFavouriteNoDraft) {
    NgramMap map(map_params(1, 1), true);
    // After 5: 1, 2, 1 -> 2 is not 3x 1: nothing.
    EXPECT_TRUE(map.draft({5, 1, 5, 2, 5, 1, 5}, 4).empty());
    // ngram-map-k drafts the latest regardless.
    NgramMap k(map_params(1, 1), false);
    EXPECT_EQ(k.draft({5, 1, 5, 2, 5, 1, 5}, 4), (Tokens{1}));
}

TEST(NgramMapK4v, DraftsTheFavouritesTokensNotTheLatest) {
    NgramMap map(map_params(1, 2), true);
    // After 5: "1 1" three times, then "2 2" once (the latest): the favourite "1 1" is drafted.
    EXPECT_EQ(map.draft({5, 1, 1, 5, 1, 1, 5, 1, 1, 5, 2, 2, 5}, 4), (Tokens{1, 1}));
}

TEST(NgramMapK4v, CountsAtMostFourValues) {
    NgramMap map(map_params(1, 1), true);
    // After 5: 1, 2, 3, 4 once each, then 6 six times: 6 is not counted (a fifth value), no favourite.
    Tokens context = {5, 1, 5, 2, 5, 3, 5, 4};
    for (int i = 0; i < 6; ++i) {
        context.push_back(5);
        context.push_back(6);
    }
    context.push_back(5);
    EXPECT_TRUE(map.draft(context, 4).empty());
}

// ---- ngram-mod ----

TEST(NgramMod, ChainsLookupsUntilAnEmptyBucket) {
    NgramMod mod(NgramModParams{2, 1, 8}, 1, 1024);
    // Learns 1 2 -> 3, 2 3 -> 4, 3 4 -> 5; the context ends with "1 2".
    EXPECT_EQ(mod.draft(0, {1, 2, 3, 4, 5, 0, 1, 2}, 16), (Tokens{3, 4, 5, 0, 1, 2, 3, 4}));  // cut at n_max 8
    EXPECT_EQ(mod.draft(0, {1, 2, 3, 4, 5, 0, 1, 2}, 3), (Tokens{3, 4, 5}));                 // cut at the request's
}

TEST(NgramMod, ShorterThanNMinDraftsNothing) {
    // Slot 0 teaches "1 2 -> 3" only; slot 1 ends with "1 2": the chain is 3, then "2 3" is unknown.
    NgramMod strict(NgramModParams{2, 4, 8}, 2, 1024);
    EXPECT_TRUE(strict.draft(0, {1, 2, 3}, 16).empty());
    EXPECT_TRUE(strict.draft(1, {9, 1, 2}, 16).empty());  // 1 token < n_min 4
    NgramMod lax(NgramModParams{2, 1, 8}, 2, 1024);
    lax.draft(0, {1, 2, 3}, 16);
    EXPECT_EQ(lax.draft(1, {9, 1, 2}, 16), (Tokens{3}));
}

TEST(NgramMod, ThePoolIsSharedBetweenSlotsAndFixedInSize) {
    NgramMod mod(NgramModParams{2, 1, 4}, 2, 64);
    EXPECT_TRUE(mod.draft(1, {1, 2}, 4).empty());
    mod.draft(0, {7, 8, 9, 10, 11}, 4);            // slot 0 teaches 7 8 -> 9 ...
    EXPECT_EQ(mod.draft(1, {1, 2, 7, 8}, 2), (Tokens{9, 10}));  // slot 1 uses it
    Tokens long_text;
    for (int i = 0; i < 5000; ++i) long_text.push_back(i);
    mod.draft(0, long_text, 4);
    EXPECT_LE(mod.buckets_used(), mod.n_buckets());
    EXPECT_EQ(mod.n_buckets(), 64u);
}

TEST(NgramMod, FailingDraftsEmptyThePool) {
    NgramMod mod(NgramModParams{1, 1, 4}, 1, 1024);
    const Tokens context = {1, 2, 1, 2, 1};
    for (int i = 0; i < 5; ++i) {
        ASSERT_FALSE(mod.draft(0, context, 4).empty());
        mod.accepted(0, 0);
    }
    EXPECT_EQ(mod.buckets_used(), 0u);
    EXPECT_FALSE(mod.draft(0, context, 4).empty());  // the slot's context is added again
}

// ---- ngram-cache ----

TEST(NgramCache, DraftsTheContextsFavouriteAfterTheLongestNgram) {
    const Tokens context = {1, 2, 3, 1, 2, 3, 1, 2};
    NgramCounts own;
    cria::count_ngrams(own, context, 0);
    const NgramCounts none;
    EXPECT_EQ(cria::ngram_cache_draft(context, 4, own, none, none), (Tokens{3, 1, 2, 3}));
}

TEST(NgramCache, TooFewSamplesNoDraft) {
    const Tokens context = {4, 5, 6, 4};  // "4" followed by 5 once: the 1-gram needs 2 samples
    NgramCounts own;
    cria::count_ngrams(own, context, 0);
    const NgramCounts none;
    EXPECT_TRUE(cria::ngram_cache_draft(context, 4, own, none, none).empty());
}

TEST(NgramCache, TheStaticCacheDraftsAloneAndWeighsTheOthers) {
    NgramCounts static_counts;
    cria::Ngram after_1_2;
    after_1_2.tokens = {1, 2, -1, -1};
    static_counts.add(after_1_2, 7, 3);
    const NgramCounts none;
    EXPECT_EQ(cria::ngram_cache_draft({9, 1, 2}, 1, none, none, static_counts), (Tokens{7}));
    // The dynamic cache saw "2" followed by 8 four times and by 7 once: the static count of 7 wins.
    NgramCounts dynamic;
    cria::Ngram after_2;
    after_2.tokens = {2, -1, -1, -1};
    dynamic.add(after_2, 8, 4);
    dynamic.add(after_2, 7, 1);
    EXPECT_EQ(cria::ngram_cache_draft({9, 1, 2}, 1, none, dynamic, none), (Tokens{8}));  // 80 % of 5 samples
    // Weighed by the static counts 7 leads, but with 1 of 5 samples it is not trusted: the static
    // cache alone drafts it.
    EXPECT_EQ(cria::ngram_cache_draft({9, 1, 2}, 1, none, dynamic, static_counts), (Tokens{7}));
}

TEST(NgramCounts, CapStopsNewNgramsButKeepsCounting) {
    NgramCounts counts(2);
    cria::Ngram a, b, c;
    a.tokens = {1, -1, -1, -1};
    b.tokens = {2, -1, -1, -1};
    c.tokens = {3, -1, -1, -1};
    counts.add(a, 5);
    counts.add(b, 5);
    counts.add(c, 5);
    counts.add(a, 5);
    EXPECT_EQ(counts.size(), 2u);
    EXPECT_EQ(counts.find(c), nullptr);
    EXPECT_EQ((*counts.find(a))[0].second, 2);
}

TEST(NgramMod, ANewSequenceEmptiesAPoolOverAQuarterFull) {
    NgramMod mod(NgramModParams{1, 1, 4}, 1, 8);
    mod.draft(0, {1, 2, 3, 4}, 4);  // 3 of 8 buckets (or fewer, on collisions): over a quarter
    ASSERT_GT(mod.buckets_used(), 2u);
    mod.begin(0);
    EXPECT_EQ(mod.buckets_used(), 0u);
    // The new sequence is indexed from its start.
    EXPECT_EQ(mod.draft(0, {5, 6, 5}, 4).front(), 6);
}

// ---- ngram-cache's slots and caches ----

TEST(NgramCacheDrafter, ASlotsNewSequenceTeachesTheDynamicCacheWhichIsSaved) {
    cria::NgramConfig config;
    config.lookup_cache_dynamic = "/tmp/cria-ngram-drafter-test-" + std::to_string(::getpid());
    std::remove(config.lookup_cache_dynamic.c_str());
    std::string error;
    auto drafter = cria::NgramCacheDrafter::create(config, 1, 100, &error);  // a missing -lcd file: empty
    ASSERT_TRUE(drafter) << error;
    const Tokens first = {1, 2, 3, 1, 2, 3, 1, 2};
    EXPECT_EQ(drafter->draft(0, first, 8), (Tokens{3, 1, 2, 3, 1, 2, 3, 1}));  // from the slot's own statistics
    EXPECT_TRUE(drafter->dynamic_counts().empty());
    drafter->begin(0);  // the slot moves on: what it learnt goes to the dynamic cache
    EXPECT_FALSE(drafter->dynamic_counts().empty());
    // A new sequence drafts from the dynamic cache, which is stricter: "2 3 1" was followed by 2
    // twice (enough for 3 tokens), then "3 1 2" by 3 once (2 needed) ends the draft.
    EXPECT_EQ(drafter->draft(0, {9, 2, 3, 1}, 2), (Tokens{2}));
    ASSERT_TRUE(drafter->save(&error)) << error;
    // The file loads as a static cache in a new drafter.
    cria::NgramConfig reader;
    reader.lookup_cache_static = config.lookup_cache_dynamic;
    auto loaded = cria::NgramCacheDrafter::create(reader, 1, 100, &error);
    ASSERT_TRUE(loaded) << error;
    EXPECT_FALSE(loaded->draft(0, {7, 1, 2}, 1).empty());
    // Token ids beyond the vocabulary: refused, naming the option.
    EXPECT_FALSE(cria::NgramCacheDrafter::create(reader, 1, 3, &error));
    EXPECT_NE(error.find("--lookup-cache-static: "), std::string::npos) << error;
    std::remove(config.lookup_cache_dynamic.c_str());
}
