// Tests of KvCache (src/engine/kv/kv_cache.h), the one owner of the KV cache, against a fake
// memory that records, per sequence, which token sits in which cell at which position, the way
// libllama's does. After EVERY operation the test checks the owner's contract: its mirror (tokens,
// draft, positions, next position, pending copies) equals what the memory holds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <vector>

#include "engine/kv/kv_cache.h"

namespace {

using cria::KvCache;
using cria::LoraScales;
using cria::PartialMemory;
using cria::SelfExtend;
using cria::Token;

constexpr Token kGarbage = -999999;  // a cell whose contents a stream copy never delivered

// One cell of a sequence: its position and the token whose keys and values it holds.
struct Cell {
    llama_pos pos;
    Token token;
};

// A KV memory that keeps cells per sequence in the order they were written. Per-stream copies
// (not unified) behave like libllama's: positions are copied at once, contents at the next decode
// (from whatever the source holds then). `refuse_partial_rm` makes it act like a recurrent memory.
//
// Partial states (context checkpoints): with `window_keep` > 0 the memory also has windowed layers
// with a small cache, like libllama's sliding-window cache without --swa-full: they get the same
// cells, but after each decode forget those window_keep or more positions below the newest, so a
// sequence cut back far enough has no cells left there for the window of its next position. Their
// cells are the partial state and seq_pos_min() their oldest. With `recurrent` (and
// refuse_partial_rm) the partial state is the whole sequence, as a recurrent state is.
class FakeKvMemory final : public cria::KvMemory {
public:
    explicit FakeKvMemory(bool unified) : unified_(unified) {}

    bool present() const override { return true; }

    bool seq_rm(llama_seq_id seq, llama_pos p0, llama_pos p1) override {
        auto& cells = cells_[seq];
        const bool whole = p0 <= 0 && p1 < 0;
        const auto in_range = [&](const Cell& c) { return c.pos >= std::max(p0, 0) && (p1 < 0 || c.pos < p1); };
        if (refuse_partial_rm && !whole && std::any_of(cells.begin(), cells.end(), in_range)) return false;
        cells.erase(std::remove_if(cells.begin(), cells.end(), in_range), cells.end());
        auto& windowed = window_[seq];
        windowed.erase(std::remove_if(windowed.begin(), windowed.end(), in_range), windowed.end());
        return true;
    }

    void seq_cp(llama_seq_id src, llama_seq_id dst, llama_pos p0, llama_pos p1) override {
        EXPECT_EQ(pending_.count(src), 0u) << "read sequence " << src << " before its stream copy landed";
        if (unified_) {
            for (const Cell& c : cells_[src]) {
                if (c.pos >= std::max(p0, 0) && (p1 < 0 || c.pos < p1)) cells_[dst].push_back(c);
            }
            for (const Cell& c : window_[src]) {
                if (c.pos >= std::max(p0, 0) && (p1 < 0 || c.pos < p1)) window_[dst].push_back(c);
            }
            return;
        }
        EXPECT_TRUE(p0 < 0 && p1 < 0) << "one stream per sequence copies only whole streams";
        cells_[dst] = cells_[src];
        window_[dst] = window_[src];
        pending_[dst] = src;
    }

    void seq_add(llama_seq_id seq, llama_pos p0, llama_pos p1, llama_pos delta) override {
        EXPECT_TRUE(can_shift());
        for (auto* layer : {&cells_[seq], &window_[seq]}) {
            for (Cell& c : *layer) {
                if (c.pos >= std::max(p0, 0) && (p1 < 0 || c.pos < p1)) c.pos += delta;
            }
        }
    }

    void seq_div(llama_seq_id seq, llama_pos p0, llama_pos p1, int d) override {
        EXPECT_TRUE(can_shift());
        for (auto* layer : {&cells_[seq], &window_[seq]}) {
            for (Cell& c : *layer) {
                if (c.pos >= std::max(p0, 0) && (p1 < 0 || c.pos < p1)) c.pos /= d;
            }
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
        if (recurrent) return seq_pos_max(seq);
        if (window_keep == 0) return KvMemory::seq_pos_min(seq);
        llama_pos best = -1;
        if (auto it = window_.find(seq); it != window_.end()) {
            for (const Cell& c : it->second) best = best < 0 ? c.pos : std::min(best, c.pos);
        }
        return best;
    }

    std::vector<uint8_t> seq_partial_state(llama_seq_id seq) const override {
        if (!recurrent && window_keep == 0) return {};
        const auto& layer = recurrent ? cells_.at(seq) : window_.at(seq);
        std::vector<uint8_t> state(layer.size() * sizeof(Cell) + 1);  // never empty: an empty state is a refusal
        if (!layer.empty()) std::memcpy(state.data(), layer.data(), layer.size() * sizeof(Cell));
        return state;
    }

    bool set_seq_partial_state(llama_seq_id seq, const std::vector<uint8_t>& state) override {
        if (refuse_partial_state || (!recurrent && window_keep == 0)) return false;
        std::vector<Cell> layer((state.size() - 1) / sizeof(Cell));
        if (!layer.empty()) std::memcpy(layer.data(), state.data(), layer.size() * sizeof(Cell));
        (recurrent ? cells_[seq] : window_[seq]) = std::move(layer);
        ++partial_loads;
        return true;
    }

    bool can_shift() const override { return !refuse_partial_rm; }
    void clear() override {
        cells_.clear();
        window_.clear();
    }

    // What llama_decode does: pending stream copies land first (contents from the source as it is
    // now), then the batch's tokens fill new cells.
    struct Entry {
        llama_seq_id seq;
        llama_pos pos;
        Token token;
    };
    void decode(const std::vector<Entry>& batch) {
        for (const auto& [dst, src] : pending_) {
            for (Cell& c : cells_[dst]) c.token = token_at(src, c.pos);
            for (Cell& c : window_[dst]) c.token = token_at(src, c.pos);
        }
        pending_.clear();
        for (const Entry& e : batch) {
            cells_[e.seq].push_back({e.pos, e.token});
            window_[e.seq].push_back({e.pos, e.token});
        }
        if (window_keep == 0) return;
        for (auto& [seq, layer] : window_) {
            const llama_pos newest = seq_pos_max(seq);
            layer.erase(std::remove_if(layer.begin(), layer.end(),
                                       [&](const Cell& c) { return c.pos <= newest - window_keep; }),
                        layer.end());
        }
    }

    // What llama_state_seq_load_file does to the memory.
    void load(llama_seq_id seq, std::vector<Cell> cells) {
        window_[seq] = cells;
        cells_[seq] = std::move(cells);
    }

    const std::vector<Cell>& cells(llama_seq_id seq) { return cells_[seq]; }
    const std::vector<Cell>& windowed(llama_seq_id seq) { return window_[seq]; }
    bool pending(llama_seq_id seq) const { return pending_.count(seq) > 0; }

    bool refuse_partial_rm = false;
    llama_pos window_keep = 0;
    bool recurrent = false;
    bool refuse_partial_state = false;
    int partial_loads = 0;  // partial states loaded (checkpoints restored)

private:
    Token token_at(llama_seq_id seq, llama_pos pos) {
        for (const Cell& c : cells_[seq]) {
            if (c.pos == pos) return c.token;
        }
        return kGarbage;
    }

    const bool unified_;
    std::map<llama_seq_id, std::vector<Cell>> cells_;
    std::map<llama_seq_id, std::vector<Cell>> window_;  // the windowed layers (all cells unless window_keep)
    std::map<llama_seq_id, llama_seq_id> pending_;  // dst -> src
};

// A KvCache over a FakeKvMemory, driven the way the scheduler drives it, checking the invariant
// after every operation.
struct Harness {
    // `window_keep`: see FakeKvMemory.
    Harness(int32_t n_seq, SelfExtend self_extend, bool unified, PartialMemory partial = {}, llama_pos window_keep = 0)
        : memory(unified), kv(memory, n_seq, self_extend, unified, 0, partial), n_seq_(n_seq), n_swa_(partial.n_swa) {
        memory.window_keep = window_keep;
    }

    // The invariant: outside batch building the mirror equals the memory, cell by cell.
    void check() {
        ASSERT_TRUE(batch.empty()) << "check between batches only";
        for (int32_t seq = 0; seq < n_seq_; ++seq) {
            SCOPED_TRACE("sequence " + std::to_string(seq));
            const auto& tokens = kv.tokens(seq);
            const auto& draft = kv.draft(seq);
            const auto& cells = memory.cells(seq);
            ASSERT_EQ(cells.size(), tokens.size() + draft.size());
            for (size_t i = 0; i < tokens.size(); ++i) {
                if (!memory.pending(seq)) {
                    EXPECT_EQ(cells[i].token, tokens[i]) << "token " << i;
                }
                EXPECT_EQ(cells[i].pos, kv.position_of(seq, i)) << "token " << i;
            }
            for (size_t j = 0; j < draft.size(); ++j) {
                EXPECT_EQ(cells[tokens.size() + j].token, draft[j]) << "draft " << j;
                EXPECT_EQ(cells[tokens.size() + j].pos, static_cast<llama_pos>(tokens.size() + j)) << "draft " << j;
            }
            EXPECT_EQ(kv.next_position(seq), memory.seq_pos_max(seq) + 1);
            EXPECT_EQ(kv.copy_pending(seq), memory.pending(seq));
            if (memory.window_keep > 0 && !memory.pending(seq)) check_window(seq);
        }
    }

    // The windowed layers hold only the sequence's own tokens, and every cell the window of the next
    // position reads: what keeping a prefix or restoring a checkpoint must guarantee.
    void check_window(int32_t seq) {
        const auto& tokens = kv.tokens(seq);
        std::vector<bool> held(tokens.size(), false);
        for (const Cell& c : memory.windowed(seq)) {
            ASSERT_LT(static_cast<size_t>(c.pos), tokens.size() + kv.draft(seq).size());
            if (static_cast<size_t>(c.pos) < tokens.size()) {
                EXPECT_EQ(c.token, tokens[static_cast<size_t>(c.pos)]) << "windowed cell at " << c.pos;
                held[static_cast<size_t>(c.pos)] = true;
            }
        }
        const auto next = static_cast<llama_pos>(tokens.size());
        for (llama_pos p = std::max<llama_pos>(0, next - n_swa_); p < next; ++p) {
            EXPECT_TRUE(held[static_cast<size_t>(p)]) << "the window of position " << next << " lacks " << p;
        }
    }

    void add(int32_t seq, Token token) { batch.push_back({seq, kv.append(seq, token), token}); }
    void add_draft(int32_t seq, Token token) { batch.push_back({seq, kv.append_draft(seq, token), token}); }
    void decode() {
        memory.decode(batch);
        batch.clear();
        kv.decoded();
        check();
    }
    // Feeds `tokens` in chunks that end where a self-extend window is full, grouping it before
    // the next chunk, as the scheduler's prompt chunks do.
    void feed(int32_t seq, const std::vector<Token>& tokens) {
        size_t i = 0;
        while (i < tokens.size()) {
            int32_t room = kv.make_room(seq);
            check();
            while (room-- > 0 && i < tokens.size()) add(seq, tokens[i++]);
            decode();
        }
    }

    FakeKvMemory memory;
    KvCache kv;
    std::vector<FakeKvMemory::Entry> batch;

private:
    int32_t n_seq_;
    int32_t n_swa_;
};

std::vector<Token> range(Token first, Token n) {
    std::vector<Token> out;
    for (Token t = first; t < first + n; ++t) out.push_back(t);
    return out;
}

const SelfExtend kOff(1, 0);

TEST(KvCache, ReusingAPrefixKeepsItAndRemovesTheRest) {
    Harness h(2, kOff, false);
    h.feed(0, range(100, 10));
    const LoraScales lora{0.5f};
    EXPECT_EQ(h.kv.reuse_prefix(0, 6, lora), 6u);
    h.check();
    EXPECT_EQ(h.kv.tokens(0), range(100, 6));
    EXPECT_EQ(h.kv.lora(0), lora);
    h.feed(0, range(200, 3));  // the next request's tokens continue right after the prefix
    EXPECT_EQ(h.kv.size(0), 9u);
    EXPECT_EQ(h.kv.reuse_prefix(0, 0, {}), 0u);
    h.check();
    EXPECT_TRUE(h.kv.tokens(0).empty());
}

TEST(KvCache, ClearEmptiesMemoryMirrorAndSelfExtendState) {
    Harness h(2, SelfExtend(4, 8), false);
    h.feed(0, range(1, 30));
    h.feed(1, range(50, 5));
    EXPECT_GT(h.kv.self_extend_state(0).grouped_end, 0);
    h.kv.clear(0);
    h.check();
    EXPECT_EQ(h.kv.next_position(0), 0);
    EXPECT_EQ(h.kv.self_extend_state(0).grouped_end, 0);
    EXPECT_EQ(h.kv.tokens(1), range(50, 5));  // the other sequence is untouched
    h.feed(0, range(1, 12));                 // and a new request starts from position 0
}

TEST(KvCache, AppendedTokensAndDraftsGetConsecutivePositions) {
    Harness h(1, kOff, false);
    h.feed(0, range(1, 5));
    // The next input, then a draft of three, in one batch, as add_to_batch and add_drafts do.
    h.add(0, 6);
    h.add_draft(0, 7);
    h.add_draft(0, 8);
    h.add_draft(0, 9);
    EXPECT_EQ(h.batch[1].pos, 6);
    EXPECT_EQ(h.batch[3].pos, 8);
    h.decode();
    EXPECT_EQ(h.kv.size(0), 6u);  // drafts are not part of tokens() until verified
    h.kv.accept_draft(0);
    h.kv.accept_draft(0);
    h.check();
    EXPECT_TRUE(h.kv.drop_drafts(0));  // the third draft token was rejected
    h.check();
    EXPECT_EQ(h.kv.tokens(0), range(1, 8));
    EXPECT_TRUE(h.kv.draft(0).empty());
    h.feed(0, {42});
}

TEST(KvCache, TruncateDropsEverythingAfterN) {
    Harness h(1, kOff, false);
    h.feed(0, range(1, 9));
    EXPECT_TRUE(h.kv.truncate(0, 4));
    h.check();
    EXPECT_EQ(h.kv.tokens(0), range(1, 4));
    EXPECT_TRUE(h.kv.truncate(0, 4));  // nothing to drop
    h.check();
}

TEST(KvCache, AMemoryThatCannotCutClearsTheSequenceInstead) {
    Harness h(1, kOff, false);
    h.feed(0, range(1, 9));
    h.memory.refuse_partial_rm = true;
    EXPECT_EQ(h.kv.reuse_prefix(0, 4, {}), 0u);
    h.check();
    h.feed(0, range(1, 5));
    h.add(0, 6);
    h.add_draft(0, 7);
    h.decode();
    EXPECT_FALSE(h.kv.drop_drafts(0));
    h.check();
    EXPECT_TRUE(h.kv.tokens(0).empty());
}

TEST(KvCache, SharingAPrefixWithAUnifiedCacheSharesCellsAtOnce) {
    Harness h(3, kOff, true);
    const LoraScales lora{1.0f};
    h.kv.reuse_prefix(0, 0, lora);
    h.feed(0, range(1, 40));
    h.feed(1, range(500, 7));  // what the receiving slot held before
    h.kv.share_prefix(0, 1, 35);
    h.check();
    EXPECT_FALSE(h.kv.copy_pending(1));
    EXPECT_EQ(h.kv.tokens(1), range(1, 35));
    EXPECT_EQ(h.kv.lora(1), lora);
    h.feed(1, range(900, 4));
    h.kv.share_prefix(1, 2, 37);  // a sequence that received a prefix can give it on
    h.check();
}

TEST(KvCache, SharingAPrefixBetweenStreamsIsPendingUntilTheNextDecode) {
    Harness h(3, kOff, false);
    h.feed(0, range(1, 40));
    h.feed(1, range(500, 7));
    h.kv.share_prefix(0, 1, 35);
    h.check();
    EXPECT_TRUE(h.kv.copy_pending(1));
    // The receiver goes on reading its prompt in the next batch; the copy lands first.
    h.add(1, 77);
    h.add(0, 41);
    h.decode();
    EXPECT_FALSE(h.kv.copy_pending(1));
    EXPECT_EQ(h.kv.tokens(1).back(), 77);
    for (const Cell& c : h.memory.cells(1)) EXPECT_NE(c.token, kGarbage);
    h.kv.share_prefix(1, 2, 30);  // once landed, it can be read
    h.decode();
}

TEST(KvCache, ContextShiftDropsTokensAndMovesTheRestDown) {
    Harness h(1, kOff, false);
    h.feed(0, range(1, 20));
    ASSERT_TRUE(h.kv.can_shift());
    h.kv.shift(0, 4, 8);
    h.check();
    std::vector<Token> expected = range(1, 4);
    for (Token t = 13; t <= 20; ++t) expected.push_back(t);
    EXPECT_EQ(h.kv.tokens(0), expected);
    h.feed(0, range(21, 3));  // generation goes on at the next position
    EXPECT_EQ(h.memory.seq_pos_max(0), 14);
}

TEST(KvCache, SelfExtendGroupsFullWindowsBeforeMoreTokens) {
    const SelfExtend se(4, 8);
    Harness h(1, se, false);
    EXPECT_FALSE(h.kv.can_shift());
    EXPECT_EQ(h.kv.make_room(0), 8);
    h.feed(0, range(1, 30));  // checked after every grouping and every chunk
    // Three windows grouped (positions 0..5), six tokens in the fourth right after them.
    EXPECT_EQ(h.kv.self_extend_state(0).grouped_end, 6);
    EXPECT_EQ(h.kv.next_position(0), 12);
    EXPECT_EQ(h.kv.position_of(0, 9), 2);   // 9 / 4
    EXPECT_EQ(h.kv.position_of(0, 25), 7);  // 6 + 1
    // One token at a time, as a generating slot adds them.
    for (Token t = 31; t < 45; ++t) h.feed(0, {t});
    EXPECT_EQ(h.kv.size(0), 44u);
}

TEST(KvCache, SelfExtendReuseCutsBackToAWholeWindow) {
    const SelfExtend se(4, 8);
    Harness h(1, se, false);
    h.feed(0, range(1, 30));
    EXPECT_EQ(h.kv.reuse_prefix(0, 26, {}), 26u);  // in the window still filling: kept as asked
    h.check();
    EXPECT_EQ(h.kv.reuse_prefix(0, 13, {}), 8u);   // inside the second (grouped) window: back to 8
    h.check();
    h.feed(0, range(100, 20));
    EXPECT_EQ(h.kv.size(0), 28u);
}

TEST(KvCache, AnImageIsRecordedAfterItsOwnDecode) {
    Harness h(1, kOff, false);
    h.feed(0, range(1, 3));
    const std::vector<Token> placeholders{-7, -7, -7, -7};
    // The image decoder writes its positions itself, starting at next_position().
    std::vector<FakeKvMemory::Entry> image;
    for (size_t i = 0; i < placeholders.size(); ++i) {
        image.push_back({0, h.kv.next_position(0) + static_cast<llama_pos>(i), placeholders[i]});
    }
    h.memory.decode(image);
    h.kv.append_decoded(0, placeholders.data(), placeholders.data() + placeholders.size());
    h.kv.decoded();
    h.check();
    h.feed(0, range(10, 2));
    EXPECT_EQ(h.kv.size(0), 9u);
}

TEST(KvCache, ARestoredSlotFileIsAdoptedWhenItsPositionsFit) {
    const SelfExtend se(4, 8);
    Harness saved(1, se, false);
    saved.feed(0, range(1, 21));
    const std::vector<Cell> file = saved.memory.cells(0);

    Harness h(2, se, false);
    h.feed(0, range(300, 5));
    h.kv.clear(0);  // a restore empties the sequence first
    h.memory.load(0, file);
    const LoraScales lora{0.25f};
    EXPECT_TRUE(h.kv.adopt_restored(0, range(1, 21), lora));
    h.check();
    EXPECT_EQ(h.kv.lora(0), lora);
    h.feed(0, range(22, 10));  // and it goes on as if it had been computed here
}

TEST(KvCache, ARestoredSlotFileWithOtherPositionsIsRefusedAndCleared) {
    // Saved without self-extend: 20 tokens at positions 0..19, which a self-extend server would
    // not give them.
    std::vector<Cell> file;
    for (Token t = 0; t < 20; ++t) file.push_back({t, t + 1});
    Harness h(1, SelfExtend(4, 8), false);
    h.kv.clear(0);
    h.memory.load(0, file);
    EXPECT_FALSE(h.kv.adopt_restored(0, range(1, 20), {}));
    h.check();
    EXPECT_TRUE(h.kv.tokens(0).empty());
}

}  // namespace

// ---- context checkpoints (sliding-window and recurrent memories) ----------------------------------

// A window of 4 positions whose cache forgets cells 8 positions below the newest (window plus a
// ubatch, as libllama's small SWA cache does).
PartialMemory windowed(size_t max_checkpoints) {
    PartialMemory p;
    p.n_swa = 4;
    p.max_checkpoints = max_checkpoints;
    return p;
}

Harness windowed_harness(size_t max_checkpoints) { return Harness(1, kOff, false, windowed(max_checkpoints), 8); }

TEST(KvCacheCheckpoints, AWindowedCacheKeepsAPrefixOnlyWhileItHoldsTheWindow) {
    Harness h = windowed_harness(0);
    EXPECT_FALSE(h.kv.checkpoints_enabled());
    h.feed(0, range(100, 10));
    h.feed(0, range(200, 20));  // positions 22..29 are left in the windowed layers
    EXPECT_EQ(h.memory.seq_pos_min(0), 22);
    EXPECT_TRUE(h.kv.keeps_prefix(0, 26));   // the window of position 26 starts at 22
    EXPECT_FALSE(h.kv.keeps_prefix(0, 25));  // ... of 25 at 21: forgotten
    EXPECT_EQ(h.kv.reuse_prefix(0, 27, {}), 27u);
    h.check();
    // Further back than the window, with no checkpoint: computed from the start, never reused
    // with a window that lacks cells (what cria did before: wrong output on SWA models).
    EXPECT_EQ(h.kv.reuse_prefix(0, 12, {}), 0u);
    h.check();
    EXPECT_TRUE(h.kv.tokens(0).empty());
}

TEST(KvCacheCheckpoints, TheLatestCheckpointBeforeTheCutIsRestored) {
    Harness h = windowed_harness(4);
    EXPECT_TRUE(h.kv.checkpoints_enabled());
    h.feed(0, range(100, 12));
    EXPECT_GT(h.kv.save_checkpoint(0, 1), 0u);
    EXPECT_EQ(h.kv.save_checkpoint(0, 1), 0u);  // one at this length is kept already
    h.feed(0, range(200, 4));
    EXPECT_GT(h.kv.save_checkpoint(0, 1), 0u);
    h.feed(0, range(300, 14));  // 30 tokens: the windowed layers hold 22..29
    ASSERT_EQ(h.kv.checkpoints(0).size(), 2u);
    const std::vector<Token> held = h.kv.tokens(0);
    // A prompt diverging at 19: the checkpoint at 16 comes back, the full layers are cut there.
    EXPECT_EQ(h.kv.reuse_prefix(0, 19, {}), 16u);
    h.check();
    EXPECT_EQ(h.memory.partial_loads, 1);
    EXPECT_EQ(h.kv.tokens(0), std::vector<Token>(held.begin(), held.begin() + 16));
    h.feed(0, range(400, 10));  // and the sequence goes on from there
    // Diverging at 14: the one at 16 lies past the cut and is dropped, the one at 12 restored.
    EXPECT_EQ(h.kv.reuse_prefix(0, 14, {}), 12u);
    h.check();
    ASSERT_EQ(h.kv.checkpoints(0).size(), 1u);
    EXPECT_EQ(h.kv.checkpoints(0).list()[0].n_tokens, 12u);
    // The restored windowed cells (4..11) serve a cut at 8 as they are; before 4 nothing does, and
    // the sequence is computed from the start, the checkpoints gone with the cells.
    EXPECT_TRUE(h.kv.keeps_prefix(0, 8));
    EXPECT_EQ(h.kv.reuse_prefix(0, 3, {}), 0u);
    h.check();
    EXPECT_EQ(h.kv.checkpoints(0).size(), 0u);
}

TEST(KvCacheCheckpoints, ACutTheWindowAllowsKeepsTheCheckpointsBeforeIt) {
    Harness h = windowed_harness(4);
    h.feed(0, range(100, 20));
    h.kv.save_checkpoint(0, 1);
    h.feed(0, range(200, 10));
    h.kv.save_checkpoint(0, 1);
    EXPECT_EQ(h.kv.reuse_prefix(0, 27, {}), 27u);  // within what the window holds: no restore
    EXPECT_EQ(h.memory.partial_loads, 0);
    h.check();
    ASSERT_EQ(h.kv.checkpoints(0).size(), 1u);  // the one at 30 is past the cut
    EXPECT_EQ(h.kv.checkpoints(0).list()[0].n_tokens, 20u);
    h.kv.clear(0);
    EXPECT_EQ(h.kv.checkpoints(0).size(), 0u);
    EXPECT_EQ(h.kv.checkpoint_bytes(), 0u);
}

TEST(KvCacheCheckpoints, ARefusedCheckpointLeavesTheSequenceEmpty) {
    Harness h = windowed_harness(4);
    h.feed(0, range(100, 12));
    h.kv.save_checkpoint(0, 1);
    h.feed(0, range(200, 18));
    h.memory.refuse_partial_state = true;
    EXPECT_EQ(h.kv.reuse_prefix(0, 14, {}), 0u);
    h.check();
    EXPECT_TRUE(h.kv.tokens(0).empty());
    EXPECT_EQ(h.kv.checkpoints(0).size(), 0u);
}

TEST(KvCacheCheckpoints, ARecurrentMemoryGoesBackOnlyToACheckpoint) {
    PartialMemory p;
    p.recurrent = true;
    p.max_checkpoints = 2;
    Harness h(1, kOff, false, p);
    h.memory.refuse_partial_rm = true;
    h.memory.recurrent = true;
    h.feed(0, range(100, 10));
    EXPECT_FALSE(h.kv.keeps_prefix(0, 9));
    EXPECT_TRUE(h.kv.keeps_prefix(0, 10));
    h.kv.save_checkpoint(0, 1);
    h.feed(0, range(200, 10));
    EXPECT_EQ(h.kv.reuse_prefix(0, 15, {}), 10u);
    h.check();
    EXPECT_EQ(h.kv.tokens(0), range(100, 10));
    h.feed(0, range(300, 5));
    EXPECT_EQ(h.kv.reuse_prefix(0, 5, {}), 0u);  // before the checkpoint: from the start
    h.check();
}

TEST(KvCacheCheckpoints, AMemoryThatCutsAnywhereKeepsNone) {
    PartialMemory p;
    p.max_checkpoints = 4;
    Harness h(1, kOff, false, p);
    EXPECT_TRUE(h.kv.cuts_anywhere());
    EXPECT_FALSE(h.kv.checkpoints_enabled());
    h.feed(0, range(100, 10));
    EXPECT_EQ(h.kv.save_checkpoint(0, 1), 0u);
    EXPECT_TRUE(h.kv.keeps_prefix(0, 3));
}

TEST(KvCacheCheckpoints, SharingAPrefixDropsTheTargetsCheckpoints) {
    Harness h(2, kOff, true, windowed(4), 8);
    h.feed(1, range(500, 10));
    h.kv.save_checkpoint(1, 1);
    h.feed(0, range(100, 6));
    ASSERT_TRUE(h.kv.keeps_prefix(0, 6));
    h.kv.share_prefix(0, 1, 6);
    h.check();
    EXPECT_EQ(h.kv.checkpoints(1).size(), 0u);
}
