// The router's unloading policy: least recently used first, idle before busy, loading models never
// evicted, and idle sleep.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "router/lru_policy.h"

namespace {

using cria::router::ModelUsage;
using cria::router::idle_models;
using cria::router::models_to_evict;
using Names = std::vector<std::string>;

// `in_flight` requests, of which `in_use` use the model (the rest only look at it: /props, /metrics).
ModelUsage loaded(const std::string& name, int64_t last_used, int in_flight = 0, int in_use = -1) {
    return ModelUsage{name, true, true, in_flight, in_use < 0 ? in_flight : in_use, last_used};
}

TEST(RouterLru, EvictsTheLeastRecentlyUsedToMakeRoom) {
    const std::vector<ModelUsage> models = {loaded("a", 30), loaded("b", 10), loaded("c", 20), {"d", false, false, 0, 0}};
    EXPECT_EQ(models_to_evict(models, "d", 3), (Names{"b"}));
    EXPECT_EQ(models_to_evict(models, "d", 2), (Names{"b", "c"}));
    EXPECT_EQ(models_to_evict(models, "d", 1), (Names{"b", "c", "a"}));
    EXPECT_EQ(models_to_evict(models, "d", 4), Names{});
    EXPECT_EQ(models_to_evict(models, "d", 0), Names{});  // 0: no limit
    // Loading a model that is already running needs no room.
    EXPECT_EQ(models_to_evict(models, "a", 3), Names{});
}

TEST(RouterLru, IdleModelsGoBeforeBusyOnesAndLoadingOnesStay) {
    const std::vector<ModelUsage> models = {loaded("old-busy", 1, 2), loaded("new-idle", 50),
                                            {"loading", true, false, 0, 0}};
    EXPECT_EQ(models_to_evict(models, "x", 3), (Names{"new-idle"}));
    EXPECT_EQ(models_to_evict(models, "x", 2), (Names{"new-idle", "old-busy"}));
    // Only two can go: the loading one is not a candidate, so fewer than asked come back.
    EXPECT_EQ(models_to_evict(models, "x", 1), (Names{"new-idle", "old-busy"}));
}

TEST(RouterLru, IdleMeansLoadedWithoutRequestsForTheWholeTime) {
    const std::vector<ModelUsage> models = {loaded("quiet", 0), loaded("recent", 900), loaded("busy", 0, 1),
                                            {"loading", true, false, 0, 0, 0}, loaded("looked-at", 0, 1, 0)};
    // A request that only looks at a model (polling /props) does not keep it awake.
    EXPECT_EQ(idle_models(models, 1000, 500), (Names{"quiet", "looked-at"}));
    EXPECT_EQ(idle_models(models, 1000, 100), (Names{"quiet", "recent", "looked-at"}));
    EXPECT_EQ(idle_models(models, 1000, -1), Names{});
}

}  // namespace
