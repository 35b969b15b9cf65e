// Tests of the --fit planner (engine/memory_fit.h) with made-up devices and models: nothing to do,
// a smaller context, fewer layers, what the user set left alone, several GPUs, the CPU-only case.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/memory_fit.h"

namespace {

using cria::FitDevice;
using cria::FitModel;
using cria::FitPlan;
using cria::FitRequest;

constexpr int64_t MiB = 1024 * 1024;
constexpr int64_t GiB = 1024 * MiB;

// A model of 31 repeating layers (32 with the output layer) and 8 GiB of weights (256 MiB a
// layer), with 128 KiB of KV cache per token (4 GiB at 32768 tokens) and a 512 MiB compute buffer.
FitModel model_8g() {
    FitModel m;
    m.n_layer = 31;
    m.n_ctx_train = 32768;
    m.weight_bytes = 8 * GiB;
    m.kv_bytes_per_token = 128 * 1024;
    m.compute_bytes = 512 * MiB;
    return m;
}

FitRequest on_gpus(std::vector<int64_t> free_gib, int32_t n_ctx = 0) {
    FitRequest r;
    r.n_ctx = n_ctx;
    for (size_t i = 0; i < free_gib.size(); ++i) {
        r.gpus.push_back({"GPU" + std::to_string(i), free_gib[i] * GiB, free_gib[i] * GiB});
    }
    r.host_free_bytes = 64 * GiB;
    return r;
}

std::string log_of(const FitPlan& plan) {
    std::string text;
    for (const auto& line : plan.log) text += line + "\n";
    return text;
}

}  // namespace

TEST(MemoryFit, EverythingFitsNothingChanges) {
    // 8 GiB weights + 4 GiB KV + 0.5 GiB compute + 1 GiB margin < 24 GiB.
    const FitPlan plan = plan_memory_fit(on_gpus({24}), model_8g());
    EXPECT_FALSE(plan.changed);
    EXPECT_TRUE(plan.fits);
    EXPECT_EQ(plan.n_ctx, 0);
    EXPECT_EQ(plan.n_gpu_layers, -1);
    EXPECT_NE(log_of(plan).find("no changes needed"), std::string::npos) << log_of(plan);
}

TEST(MemoryFit, OffDoesNothing) {
    FitRequest r = on_gpus({2});
    r.fit.enabled = false;
    const FitPlan plan = plan_memory_fit(r, model_8g());
    EXPECT_FALSE(plan.changed);
    EXPECT_NE(log_of(plan).find("off"), std::string::npos);
}

TEST(MemoryFit, ContextShrinksFirstInStepsOf256) {
    // 12 GiB: weights 8, compute 0.5, margin 1 leave 2.5 GiB for the KV cache: 20480 tokens.
    const FitPlan plan = plan_memory_fit(on_gpus({12}), model_8g());
    EXPECT_TRUE(plan.changed);
    EXPECT_TRUE(plan.fits);
    EXPECT_EQ(plan.n_gpu_layers, -1);  // every layer still on the GPU
    EXPECT_EQ(plan.n_ctx % 256, 0);
    EXPECT_GT(plan.n_ctx, 4096);
    EXPECT_LE(plan.n_ctx, 20480);
    EXPECT_GE(plan.n_ctx, 20480 - 1024);  // whole layers round the per-device share down a little
    EXPECT_NE(log_of(plan).find("context reduced from 32768 to " + std::to_string(plan.n_ctx)), std::string::npos);
}

TEST(MemoryFit, ContextNeverBelowTheFloorThenLayersMove) {
    // 6 GiB: not even the weights fit; the context goes to -fitc and layers stay on the CPU.
    FitRequest r = on_gpus({6});
    r.fit.min_ctx = 8192;
    const FitPlan plan = plan_memory_fit(r, model_8g());
    EXPECT_TRUE(plan.changed);
    EXPECT_EQ(plan.n_ctx, 8192);
    // Per layer at 8192 tokens: (8 GiB + 1 GiB) / 32 = 288 MiB; room 6 - 1 - 0.5 = 4.5 GiB: 16 layers.
    EXPECT_EQ(plan.n_gpu_layers, 16);
    EXPECT_TRUE(plan.tensor_split.empty());  // one GPU: no split
    EXPECT_NE(log_of(plan).find("-ngl 16 of 32 layers"), std::string::npos) << log_of(plan);
}

TEST(MemoryFit, UserContextIsKeptAndLayersMoveInstead) {
    FitRequest r = on_gpus({12}, 32768);
    r.fit.ctx_given = true;
    const FitPlan plan = plan_memory_fit(r, model_8g());
    EXPECT_EQ(plan.n_ctx, 32768);
    // Per layer: 12 GiB / 32 = 384 MiB; room 10.5 GiB: 28 layers.
    EXPECT_EQ(plan.n_gpu_layers, 28);
    EXPECT_NE(log_of(plan).find("set by the user (-c 32768)"), std::string::npos) << log_of(plan);
}

TEST(MemoryFit, UserLayersAreLeftAsGiven) {
    FitRequest r = on_gpus({6});
    r.n_gpu_layers = 99;
    const FitPlan plan = plan_memory_fit(r, model_8g());
    EXPECT_FALSE(plan.changed);
    EXPECT_EQ(plan.n_gpu_layers, 99);
    EXPECT_EQ(plan.n_ctx, 0);  // not even the context is changed when the plan cannot be completed
    EXPECT_NE(log_of(plan).find("-ngl was set by the user to 99"), std::string::npos) << log_of(plan);
}

TEST(MemoryFit, UserLayersThatFitNeedNothing) {
    FitRequest r = on_gpus({6});
    r.n_gpu_layers = 10;  // 10 * 384 MiB fits in 4.5 GiB
    const FitPlan plan = plan_memory_fit(r, model_8g());
    EXPECT_FALSE(plan.changed);
    EXPECT_TRUE(plan.fits);
}

TEST(MemoryFit, UserTensorPlacementIsLeftAsGiven) {
    FitRequest overrides = on_gpus({6});
    overrides.tensor_overrides_given = true;
    EXPECT_FALSE(plan_memory_fit(overrides, model_8g()).changed);
    FitRequest split = on_gpus({3, 3});
    split.tensor_split_given = true;
    const FitPlan plan = plan_memory_fit(split, model_8g());
    EXPECT_FALSE(plan.changed);
    EXPECT_NE(log_of(plan).find("-ts"), std::string::npos);
    // With one GPU a -ts does not matter.
    FitRequest one = on_gpus({6});
    one.tensor_split_given = true;
    EXPECT_TRUE(plan_memory_fit(one, model_8g()).changed);
}

TEST(MemoryFit, SeveralGpusAreFilledBackToFront) {
    // Two GPUs of 4 GiB and one of 3: at 4096 tokens a layer is (8 + 0.5) GiB / 32 = 272 MiB; rooms
    // 2.5, 2.5 and 1.5 GiB hold 9, 9 and 5 layers.
    const FitPlan plan = plan_memory_fit(on_gpus({4, 4, 3}), model_8g());
    EXPECT_EQ(plan.n_ctx, 4096);
    EXPECT_EQ(plan.n_gpu_layers, 23);
    EXPECT_EQ(plan.tensor_split, (std::vector<float>{9, 9, 5}));
    EXPECT_NE(log_of(plan).find("(GPU0: 9, GPU1: 9, GPU2: 5)"), std::string::npos) << log_of(plan);
}

TEST(MemoryFit, BigGpusTakeOnlyWhatIsLeft) {
    // The last GPU holds every layer: the first gets none.
    const FitPlan plan = plan_memory_fit(on_gpus({1, 80}), model_8g());
    EXPECT_FALSE(plan.changed);  // everything fits as is: 80 GiB
    FitRequest r = on_gpus({40, 2});
    r.fit.ctx_given = true;
    r.n_ctx = 32768;
    const FitPlan two = plan_memory_fit(r, model_8g());
    EXPECT_FALSE(two.changed);  // 40 + 2 GiB hold everything across both
}

TEST(MemoryFit, PerDeviceTargets) {
    FitRequest r = on_gpus({12});
    r.fit.target_mib = {4096};  // a 4 GiB margin leaves 12 - 4 - 8.5 < 0 for the KV cache
    const FitPlan plan = plan_memory_fit(r, model_8g());
    EXPECT_EQ(plan.n_ctx, 4096);
    EXPECT_LT(plan.n_gpu_layers, 32);
    FitRequest two = on_gpus({4, 4});
    two.fit.target_mib = {0, 3072};  // the second GPU keeps 3 GiB free: room 0.5 GiB
    const FitPlan p2 = plan_memory_fit(two, model_8g());
    ASSERT_EQ(p2.tensor_split.size(), 2u);
    EXPECT_EQ(p2.tensor_split[1], 1);   // 512 MiB room / 272 MiB a layer
    EXPECT_EQ(p2.tensor_split[0], 13);  // 3.5 GiB / 272 MiB
}

TEST(MemoryFit, CpuOnlyChecksHostMemory) {
    FitRequest r;
    r.n_ctx = 0;  // the training context, 32768
    r.host_free_bytes = 24 * GiB;
    FitPlan plan = plan_memory_fit(r, model_8g());
    EXPECT_FALSE(plan.changed);
    EXPECT_TRUE(plan.fits);
    EXPECT_NE(log_of(plan).find("no GPU device"), std::string::npos);
    EXPECT_NE(log_of(plan).find("no changes needed"), std::string::npos);

    r.host_free_bytes = 12 * GiB;  // as the single GPU above: the context shrinks
    plan = plan_memory_fit(r, model_8g());
    EXPECT_TRUE(plan.changed);
    EXPECT_LT(plan.n_ctx, 32768);
    EXPECT_GT(plan.n_ctx, 4096);
    EXPECT_EQ(plan.n_gpu_layers, -1);
    EXPECT_NE(log_of(plan).find("in host memory"), std::string::npos);

    r.host_free_bytes = 6 * GiB;  // nothing helps: the values stay, and the log says why
    plan = plan_memory_fit(r, model_8g());
    EXPECT_FALSE(plan.changed);
    EXPECT_EQ(plan.n_ctx, 0);
    EXPECT_NE(log_of(plan).find("no GPU device, and the model does not fit"), std::string::npos) << log_of(plan);
}

TEST(MemoryFit, ContextAtOrBelowTheFloorIsNotReduced) {
    FitRequest r;
    r.host_free_bytes = 6 * GiB;
    r.n_ctx = 4096;
    const FitPlan plan = plan_memory_fit(r, model_8g());
    EXPECT_NE(log_of(plan).find("not above the minimum of 4096"), std::string::npos) << log_of(plan);
    EXPECT_EQ(plan.n_ctx, 4096);
}

TEST(MemoryFit, FloorAndStepsArePerKvStream) {
    // Four slots with a KV stream each: the floor is 4 x 4096 and the steps 4 x 256 tokens.
    FitRequest r = on_gpus({12});
    r.n_streams = 4;
    const FitPlan plan = plan_memory_fit(r, model_8g());
    EXPECT_EQ(plan.n_ctx % 1024, 0);
    EXPECT_LE(plan.n_ctx, 20480);
    EXPECT_GE(plan.n_ctx, 16384);
    FitRequest small = on_gpus({6});
    small.n_streams = 4;
    const FitPlan floor = plan_memory_fit(small, model_8g());
    EXPECT_EQ(floor.n_ctx, 16384);
    EXPECT_NE(log_of(floor).find("the minimum of 16384 tokens"), std::string::npos) << log_of(floor);
    FitRequest at_floor = on_gpus({6}, 16384);
    at_floor.n_streams = 4;
    at_floor.n_gpu_layers = 20;  // 14 layers of 320 MiB fit: not 20, and -ngl stops the layer step
    EXPECT_NE(log_of(plan_memory_fit(at_floor, model_8g())).find("not above the minimum of 16384 (-fitc per KV stream)"),
              std::string::npos);
}

TEST(MemoryFit, UnknownModelLeavesEverything) {
    FitModel none;
    const FitPlan plan = plan_memory_fit(on_gpus({1}), none);
    EXPECT_FALSE(plan.changed);
}

TEST(MemoryFit, FitTargetsParse) {
    std::vector<int64_t> out;
    EXPECT_EQ(cria::parse_fit_targets("1024", &out), "");
    EXPECT_EQ(out, std::vector<int64_t>{1024});
    EXPECT_EQ(cria::parse_fit_targets("512, 2048,0", &out), "");
    EXPECT_EQ(out, (std::vector<int64_t>{512, 2048, 0}));
    EXPECT_NE(cria::parse_fit_targets("-1", &out), "");
    EXPECT_NE(cria::parse_fit_targets("1,x", &out), "");
    EXPECT_NE(cria::parse_fit_targets("", &out), "");
    EXPECT_EQ(out, (std::vector<int64_t>{512, 2048, 0}));  // unchanged by a refused value
}
