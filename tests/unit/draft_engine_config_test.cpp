// Tests of draft_engine_config() and draft_load_error() (engine/draft_engine_config.h): what the
// draft model is loaded with, from the main model's EngineConfig and the draft options.
#include <gtest/gtest.h>

#include "engine/draft_engine_config.h"

namespace {

using cria::EngineConfig;

EngineConfig main_config() {
    EngineConfig c;
    c.model_path = "main.gguf";
    c.speculative.draft_model_path = "draft.gguf";
    c.n_threads = 6;
    c.n_threads_batch = 8;
    c.n_ubatch = 256;
    c.tuning.cache_type_k = "q8_0";
    c.tuning.cache_type_v = "q8_0";
    c.backend.devices = {"CUDA0"};
    c.backend.tensor_overrides = {{"blk\\.0\\.", "CPU"}};
    c.backend.cpu_moe = true;
    c.backend.n_cpu_moe = 3;
    c.backend.n_cpu_ffn = 2;
    c.lora_adapters = {{"a.gguf", 1.0f}};
    return c;
}

TEST(DraftEngineConfig, WithoutDraftOptionsAsLlamaServerSetsUpItsDraftContext) {
    const EngineConfig d = cria::draft_engine_config(main_config());
    EXPECT_EQ(d.model_path, "draft.gguf");
    EXPECT_EQ(d.n_threads, 6);         // -td unset: -t
    EXPECT_EQ(d.n_threads_batch, 8);   // -tbd unset: the main model's -tb
    EXPECT_EQ(d.n_ubatch, 256);        // --spec-draft-n-ubatch unset: -ub
    EXPECT_EQ(d.tuning.cache_type_k, "f16");  // -ctkd's default, not -ctk
    EXPECT_EQ(d.tuning.cache_type_v, "f16");
    EXPECT_EQ(d.backend.devices, (std::vector<std::string>{"CUDA0"}));  // -devd unset: -dev
    // The main model's placement by pattern and layer is not the draft's.
    EXPECT_TRUE(d.backend.tensor_overrides.empty());
    EXPECT_FALSE(d.backend.cpu_moe);
    EXPECT_EQ(d.backend.n_cpu_moe, 0);
    EXPECT_EQ(d.backend.n_cpu_ffn, 0);
    EXPECT_TRUE(d.lora_adapters.empty());
    EXPECT_EQ(d.n_gpu_layers, -1);
}

TEST(DraftEngineConfig, TheDraftModelIsLoadedWithoutItsMultiTokenPredictionLayers) {
    // draft-mtp drafts with the main model's NextN layers (loaded because the main config lists
    // it); a draft model beside it does not need its own.
    EngineConfig c = main_config();
    c.speculative.sources = {cria::DraftSource::draft_model, cria::DraftSource::draft_mtp};
    EXPECT_TRUE(c.speculative.uses(cria::DraftSource::draft_mtp));
    const EngineConfig d = cria::draft_engine_config(c);
    EXPECT_FALSE(d.speculative.uses(cria::DraftSource::draft_mtp));
    EXPECT_TRUE(d.speculative.uses(cria::DraftSource::draft_model));
}

TEST(DraftEngineConfig, BatchThreadsWithoutTbdAreTheMainModelsBatchThreads) {
    EngineConfig c = main_config();
    c.speculative.n_threads_draft = 2;
    EXPECT_EQ(cria::draft_engine_config(c).n_threads, 2);
    EXPECT_EQ(cria::draft_engine_config(c).n_threads_batch, 8);  // -tb, not -td
    c.n_threads_batch = -1;
    EXPECT_EQ(cria::draft_engine_config(c).n_threads_batch, 6);  // no -tb: -t
    c.n_threads = -1;
    EXPECT_GE(cria::draft_engine_config(c).n_threads_batch, 1);  // no -t: the hardware threads, not -td's 2
}

TEST(DraftEngineConfig, TheDraftOptionsApply) {
    EngineConfig c = main_config();
    auto& s = c.speculative;
    s.n_threads_draft = 2;
    s.n_threads_batch_draft = 3;
    s.n_ubatch_draft = 64;
    s.cache_type_k_draft = "bf16";
    s.cache_type_v_draft = "f32";
    s.devices_draft = {"none"};
    s.tensor_overrides_draft = {{"output", "CPU"}};
    s.cpu_moe_draft = true;
    s.n_cpu_moe_draft = 1;
    s.n_gpu_layers_draft = 5;
    s.n_ctx_draft = 1024;
    const EngineConfig d = cria::draft_engine_config(c);
    EXPECT_EQ(d.n_threads, 2);
    EXPECT_EQ(d.n_threads_batch, 3);
    EXPECT_EQ(d.n_ubatch, 64);
    EXPECT_EQ(d.tuning.cache_type_k, "bf16");
    EXPECT_EQ(d.tuning.cache_type_v, "f32");
    EXPECT_EQ(d.backend.devices, (std::vector<std::string>{"none"}));
    ASSERT_EQ(d.backend.tensor_overrides.size(), 1u);
    EXPECT_EQ(d.backend.tensor_overrides[0].pattern, "output");
    EXPECT_TRUE(d.backend.cpu_moe);
    EXPECT_EQ(d.backend.n_cpu_moe, 1);
    EXPECT_EQ(d.n_gpu_layers, 5);
    EXPECT_EQ(d.n_ctx, 1024);
    // The main model's own settings are untouched where the draft has no option of its own.
    EXPECT_EQ(d.n_batch, c.n_batch);
    EXPECT_EQ(d.n_parallel, c.n_parallel);
}

TEST(DraftEngineConfig, LoadErrorsNameTheDraftOptions) {
    EXPECT_EQ(cria::draft_load_error("--device: no device named 'X' (devices: CPU)"),
              "draft model: --spec-draft-device (-devd): no device named 'X' (devices: CPU)");
    EXPECT_EQ(cria::draft_load_error("--override-tensor: no buffer type named 'Y' (buffer types: CPU)"),
              "draft model: --spec-draft-override-tensor (-otd): no buffer type named 'Y' (buffer types: CPU)");
    EXPECT_EQ(cria::draft_load_error("cannot load d.gguf"), "draft model (--model-draft): cannot load d.gguf");
}

}  // namespace
