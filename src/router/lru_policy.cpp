#include "router/lru_policy.h"

#include <algorithm>

namespace cria::router {

std::vector<std::string> models_to_evict(const std::vector<ModelUsage>& models, const std::string& incoming,
                                         int max_loaded) {
    if (max_loaded <= 0) return {};
    int running_others = 0;
    std::vector<const ModelUsage*> candidates;
    for (const auto& m : models) {
        if (m.name == incoming || !m.running) continue;
        ++running_others;
        if (m.loaded) candidates.push_back(&m);
    }
    const int excess = running_others + 1 - max_loaded;
    if (excess <= 0) return {};
    std::stable_sort(candidates.begin(), candidates.end(), [](const ModelUsage* a, const ModelUsage* b) {
        const bool a_busy = a->in_flight > 0;
        const bool b_busy = b->in_flight > 0;
        if (a_busy != b_busy) return !a_busy;
        return a->last_used_ms < b->last_used_ms;
    });
    std::vector<std::string> evict;
    for (const ModelUsage* m : candidates) {
        if (static_cast<int>(evict.size()) == excess) break;
        evict.push_back(m->name);
    }
    return evict;
}

std::vector<std::string> idle_models(const std::vector<ModelUsage>& models, int64_t now_ms, int64_t idle_ms) {
    std::vector<std::string> idle;
    if (idle_ms < 0) return idle;
    for (const auto& m : models) {
        if (m.loaded && m.in_use == 0 && now_ms - m.last_used_ms >= idle_ms) idle.push_back(m.name);
    }
    return idle;
}

}  // namespace cria::router
