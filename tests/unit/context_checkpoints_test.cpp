// Tests of ContextCheckpoints (src/engine/kv/context_checkpoints.h): how many a sequence keeps,
// which one goes when it is full (-ctxcp, -cms), and which one a cut restores.
#include <gtest/gtest.h>

#include <vector>

#include "engine/kv/context_checkpoints.h"

namespace {

using cria::ContextCheckpoint;
using cria::ContextCheckpoints;

ContextCheckpoint at(size_t n_tokens, uint64_t request) {
    ContextCheckpoint c;
    c.n_tokens = n_tokens;
    c.request = request;
    c.state.assign(10, 1);
    return c;
}

std::vector<size_t> lengths(const ContextCheckpoints& list) {
    std::vector<size_t> out;
    for (const auto& c : list.list()) out.push_back(c.n_tokens);
    return out;
}

TEST(ContextCheckpoints, AtMostMaxAreKeptTheOldestGoingFirst) {
    ContextCheckpoints list(3, 0);
    for (size_t n : {10u, 20u, 30u}) EXPECT_TRUE(list.add(at(n, 1)).empty());
    const auto dropped = list.add(at(40, 2));
    ASSERT_EQ(dropped.size(), 1u);
    EXPECT_EQ(dropped[0].n_tokens, 10u);
    EXPECT_EQ(lengths(list), (std::vector<size_t>{20, 30, 40}));
    EXPECT_EQ(list.bytes(), 30u);
}

TEST(ContextCheckpoints, WhenFullAClusteredOneOfAnEarlierRequestGoesFirst) {
    ContextCheckpoints list(3, 100);
    list.add(at(1000, 1));
    list.add(at(1050, 1));  // within 100 tokens of the one before it
    list.add(at(1500, 2));
    const auto dropped = list.add(at(1550, 3));
    ASSERT_EQ(dropped.size(), 1u);
    EXPECT_EQ(dropped[0].n_tokens, 1050u);
    EXPECT_EQ(lengths(list), (std::vector<size_t>{1000, 1500, 1550}));
    // The current request's own clustered checkpoints are spared: the oldest goes instead.
    list.add(at(1560, 3));
    EXPECT_EQ(lengths(list), (std::vector<size_t>{1500, 1550, 1560}));
}

TEST(ContextCheckpoints, NoneAreKeptWhenDisabled) {
    ContextCheckpoints list(0, 0);
    EXPECT_FALSE(list.enabled());
    list.add(at(10, 1));
    EXPECT_EQ(list.size(), 0u);
}

TEST(ContextCheckpoints, ACutFindsTheLatestBeforeItAndDropsThoseAfter) {
    ContextCheckpoints list(8, 0);
    for (size_t n : {10u, 20u, 30u}) list.add(at(n, 1));
    EXPECT_EQ(list.latest_at_or_before(25)->n_tokens, 20u);
    EXPECT_EQ(list.latest_at_or_before(20)->n_tokens, 20u);
    EXPECT_EQ(list.latest_at_or_before(9), nullptr);
    EXPECT_TRUE(list.has(30));
    EXPECT_EQ(list.drop_after(20).size(), 1u);
    EXPECT_EQ(lengths(list), (std::vector<size_t>{10, 20}));
    // A new one replaces any at or past it (the sequence was cut before it was saved).
    list.add(at(15, 2));
    EXPECT_EQ(lengths(list), (std::vector<size_t>{10, 15}));
}

}  // namespace
