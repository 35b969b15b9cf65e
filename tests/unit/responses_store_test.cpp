// The response store's bounds: count, bytes, least recently used first, and an off switch.
#include "http/responses_store.h"

#include <gtest/gtest.h>

namespace cria {
namespace {

using json = nlohmann::json;

ResponsesStore::Entry entry(size_t text_bytes) {
    return {{{"id", "r"}}, json::array({{{"role", "user"}, {"content", std::string(text_bytes, 'x')}}})};
}

TEST(ResponsesStore, KeepsAtMostCountEntriesDroppingTheLeastRecentlyUsed) {
    ResponsesStore store(2, 1 << 20);
    EXPECT_TRUE(store.put("a", entry(10)));
    EXPECT_TRUE(store.put("b", entry(10)));
    ASSERT_NE(store.get("a"), nullptr);  // a is now more recent than b
    EXPECT_TRUE(store.put("c", entry(10)));
    EXPECT_EQ(store.size(), 2u);
    EXPECT_EQ(store.get("b"), nullptr);
    EXPECT_NE(store.get("a"), nullptr);
    EXPECT_NE(store.get("c"), nullptr);
}

TEST(ResponsesStore, KeepsAtMostMaxBytes) {
    const size_t one = ResponsesStore::entry_bytes("a", entry(1000));
    ResponsesStore store(100, one * 2 + one / 2);
    EXPECT_TRUE(store.put("a", entry(1000)));
    EXPECT_TRUE(store.put("b", entry(1000)));
    EXPECT_TRUE(store.put("c", entry(1000)));
    EXPECT_EQ(store.size(), 2u);
    EXPECT_LE(store.bytes(), store.max_bytes());
    EXPECT_EQ(store.get("a"), nullptr);
    EXPECT_FALSE(store.put("huge", entry(one * 3)));  // larger than the whole store: not kept, nothing dropped
    EXPECT_EQ(store.size(), 2u);
}

TEST(ResponsesStore, ReplacingAndErasingKeepTheByteCountRight) {
    ResponsesStore store(10, 1 << 20);
    store.put("a", entry(100));
    store.put("a", entry(10));
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(store.bytes(), ResponsesStore::entry_bytes("a", entry(10)));
    EXPECT_TRUE(store.erase("a"));
    EXPECT_FALSE(store.erase("a"));
    EXPECT_EQ(store.bytes(), 0u);
}

TEST(ResponsesStore, AnEntryOutlivesItsEviction) {
    ResponsesStore store(1, 1 << 20);
    store.put("a", entry(5));
    const auto held = store.get("a");
    store.put("b", entry(5));
    EXPECT_EQ(store.get("a"), nullptr);
    ASSERT_NE(held, nullptr);
    EXPECT_EQ(held->conversation[0]["content"], "xxxxx");
}

TEST(ResponsesStore, CountZeroKeepsNothing) {
    ResponsesStore store(0, 1 << 20);
    EXPECT_FALSE(store.enabled());
    EXPECT_FALSE(store.put("a", entry(1)));
    EXPECT_EQ(store.get("a"), nullptr);
}

}  // namespace
}  // namespace cria
