// HostPromptCache: KV states of sequences that left their slot, kept in host memory (--cache-ram),
// indexed by token prefix, so that a conversation that comes back after its slot served others is
// restored instead of recomputed. llama-free: it stores opaque state blobs (what the KvMemory
// serialized) and never touches a context; KvCache (kv_cache.h) drives it.
//
// Key: an entry is usable for a prompt only under an equal HostCacheKey (the LoRA scales its cells
// were computed under, the self-extend settings that placed them) and only for the tokens it shares
// with the prompt from the start. Images need no field of their own: their positions hold
// placeholder tokens derived from the pixels (generation_request.h), so a different image is a
// different token and a match stops there.
//
// Index: per key, a radix tree of the entries' token sequences (token_prefix_index.h), so a
// lookup costs the prompt's length, however many entries are held. A new entry replaces the
// entries of its key whose tokens are a prefix of its own (they can serve nothing it cannot: a
// state restores any prefix of itself), and is not stored when an entry already holds it as a
// prefix. So no entry is a prefix of another, and among the entries that share the longest prefix
// with a prompt the most recently used one is taken.
//
// Budget: bytes() (states plus tokens) never exceeds the budget; inserting evicts the least recently
// used entries (inserted or looked up) until the new one fits. An entry larger than the whole
// budget is refused.
//
// Thread rule: engine thread only, like the KvCache that owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/generation_request.h"  // Token
#include "engine/kv/token_prefix_index.h"
#include "engine/lora_adapters.h"       // LoraScales

namespace cria {

struct HostCacheKey {
    LoraScales lora;                  // the scales the cells were computed under
    int32_t self_extend_factor = 1;   // --grp-attn-n (1: off): positions depend on it
    int32_t self_extend_width = 0;    // --grp-attn-w (0 when off)

    bool operator==(const HostCacheKey& o) const {
        return lora == o.lora && self_extend_factor == o.self_extend_factor && self_extend_width == o.self_extend_width;
    }
    bool operator!=(const HostCacheKey& o) const { return !(*this == o); }
};

struct HostCacheEntry {
    HostCacheKey key;
    std::vector<Token> tokens;  // what the state holds, token i at the position the key's settings give it
    std::vector<uint8_t> state; // KvMemory::seq_state() of a sequence holding exactly `tokens`
    // The shortest prefix of `tokens` the state can be cut back to (KvCache::keeps_prefix: a small
    // sliding-window cache or a recurrent state cannot be cut further back); 0: any. Not persisted
    // (--cache-dir): a loaded entry says 0, and the cut after its restore checks again.
    size_t cut_from = 0;
    size_t bytes() const { return state.size() + tokens.size() * sizeof(Token); }
};

class HostPromptCache {
public:
    // Budget in bytes: 0 turns the cache off (nothing is stored), kUnlimited means no limit.
    static constexpr int64_t kUnlimited = -1;
    explicit HostPromptCache(int64_t budget_bytes) : budget_(budget_bytes) {}

    bool enabled() const { return budget_ != 0; }
    size_t bytes() const { return bytes_; }
    size_t entries() const { return lru_.size(); }
    int64_t budget() const { return budget_; }

    // The entry under `key` sharing the longest prefix with prompt[0, limit) (at least `min_tokens`,
    // >= 1), and how many tokens it shares. The entry becomes the most recently used. The pointer
    // stays valid until the next insert() or erase().
    struct Match {
        const HostCacheEntry* entry = nullptr;
        size_t n_tokens = 0;
    };
    std::optional<Match> find(const HostCacheKey& key, const std::vector<Token>& prompt, size_t min_tokens = 1,
                              size_t limit = SIZE_MAX);

    // True when an entry under `key` holds `tokens` whole (as itself or a prefix of its own): saving
    // them again would add nothing. Marks that entry used.
    bool covers(const HostCacheKey& key, const std::vector<Token>& tokens);

    // Stores an entry (see Index and Budget above). False when it was not stored: the cache is off,
    // the entry is empty, or it is larger than the whole budget.
    bool insert(HostCacheEntry entry);

    // Removes `entry` (from find()), e.g. after its state failed to load.
    void erase(const HostCacheEntry* entry);

    // Every entry, least recently used first (what a persisted cache writes, so that loading it in
    // order restores the same recency).
    const std::list<HostCacheEntry>& in_lru_order() const { return lru_; }

private:
    using Position = std::list<HostCacheEntry>::iterator;
    static TokenPrefixIndex::Id id_of(const HostCacheEntry& entry) {
        return static_cast<TokenPrefixIndex::Id>(reinterpret_cast<uintptr_t>(&entry));  // list nodes do not move
    }
    bool fits(size_t bytes) const { return budget_ < 0 || bytes <= static_cast<size_t>(budget_); }
    void evict_until_fits(size_t incoming);
    TokenPrefixIndex* index_for(const HostCacheKey& key);  // null when no entry has that key
    Position mark_used(TokenPrefixIndex& index, TokenPrefixIndex::Id id);
    void remove(Position position);  // from the list, its index and the byte count

    const int64_t budget_;
    size_t bytes_ = 0;
    uint64_t clock_ = 0;             // recency stamps: one tick per insert or use
    std::list<HostCacheEntry> lru_;  // least recently used first; moved to the back when used
    std::unordered_map<TokenPrefixIndex::Id, Position> by_id_;
    // One tree per key (LoRA scales and self-extend settings): entries under different keys never
    // meet. Few keys in practice; a key's tree goes when its last entry does.
    std::vector<std::pair<HostCacheKey, TokenPrefixIndex>> indexes_;
};

}  // namespace cria
