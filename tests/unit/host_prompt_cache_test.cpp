// Tests of the host-memory prompt cache: its index (host_prompt_cache.h: prefix lookup, LRU
// eviction within the budget, keys that never mix LoRA scales, self-extend settings or images),
// KvCache's use of it (save, restore, chunk reuse) against a fake memory whose serialized state is
// its cells, checked cell by cell against the mirror, and the persisted file (host_cache_file.h:
// a round trip, and files of another identity, corrupted or truncated, rejected whole).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "engine/kv/host_cache_file.h"
#include "engine/kv/host_prompt_cache.h"
#include "engine/kv/kv_cache.h"
#include "token_sequences.h"

namespace {

using cria::HostCacheEntry;
using cria::HostCacheKey;
using cria::HostPromptCache;
using cria::KvCache;
using cria::LoraScales;
using cria::SelfExtend;
using cria::Token;

using cria::test::concat;
using cria::test::range;

HostCacheEntry entry(std::vector<Token> tokens, size_t state_bytes = 100, HostCacheKey key = {}) {
    HostCacheEntry e;
    e.key = std::move(key);
    e.tokens = std::move(tokens);
    e.state.assign(state_bytes, 0x5a);
    return e;
}

// ---- the index -----------------------------------------------------------------------------

TEST(HostPromptCache, FindsTheEntrySharingTheLongestPrefix) {
    HostPromptCache cache(HostPromptCache::kUnlimited);
    const auto system = range(1, 50);
    ASSERT_TRUE(cache.insert(entry(concat(system, range(100, 30)))));  // conversation A
    ASSERT_TRUE(cache.insert(entry(concat(system, range(200, 40)))));  // conversation B
    const auto a_next = concat(concat(system, range(100, 30)), range(300, 10));
    auto match = cache.find({}, a_next);
    ASSERT_TRUE(match);
    EXPECT_EQ(match->n_tokens, 80u);
    EXPECT_EQ(match->entry->tokens, concat(system, range(100, 30)));
    // Only the system prompt in common: either entry gives those 50 tokens.
    match = cache.find({}, concat(system, range(900, 5)));
    ASSERT_TRUE(match);
    EXPECT_EQ(match->n_tokens, 50u);
    // Nothing in common, or less than asked for.
    EXPECT_FALSE(cache.find({}, range(5000, 10)));
    EXPECT_FALSE(cache.find({}, a_next, 81));
    // A limit compares only the prompt's first tokens (the last one is always evaluated again).
    match = cache.find({}, a_next, 1, 60);
    ASSERT_TRUE(match);
    EXPECT_EQ(match->n_tokens, 60u);
}

TEST(HostPromptCache, AnEntryReplacesThoseItExtendsAndIsNotStoredTwice) {
    HostPromptCache cache(HostPromptCache::kUnlimited);
    ASSERT_TRUE(cache.insert(entry(range(1, 40))));
    ASSERT_TRUE(cache.insert(entry(range(1, 60))));  // the same conversation, one turn later
    EXPECT_EQ(cache.entries(), 1u);
    EXPECT_EQ(cache.in_lru_order().front().tokens, range(1, 60));
    EXPECT_TRUE(cache.insert(entry(range(1, 30))));  // already held, as a prefix
    EXPECT_EQ(cache.entries(), 1u);
    EXPECT_TRUE(cache.covers({}, range(1, 60)));
    EXPECT_FALSE(cache.covers({}, range(1, 61)));
    EXPECT_EQ(cache.bytes(), 100 + 60 * sizeof(Token));
}

TEST(HostPromptCache, EvictsTheLeastRecentlyUsedToStayWithinBudget) {
    const size_t one = entry(range(0, 10)).bytes();
    HostPromptCache cache(static_cast<int64_t>(3 * one));
    ASSERT_TRUE(cache.insert(entry(range(0, 10))));
    ASSERT_TRUE(cache.insert(entry(range(100, 10))));
    ASSERT_TRUE(cache.insert(entry(range(200, 10))));
    ASSERT_TRUE(cache.find({}, range(0, 10)));  // used: now the most recent
    ASSERT_TRUE(cache.insert(entry(range(300, 10))));
    EXPECT_EQ(cache.entries(), 3u);
    EXPECT_LE(cache.bytes(), 3 * one);
    EXPECT_FALSE(cache.find({}, range(100, 10))) << "the least recently used went first";
    EXPECT_TRUE(cache.find({}, range(0, 10)));
    EXPECT_TRUE(cache.find({}, range(200, 10)));
    EXPECT_TRUE(cache.find({}, range(300, 10)));
    // Larger than the whole budget: refused, nothing evicted for it.
    EXPECT_FALSE(cache.insert(entry(range(400, 10), 4 * one)));
    EXPECT_EQ(cache.entries(), 3u);
}

TEST(HostPromptCache, ZeroBudgetStoresNothing) {
    HostPromptCache cache(0);
    EXPECT_FALSE(cache.enabled());
    EXPECT_FALSE(cache.insert(entry(range(0, 10))));
    EXPECT_EQ(cache.entries(), 0u);
    EXPECT_FALSE(cache.find({}, range(0, 10)));
}

TEST(HostPromptCache, KeysNeverMixLoraScalesOrSelfExtend) {
    HostPromptCache cache(HostPromptCache::kUnlimited);
    HostCacheKey lora_half;
    lora_half.lora = {0.5f};
    HostCacheKey grouped;
    grouped.self_extend_factor = 2;
    grouped.self_extend_width = 16;
    ASSERT_TRUE(cache.insert(entry(range(0, 40), 100, lora_half)));
    EXPECT_FALSE(cache.find({}, range(0, 40))) << "computed under other LoRA scales";
    HostCacheKey lora_one;
    lora_one.lora = {1.0f};
    EXPECT_FALSE(cache.find(lora_one, range(0, 40)));
    EXPECT_FALSE(cache.find(grouped, range(0, 40))) << "placed by other self-extend settings";
    EXPECT_TRUE(cache.find(lora_half, range(0, 40)));
    // The same tokens under another key are another entry, not a duplicate.
    ASSERT_TRUE(cache.insert(entry(range(0, 40), 100, grouped)));
    EXPECT_EQ(cache.entries(), 2u);
}

TEST(HostPromptCache, DifferentImagesNeverMatchPastWhereTheyStart) {
    // An image's positions hold negative placeholder tokens derived from its pixels
    // (generation_request.h): two images are two different runs of tokens.
    HostPromptCache cache(HostPromptCache::kUnlimited);
    const auto text = range(1, 20);
    const auto image_a = range(-1000, 16);
    const auto image_b = range(-2000, 16);
    ASSERT_TRUE(cache.insert(entry(concat(concat(text, image_a), range(50, 10)))));
    auto match = cache.find({}, concat(concat(text, image_b), range(50, 10)));
    ASSERT_TRUE(match);
    EXPECT_EQ(match->n_tokens, 20u) << "only the text before the image is shared";
    EXPECT_FALSE(cache.find({}, concat(concat(text, image_b), range(50, 10)), 21));
    match = cache.find({}, concat(concat(text, image_a), range(50, 10)));
    ASSERT_TRUE(match);
    EXPECT_EQ(match->n_tokens, 46u) << "the same image is the same tokens";
    // And no entry is found for an image alone under another LoRA key.
    HostCacheKey lora_half;
    lora_half.lora = {0.5f};
    EXPECT_FALSE(cache.find(lora_half, concat(concat(text, image_a), range(50, 10))));
}

TEST(HostPromptCache, ManyConversationsKeepTheBudgetExactAndTheLookupRight) {
    // 300 conversations over one system prompt, each saved after every turn (the new entry
    // replaces the one it extends), under a budget that holds about 100 of them.
    const auto system = range(1, 64);
    const size_t one = entry(concat(system, range(0, 40))).bytes();
    HostPromptCache cache(static_cast<int64_t>(100 * one));
    std::vector<std::vector<Token>> history(300, system);
    for (Token turn = 0; turn < 3; ++turn) {
        for (size_t c = 0; c < history.size(); ++c) {
            history[c] = concat(history[c], range(static_cast<Token>(10000 * (c + 1) + 100 * turn), 12));
            ASSERT_TRUE(cache.insert(entry(history[c])));
            size_t sum = 0;
            for (const auto& e : cache.in_lru_order()) sum += e.bytes();
            ASSERT_EQ(cache.bytes(), sum);
            ASSERT_LE(cache.bytes(), 100 * one);
        }
    }
    // The most recent conversations are held whole, one entry each; the oldest went.
    const auto last = cache.find({}, concat(history.back(), range(7, 3)));
    ASSERT_TRUE(last);
    EXPECT_EQ(last->n_tokens, history.back().size());
    const auto first = cache.find({}, concat(history.front(), range(7, 3)));
    ASSERT_TRUE(first);
    EXPECT_EQ(first->n_tokens, system.size()) << "evicted: only the system prompt is found";
    for (const auto& e : cache.in_lru_order()) EXPECT_EQ(e.tokens.size(), system.size() + 36);
}

TEST(HostPromptCache, ImagesMatchOnlyTheSameImage) {
    // An image's positions hold placeholders derived from its pixels (negative ids).
    HostPromptCache cache(HostPromptCache::kUnlimited);
    const auto text = range(1, 20);
    const std::vector<Token> cat(8, -1234);
    const std::vector<Token> dog(8, -5678);
    ASSERT_TRUE(cache.insert(entry(concat(concat(text, cat), range(50, 10)))));
    auto match = cache.find({}, concat(concat(text, dog), range(50, 10)));
    ASSERT_TRUE(match);
    EXPECT_EQ(match->n_tokens, text.size()) << "the match stops where the images differ";
    match = cache.find({}, concat(concat(text, cat), range(50, 12)));
    ASSERT_TRUE(match);
    EXPECT_EQ(match->n_tokens, text.size() + cat.size() + 10);
}

// ---- KvCache's use of it, against a fake memory ---------------------------------------------

struct Cell {
    llama_pos pos;
    Token token;
};

// Cells per sequence (one shared stream: copies are immediate); a state blob is the cells' bytes
// behind a 4-byte tag, so a corrupted blob is refused like libllama refuses one.
class SerializingMemory final : public cria::KvMemory {
public:
    bool present() const override { return true; }
    bool seq_rm(llama_seq_id seq, llama_pos p0, llama_pos p1) override {
        auto& cells = cells_[seq];
        // Like a recurrent state: only the whole sequence, or nothing it holds, can be removed.
        if (recurrent && !(p0 <= 0 && p1 < 0) && seq_pos_max(seq) >= std::max(p0, 0)) return false;
        cells.erase(std::remove_if(cells.begin(), cells.end(),
                                   [&](const Cell& c) { return c.pos >= std::max(p0, 0) && (p1 < 0 || c.pos < p1); }),
                    cells.end());
        return true;
    }
    void seq_cp(llama_seq_id src, llama_seq_id dst, llama_pos p0, llama_pos p1) override {
        for (const Cell& c : cells_[src]) {
            if (c.pos >= std::max(p0, 0) && (p1 < 0 || c.pos < p1)) cells_[dst].push_back(c);
        }
    }
    void seq_add(llama_seq_id seq, llama_pos p0, llama_pos p1, llama_pos delta) override {
        for (Cell& c : cells_[seq]) {
            if (c.pos >= std::max(p0, 0) && (p1 < 0 || c.pos < p1)) c.pos += delta;
        }
        std::stable_sort(cells_[seq].begin(), cells_[seq].end(), [](const Cell& a, const Cell& b) { return a.pos < b.pos; });
    }
    void seq_div(llama_seq_id seq, llama_pos p0, llama_pos p1, int d) override {
        for (Cell& c : cells_[seq]) {
            if (c.pos >= std::max(p0, 0) && (p1 < 0 || c.pos < p1)) c.pos /= d;
        }
    }
    llama_pos seq_pos_max(llama_seq_id seq) const override {
        llama_pos best = -1;
        if (auto it = cells_.find(seq); it != cells_.end()) {
            for (const Cell& c : it->second) best = std::max(best, c.pos);
        }
        return best;
    }
    llama_pos seq_pos_min(llama_seq_id seq) const override {
        return recurrent ? seq_pos_max(seq) : KvMemory::seq_pos_min(seq);
    }
    bool can_shift() const override { return !recurrent; }
    void clear() override { cells_.clear(); }
    bool recurrent = false;

    std::vector<uint8_t> seq_state(llama_seq_id seq) const override {
        const auto it = cells_.find(seq);
        if (it == cells_.end() || it->second.empty()) return {};
        std::vector<uint8_t> out(kTag, kTag + 4);
        const auto* p = reinterpret_cast<const uint8_t*>(it->second.data());
        out.insert(out.end(), p, p + it->second.size() * sizeof(Cell));
        return out;
    }
    bool set_seq_state(llama_seq_id seq, const std::vector<uint8_t>& state) override {
        EXPECT_TRUE(cells_[seq].empty()) << "a state is loaded into an empty sequence";
        if (state.size() < 4 || std::memcmp(state.data(), kTag, 4) != 0 || (state.size() - 4) % sizeof(Cell) != 0) {
            return false;
        }
        std::vector<Cell> cells((state.size() - 4) / sizeof(Cell));
        std::memcpy(cells.data(), state.data() + 4, state.size() - 4);
        cells_[seq] = std::move(cells);
        return true;
    }

    void decode(llama_seq_id seq, llama_pos pos, Token token) { cells_[seq].push_back({pos, token}); }
    const std::vector<Cell>& cells(llama_seq_id seq) { return cells_[seq]; }

private:
    static constexpr uint8_t kTag[4] = {'F', 'A', 'K', 'E'};
    std::map<llama_seq_id, std::vector<Cell>> cells_;
};

struct Harness {
    explicit Harness(int64_t budget, SelfExtend self_extend = SelfExtend(1, 0), cria::PartialMemory partial = {})
        : kv(memory, 2, self_extend, true, budget, partial) {
        memory.recurrent = partial.recurrent;
    }

    void feed(int32_t seq, const std::vector<Token>& tokens) {
        for (Token t : tokens) {
            kv.make_room(seq);
            memory.decode(seq, kv.append(seq, t), t);
        }
        kv.decoded();
        check(seq);
    }
    // The mirror equals the memory, cell by cell.
    void check(int32_t seq) {
        const auto& cells = memory.cells(seq);
        ASSERT_EQ(cells.size(), kv.size(seq));
        for (size_t i = 0; i < cells.size(); ++i) {
            EXPECT_EQ(cells[i].token, kv.tokens(seq)[i]) << "token " << i;
            EXPECT_EQ(cells[i].pos, kv.position_of(seq, i)) << "token " << i;
        }
        EXPECT_EQ(kv.next_position(seq), memory.seq_pos_max(seq) + 1);
    }

    SerializingMemory memory;
    KvCache kv;
};

TEST(HostPromptCacheInKvCache, ASequenceLeavingItsSlotIsRestoredForItsNextTurn) {
    Harness h(HostPromptCache::kUnlimited);
    const auto system = range(1, 40);
    const auto a = concat(system, range(100, 60));  // conversation A, one turn done
    const auto b = concat(system, range(500, 50));
    h.feed(0, a);
    // B comes to slot 0: it keeps the system prompt and A goes to the host cache first.
    EXPECT_GT(h.kv.save_to_host(0, cria::common_prefix(a, b)), 0u);
    EXPECT_EQ(h.kv.restore_from_host(0, b, b.size() - 1, {}, 40), 0u) << "nothing better than its own prefix";
    EXPECT_EQ(h.kv.reuse_prefix(0, 40, {}), 40u);
    h.feed(0, std::vector<Token>(b.begin() + 40, b.end()));
    // A's next turn: the host cache holds all of A, the slot only the system prompt.
    const auto a_next = concat(a, range(700, 20));
    EXPECT_GT(h.kv.save_to_host(0, 40), 0u);  // B leaves too
    EXPECT_EQ(h.kv.host_cache().entries(), 2u);
    EXPECT_EQ(h.kv.restore_from_host(1, a_next, a_next.size() - 1, {}, a.size() - KvCache::kMinRestoreGain + 1), 0u)
        << "a gain too small to pay for loading a state";
    EXPECT_EQ(h.kv.size(1), 0u);
    const size_t restored = h.kv.restore_from_host(0, a_next, a_next.size() - 1, {}, 40);
    EXPECT_EQ(restored, a.size());
    h.check(0);
    EXPECT_EQ(h.kv.tokens(0), a);
    EXPECT_EQ(h.kv.reuse_prefix(0, restored, {}), a.size());
    h.feed(0, range(700, 20));  // only the new tokens are computed
    EXPECT_EQ(h.kv.tokens(0), a_next);
}

TEST(HostPromptCacheInKvCache, AnEntryThatCannotBeCutToTheSharedPrefixIsNotLoaded) {
    cria::PartialMemory recurrent;
    recurrent.recurrent = true;
    Harness h(HostPromptCache::kUnlimited, SelfExtend(1, 0), recurrent);
    const auto a = range(100, 80);
    h.feed(0, a);
    EXPECT_GT(h.kv.save_to_host(0, 0), 0u);
    h.kv.clear(0);
    h.feed(0, range(1, 5));  // the slot's own cells, which a refused restore must leave alone
    // Sharing 60 of A's 80 tokens: a recurrent state cannot go back there.
    const auto diverging = concat(range(100, 60), range(900, 10));
    EXPECT_EQ(h.kv.restore_from_host(0, diverging, diverging.size() - 1, {}, 0), 0u);
    EXPECT_EQ(h.kv.tokens(0), range(1, 5));
    // All of A and more: restored.
    const auto extending = concat(a, range(900, 10));
    EXPECT_EQ(h.kv.restore_from_host(0, extending, extending.size() - 1, {}, 0), 80u);
    EXPECT_EQ(h.kv.reuse_prefix(0, 80, {}), 80u);
    h.check(0);
}

TEST(HostPromptCacheInKvCache, SavesOnlyWhatWouldBeLostAndNotTwice) {
    Harness h(HostPromptCache::kUnlimited);
    h.feed(0, range(1, 100));
    EXPECT_EQ(h.kv.save_to_host(0, 100 - KvCache::kMinSavedTokens + 1), 0u) << "too little would be dropped";
    EXPECT_GT(h.kv.save_to_host(0, 0), 0u);
    EXPECT_EQ(h.kv.save_to_host(0, 0), 0u) << "already held";
    Harness off(0);
    off.feed(0, range(1, 100));
    EXPECT_EQ(off.kv.save_to_host(0, 0), 0u);
    EXPECT_EQ(off.kv.restore_from_host(0, range(1, 120), 119, {}, 0), 0u);
}

TEST(HostPromptCacheInKvCache, LoraScalesAreAPartOfTheKey) {
    Harness h(HostPromptCache::kUnlimited);
    const LoraScales half{0.5f};
    EXPECT_EQ(h.kv.reuse_prefix(0, 0, half), 0u);
    h.feed(0, range(1, 80));
    ASSERT_GT(h.kv.save_to_host(0, 0), 0u);
    EXPECT_EQ(h.kv.restore_from_host(1, range(1, 100), 99, LoraScales{1.0f}, 0), 0u);
    EXPECT_EQ(h.kv.restore_from_host(1, range(1, 100), 99, half, 0), 80u);
    EXPECT_EQ(h.kv.lora(1), half);
    h.check(1);
}

TEST(HostPromptCacheInKvCache, SelfExtendedSequencesComeBackAtTheirPositions) {
    Harness h(HostPromptCache::kUnlimited, SelfExtend(2, 16));
    h.feed(0, range(1, 70));  // grouped windows: positions are no longer indices
    ASSERT_GT(h.kv.save_to_host(0, 0), 0u);
    EXPECT_EQ(h.kv.host_cache().in_lru_order().front().key.self_extend_factor, 2);
    h.kv.clear(0);
    EXPECT_EQ(h.kv.restore_from_host(1, range(1, 90), 89, {}, 0), 70u);
    h.check(1);
    // Cut inside a grouped window: moved back to its start, as for a slot's own cache.
    const size_t kept = h.kv.reuse_prefix(1, 70, {});
    EXPECT_LE(kept, 70u);
    h.check(1);
    const auto prompt = range(1, 90);
    h.feed(1, std::vector<Token>(prompt.begin() + static_cast<std::ptrdiff_t>(kept), prompt.end()));
    EXPECT_EQ(h.kv.tokens(1), prompt);
}

TEST(HostPromptCacheInKvCache, AStateTheMemoryRefusesIsDroppedAndLeavesTheSequenceEmpty) {
    Harness h(HostPromptCache::kUnlimited);
    HostCacheEntry bad = entry(range(1, 50), 16);  // not a state of this memory
    ASSERT_TRUE(h.kv.host_cache().insert(std::move(bad)));
    h.feed(0, range(1, 10));
    EXPECT_EQ(h.kv.restore_from_host(0, range(1, 60), 59, {}, 9), 0u);
    EXPECT_EQ(h.kv.size(0), 0u);
    h.check(0);
    EXPECT_EQ(h.kv.host_cache().entries(), 0u);
}

TEST(HostPromptCacheInKvCache, NothingIsRestoredOverAPendingStreamCopy) {
    SerializingMemory memory;
    KvCache kv(memory, 2, SelfExtend(1, 0), /*unified=*/false, HostPromptCache::kUnlimited);
    for (Token t : range(1, 50)) memory.decode(0, kv.append(0, t), t);
    kv.decoded();
    ASSERT_GT(kv.save_to_host(0, 0), 0u);
    kv.share_prefix(0, 1, 40);  // slot 0's stream is copied at the next decode
    EXPECT_TRUE(kv.copy_source_pending(0));
    EXPECT_EQ(kv.restore_from_host(0, range(1, 60), 59, {}, 0), 0u);
    kv.decoded();
    EXPECT_FALSE(kv.copy_source_pending(0));
}

TEST(KvCacheChunkReuse, MovesMatchingChunksIntoPlace) {
    Harness h(0);
    // The cache holds [system][old turn][rest]; the new prompt drops the old turn.
    const auto system = range(1, 10);
    const auto old_turn = range(100, 7);
    const auto rest = range(200, 30);
    h.feed(0, concat(concat(system, old_turn), rest));
    const auto prompt = concat(concat(system, rest), range(900, 5));
    const size_t kept = h.kv.reuse_chunks(0, prompt, prompt.size() - 1, 10, 8, {});
    EXPECT_EQ(kept, 40u);
    h.check(0);
    EXPECT_EQ(h.kv.tokens(0), concat(system, rest));
    h.feed(0, range(900, 5));
    // A chunk shorter than the minimum is not moved.
    Harness small(0);
    small.feed(0, concat(concat(system, old_turn), range(200, 4)));
    EXPECT_EQ(small.kv.reuse_chunks(0, concat(system, range(200, 4)), 13, 10, 8, {}), 10u);
    small.check(0);
}

// ---- the persisted file ---------------------------------------------------------------------

class HostCacheFile : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("cria-host-cache-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
        path_ = (dir_ / cria::kHostCacheFileName).string();
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    // Two entries, written under identity "model=a".
    void write() {
        HostPromptCache cache(HostPromptCache::kUnlimited);
        HostCacheKey lora;
        lora.lora = {0.25f, 1.0f};
        ASSERT_TRUE(cache.insert(entry(range(1, 30), 64, lora)));
        ASSERT_TRUE(cache.insert(entry(range(100, 20), 32)));
        std::string error;
        ASSERT_TRUE(cria::save_host_cache_file(path_, "model=a\n", cache, &error)) << error;
    }
    std::vector<char> bytes() {
        std::ifstream in(path_, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }
    void put(const std::vector<char>& b) {
        std::ofstream out(path_, std::ios::binary | std::ios::trunc);
        out.write(b.data(), static_cast<std::streamsize>(b.size()));
    }
    size_t load(HostPromptCache& cache, const std::string& identity, std::string* error) {
        return cria::load_host_cache_file(path_, identity, cache, error);
    }

    std::filesystem::path dir_;
    std::string path_;
};

TEST_F(HostCacheFile, RoundTripKeepsEntriesKeysAndRecency) {
    write();
    HostPromptCache cache(HostPromptCache::kUnlimited);
    std::string error;
    EXPECT_EQ(load(cache, "model=a\n", &error), 2u);
    EXPECT_TRUE(error.empty()) << error;
    ASSERT_EQ(cache.entries(), 2u);
    EXPECT_EQ(cache.in_lru_order().front().tokens, range(1, 30));
    EXPECT_EQ(cache.in_lru_order().front().key.lora, (LoraScales{0.25f, 1.0f}));
    EXPECT_EQ(cache.in_lru_order().back().tokens, range(100, 20));
    EXPECT_EQ(cache.in_lru_order().back().state, std::vector<uint8_t>(32, 0x5a));
    // A smaller budget keeps the most recently used.
    HostPromptCache small(static_cast<int64_t>(entry(range(100, 20), 32).bytes()));
    EXPECT_EQ(load(small, "model=a\n", &error), 2u);
    ASSERT_EQ(small.entries(), 1u);
    EXPECT_EQ(small.in_lru_order().front().tokens, range(100, 20));
}

TEST_F(HostCacheFile, AMissingFileIsNoError) {
    HostPromptCache cache(HostPromptCache::kUnlimited);
    std::string error = "x";
    EXPECT_EQ(load(cache, "model=a\n", &error), 0u);
    EXPECT_TRUE(error.empty());
}

TEST_F(HostCacheFile, AnotherIdentityIsRejected) {
    write();
    HostPromptCache cache(HostPromptCache::kUnlimited);
    std::string error;
    EXPECT_EQ(load(cache, "model=b\n", &error), 0u);
    EXPECT_NE(error.find("another model"), std::string::npos) << error;
    EXPECT_EQ(cache.entries(), 0u);
}

TEST_F(HostCacheFile, EveryCorruptedByteIsRejected) {
    write();
    const std::vector<char> good = bytes();
    // Flip each byte in turn (header, entries, checksum): never loaded, never a crash.
    for (size_t i = 0; i < good.size(); ++i) {
        std::vector<char> bad = good;
        bad[i] = static_cast<char>(bad[i] ^ 0x41);
        put(bad);
        HostPromptCache cache(HostPromptCache::kUnlimited);
        std::string error;
        EXPECT_EQ(load(cache, "model=a\n", &error), 0u) << "byte " << i;
        EXPECT_FALSE(error.empty()) << "byte " << i;
        EXPECT_EQ(cache.entries(), 0u) << "byte " << i;
    }
}

TEST_F(HostCacheFile, TruncatedOrExtendedFilesAreRejected) {
    write();
    const std::vector<char> good = bytes();
    for (size_t n : {size_t{0}, size_t{5}, size_t{8}, good.size() / 2, good.size() - 1}) {
        put(std::vector<char>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)));
        HostPromptCache cache(HostPromptCache::kUnlimited);
        std::string error;
        EXPECT_EQ(load(cache, "model=a\n", &error), 0u) << n << " bytes";
        EXPECT_FALSE(error.empty()) << n << " bytes";
    }
    std::vector<char> longer = good;
    longer.push_back('x');
    put(longer);
    HostPromptCache cache(HostPromptCache::kUnlimited);
    std::string error;
    EXPECT_EQ(load(cache, "model=a\n", &error), 0u);
    EXPECT_FALSE(error.empty());
}

}  // namespace
