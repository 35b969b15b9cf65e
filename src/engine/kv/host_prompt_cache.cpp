#include "engine/kv/host_prompt_cache.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace cria {

std::optional<HostPromptCache::Match> HostPromptCache::find(const HostCacheKey& key, const std::vector<Token>& prompt,
                                                            size_t min_tokens, size_t limit) {
    TokenPrefixIndex* index = index_for(key);
    if (index == nullptr) return std::nullopt;
    const auto match = index->longest_prefix(prompt, std::max<size_t>(min_tokens, 1), limit);
    if (!match) return std::nullopt;
    return Match{&*mark_used(*index, match->id), match->n_tokens};
}

bool HostPromptCache::covers(const HostCacheKey& key, const std::vector<Token>& tokens) {
    TokenPrefixIndex* index = index_for(key);
    if (index == nullptr || tokens.empty()) return false;
    const auto match = index->longest_prefix(tokens, tokens.size());
    if (!match) return false;
    mark_used(*index, match->id);
    return true;
}

bool HostPromptCache::insert(HostCacheEntry entry) {
    if (!enabled() || entry.tokens.empty() || !fits(entry.bytes())) return false;
    if (covers(entry.key, entry.tokens)) return true;  // already held whole: keep the one there
    // Entries the new one extends are served as well by it.
    if (TokenPrefixIndex* index = index_for(entry.key)) {
        for (const TokenPrefixIndex::Id id : index->prefixes_of(entry.tokens)) remove(by_id_.at(id));
    }
    evict_until_fits(entry.bytes());
    TokenPrefixIndex* index = index_for(entry.key);
    if (index == nullptr) index = &indexes_.emplace_back(entry.key, TokenPrefixIndex{}).second;
    bytes_ += entry.bytes();
    lru_.push_back(std::move(entry));
    const Position position = std::prev(lru_.end());
    by_id_.emplace(id_of(*position), position);
    index->insert(position->tokens, id_of(*position), ++clock_);
    return true;
}

void HostPromptCache::erase(const HostCacheEntry* entry) {
    if (entry == nullptr) return;
    const auto it = by_id_.find(id_of(*entry));
    if (it != by_id_.end()) remove(it->second);
}

void HostPromptCache::evict_until_fits(size_t incoming) {
    while (!lru_.empty() && !fits(bytes_ + incoming)) remove(lru_.begin());
}

TokenPrefixIndex* HostPromptCache::index_for(const HostCacheKey& key) {
    for (auto& [k, index] : indexes_) {
        if (k == key) return &index;
    }
    return nullptr;
}

HostPromptCache::Position HostPromptCache::mark_used(TokenPrefixIndex& index, TokenPrefixIndex::Id id) {
    const Position position = by_id_.at(id);
    lru_.splice(lru_.end(), lru_, position);  // most recently used; list iterators stay valid
    index.touch(position->tokens, ++clock_);
    return position;
}

void HostPromptCache::remove(Position position) {
    const auto index = std::find_if(indexes_.begin(), indexes_.end(),
                                    [&](const auto& keyed) { return keyed.first == position->key; });
    if (index != indexes_.end()) {
        index->second.erase(position->tokens);
        if (index->second.empty()) indexes_.erase(index);
    }
    by_id_.erase(id_of(*position));
    bytes_ -= position->bytes();
    lru_.erase(position);
}

}  // namespace cria
