#include "engine/kv/host_prompt_cache.h"

namespace cria {

std::optional<HostPromptCache::Match> HostPromptCache::find(const HostCacheKey& key, const std::vector<Token>& prompt,
                                                            size_t min_tokens) {
    auto best = lru_.end();
    size_t best_n = min_tokens < 1 ? 1 : min_tokens;
    for (auto it = lru_.begin(); it != lru_.end(); ++it) {
        if (it->key != key) continue;
        const size_t n = common_prefix(it->tokens, prompt);
        if (n >= best_n) {
            best = it;
            best_n = n;
        }
    }
    if (best == lru_.end()) return std::nullopt;
    lru_.splice(lru_.end(), lru_, best);  // most recently used; list iterators stay valid
    return Match{&*best, best_n};
}

bool HostPromptCache::covers(const HostCacheKey& key, const std::vector<Token>& tokens) {
    for (auto it = lru_.begin(); it != lru_.end(); ++it) {
        if (it->key == key && it->tokens.size() >= tokens.size() && common_prefix(it->tokens, tokens) == tokens.size()) {
            lru_.splice(lru_.end(), lru_, it);
            return true;
        }
    }
    return false;
}

bool HostPromptCache::insert(HostCacheEntry entry) {
    if (!enabled() || entry.tokens.empty() || !fits(entry.bytes())) return false;
    if (covers(entry.key, entry.tokens)) return true;  // already held whole: keep the one there
    // Entries the new one extends are served as well by it.
    for (auto it = lru_.begin(); it != lru_.end();) {
        const bool extended = it->key == entry.key && it->tokens.size() <= entry.tokens.size() &&
                              common_prefix(it->tokens, entry.tokens) == it->tokens.size();
        if (extended) {
            bytes_ -= it->bytes();
            it = lru_.erase(it);
        } else {
            ++it;
        }
    }
    evict_until_fits(entry.bytes());
    bytes_ += entry.bytes();
    lru_.push_back(std::move(entry));
    return true;
}

void HostPromptCache::erase(const HostCacheEntry* entry) {
    for (auto it = lru_.begin(); it != lru_.end(); ++it) {
        if (&*it == entry) {
            bytes_ -= it->bytes();
            lru_.erase(it);
            return;
        }
    }
}

void HostPromptCache::evict_until_fits(size_t incoming) {
    while (!lru_.empty() && !fits(bytes_ + incoming)) {
        bytes_ -= lru_.front().bytes();
        lru_.pop_front();
    }
}

}  // namespace cria
