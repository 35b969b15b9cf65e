#include "engine/kv/context_checkpoints.h"

#include <algorithm>
#include <iterator>

namespace cria {

size_t ContextCheckpoints::bytes() const {
    size_t total = 0;
    for (const auto& c : list_) total += c.bytes();
    return total;
}

bool ContextCheckpoints::has(size_t n_tokens) const {
    return std::any_of(list_.begin(), list_.end(), [n_tokens](const ContextCheckpoint& c) { return c.n_tokens == n_tokens; });
}

std::vector<ContextCheckpoint> ContextCheckpoints::add(ContextCheckpoint checkpoint) {
    std::vector<ContextCheckpoint> dropped;
    if (max_ == 0) return dropped;
    // Kept in increasing n_tokens: anything at or past the new one is stale (the caller cut there).
    auto stale = drop_after(checkpoint.n_tokens > 0 ? checkpoint.n_tokens - 1 : 0);
    dropped.insert(dropped.end(), std::make_move_iterator(stale.begin()), std::make_move_iterator(stale.end()));
    while (list_.size() >= max_) {
        auto victim = list_.begin();  // the oldest, unless a clustered one of an earlier request
        if (min_step_ > 0) {
            for (auto it = std::next(list_.begin()); it != list_.end(); ++it) {
                if (it->request != checkpoint.request && it->n_tokens < std::prev(it)->n_tokens + min_step_) {
                    victim = it;
                    break;
                }
            }
        }
        dropped.push_back(std::move(*victim));
        list_.erase(victim);
    }
    list_.push_back(std::move(checkpoint));
    return dropped;
}

const ContextCheckpoint* ContextCheckpoints::latest_at_or_before(size_t n_tokens) const {
    for (auto it = list_.rbegin(); it != list_.rend(); ++it) {
        if (it->n_tokens <= n_tokens) return &*it;
    }
    return nullptr;
}

std::vector<ContextCheckpoint> ContextCheckpoints::drop_after(size_t n_tokens) {
    const auto first = std::find_if(list_.begin(), list_.end(),
                                    [n_tokens](const ContextCheckpoint& c) { return c.n_tokens > n_tokens; });
    std::vector<ContextCheckpoint> dropped(std::make_move_iterator(first), std::make_move_iterator(list_.end()));
    list_.erase(first, list_.end());
    return dropped;
}

}  // namespace cria
