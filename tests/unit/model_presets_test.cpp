// Tests of llama-server's model presets (options/model_presets.h): what each one resolves to, and
// llama-server's precedence (the command line in order: later options win; the preset wins over
// the environment and over options before it).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "options/model_presets.h"
#include "options/server_options.h"
#include "parse_options.h"

namespace {

using cria::ParseOutcome;
using cria::ServerOptions;
using cria::test::Env;
using cria::test::parse;

ServerOptions ok(const std::vector<std::string>& args, const Env& env = {}) {
    const ParseOutcome out = parse(args, env);
    EXPECT_EQ(out.error, "");
    return out.options.value_or(ServerOptions{});
}

// The FIM presets' common settings (llama-server's values for llama.vim).
void expect_fim(const ServerOptions& o, const std::string& repo, const std::string& file) {
    EXPECT_EQ(o.download.hf_repo, repo);
    EXPECT_EQ(o.download.hf_file, file);
    EXPECT_EQ(o.http.port, 8012);
    EXPECT_EQ(o.engine.n_batch, 1024);
    EXPECT_EQ(o.engine.n_ubatch, 1024);
    EXPECT_EQ(o.engine.n_ctx, 0);
    EXPECT_EQ(o.engine.prompt_cache.reuse_min_chunk, 256);
}

}  // namespace

TEST(ModelPresets, EveryPresetOfLlamaServerIsThereAndParses) {
    const std::vector<std::string> names = {
        "--embd-gemma-default", "--fim-qwen-1.5b-default", "--fim-qwen-3b-default",  "--fim-qwen-7b-default",
        "--fim-qwen-7b-spec",   "--fim-qwen-14b-spec",     "--fim-qwen-30b-default", "--gpt-oss-20b-default",
        "--gpt-oss-120b-default", "--vision-gemma-4b-default", "--vision-gemma-12b-default", "--spec-default"};
    ASSERT_EQ(cria::options::model_presets().size(), names.size());
    for (size_t i = 0; i < names.size(); ++i) {
        EXPECT_EQ(cria::options::model_presets()[i].name, names[i]);
        // Every setting names an option of the table with a valid value (else parsing fails).
        std::vector<std::string> args = {names[i]};
        if (names[i] == "--spec-default") args = {"-m", "m.gguf", names[i]};
        const ServerOptions o = ok(args);
        EXPECT_EQ(o.model_presets, std::vector<std::string>{names[i]}) << names[i];
    }
}

TEST(ModelPresets, FimQwenPresets) {
    expect_fim(ok({"--fim-qwen-1.5b-default"}), "ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF", "qwen2.5-coder-1.5b-q8_0.gguf");
    expect_fim(ok({"--fim-qwen-3b-default"}), "ggml-org/Qwen2.5-Coder-3B-Q8_0-GGUF", "qwen2.5-coder-3b-q8_0.gguf");
    expect_fim(ok({"--fim-qwen-7b-default"}), "ggml-org/Qwen2.5-Coder-7B-Q8_0-GGUF", "qwen2.5-coder-7b-q8_0.gguf");
    expect_fim(ok({"--fim-qwen-30b-default"}), "ggml-org/Qwen3-Coder-30B-A3B-Instruct-Q8_0-GGUF",
               "qwen3-coder-30b-a3b-instruct-q8_0.gguf");
    const ServerOptions spec7 = ok({"--fim-qwen-7b-spec"});
    expect_fim(spec7, "ggml-org/Qwen2.5-Coder-7B-Q8_0-GGUF", "qwen2.5-coder-7b-q8_0.gguf");
    const ServerOptions spec14 = ok({"--fim-qwen-14b-spec"});
    expect_fim(spec14, "ggml-org/Qwen2.5-Coder-14B-Q8_0-GGUF", "qwen2.5-coder-14b-q8_0.gguf");
    // The draft model comes through -hfd (downloaded as -hf does), which implies draft-simple drafting.
    for (const ServerOptions* o : {&spec7, &spec14}) {
        EXPECT_EQ(o->engine.speculative.draft_hf_repo, "ggml-org/Qwen2.5-Coder-0.5B-Q8_0-GGUF:Q8_0");
        EXPECT_EQ(o->engine.speculative.sources, std::vector<cria::DraftSource>{cria::DraftSource::draft_model});
        EXPECT_TRUE(o->notices.empty());
    }
}

TEST(ModelPresets, GptOssPresets) {
    const ServerOptions o = ok({"--gpt-oss-20b-default"});
    EXPECT_EQ(o.download.hf_repo, "ggml-org/gpt-oss-20b-GGUF");
    EXPECT_EQ(o.download.hf_file, "gpt-oss-20b-mxfp4.gguf");
    EXPECT_EQ(o.http.port, 8013);
    EXPECT_EQ(o.engine.n_ubatch, 2048);
    EXPECT_EQ(o.engine.n_batch, 32768);
    EXPECT_EQ(o.engine.n_parallel, 2);
    EXPECT_EQ(o.engine.n_ctx, 262144);
    EXPECT_FLOAT_EQ(o.defaults.sampling.temperature, 1.0f);
    EXPECT_FLOAT_EQ(o.defaults.sampling.top_p, 1.0f);
    EXPECT_EQ(o.defaults.sampling.top_k, 0);
    EXPECT_FLOAT_EQ(o.defaults.sampling.min_p, 0.01f);
    EXPECT_TRUE(o.jinja);
    const ServerOptions big = ok({"--gpt-oss-120b-default"});
    EXPECT_EQ(big.download.hf_repo, "ggml-org/gpt-oss-120b-GGUF");
    EXPECT_EQ(big.download.hf_file, "");  // llama-server names no file: the quant choice picks it
    EXPECT_EQ(big.engine.n_ctx, 262144);
}

TEST(ModelPresets, EmbeddingAndVisionPresets) {
    const ServerOptions e = ok({"--embd-gemma-default"});
    EXPECT_EQ(e.download.hf_repo, "ggml-org/embeddinggemma-300M-qat-q4_0-GGUF");
    EXPECT_EQ(e.download.hf_file, "embeddinggemma-300M-qat-Q4_0.gguf");
    EXPECT_EQ(e.http.port, 8011);
    EXPECT_EQ(e.engine.n_batch, 2048);
    EXPECT_EQ(e.engine.n_ubatch, 2048);
    EXPECT_EQ(e.engine.n_parallel, 32);
    EXPECT_EQ(e.engine.n_ctx, 65536);
    EXPECT_TRUE(e.engine.embedding);
    for (const auto& [name, repo] : std::map<std::string, std::string>{
             {"--vision-gemma-4b-default", "ggml-org/gemma-3-4b-it-qat-GGUF"},
             {"--vision-gemma-12b-default", "ggml-org/gemma-3-12b-it-qat-GGUF"}}) {
        const ServerOptions v = ok({name});
        EXPECT_EQ(v.download.hf_repo, repo);
        EXPECT_EQ(v.http.port, 8014);
        EXPECT_EQ(v.engine.n_ctx, 0);
        EXPECT_TRUE(v.jinja);
        EXPECT_TRUE(v.download.mmproj_auto);  // the repository's projector comes with it
    }
}

TEST(ModelPresets, SpecDefaultAsksForNgramModWithLlamaServersSizes) {
    const ServerOptions o = ok({"-m", "m.gguf", "--spec-default"});
    EXPECT_TRUE(o.engine.speculative.enabled());
    const std::string json = cria::server_options_json(o);
    EXPECT_NE(json.find("\"--spec-ngram-mod-n-match\": \"24\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"--spec-ngram-mod-n-min\": \"48\""), std::string::npos);
    EXPECT_NE(json.find("\"--spec-ngram-mod-n-max\": \"64\""), std::string::npos);
    EXPECT_TRUE(o.notices.empty()) << o.notices[0];
}

TEST(ModelPresets, LaterOptionsWinEarlierOnesAreOverwritten) {
    // As llama-server 0.7: "--port 9000 --fim-qwen-7b-default" listens on 8012.
    const ServerOptions after = ok({"--fim-qwen-7b-default", "--port", "9000", "-c", "512", "-hff", "other.gguf"});
    EXPECT_EQ(after.http.port, 9000);
    EXPECT_EQ(after.engine.n_ctx, 512);
    EXPECT_EQ(after.download.hf_file, "other.gguf");
    EXPECT_EQ(after.engine.n_batch, 1024);  // the rest of the preset stays
    const ServerOptions before = ok({"--port", "9000", "-c", "512", "--fim-qwen-7b-default"});
    EXPECT_EQ(before.http.port, 8012);
    EXPECT_EQ(before.engine.n_ctx, 0);
}

TEST(ModelPresets, PresetWinsOverTheEnvironment) {
    const ServerOptions o = ok({"--fim-qwen-7b-default"}, {{"LLAMA_ARG_PORT", "9100"}, {"LLAMA_ARG_UBATCH", "64"},
                                                           {"LLAMA_ARG_THREADS", "3"}});
    EXPECT_EQ(o.http.port, 8012);
    EXPECT_EQ(o.engine.n_ubatch, 1024);
    EXPECT_EQ(o.engine.n_threads, 3);  // what the preset does not set still comes from the environment
}

TEST(ModelPresets, TwoPresetsApplyInOrder) {
    const ServerOptions o = ok({"--fim-qwen-7b-default", "--gpt-oss-20b-default"});
    EXPECT_EQ(o.download.hf_repo, "ggml-org/gpt-oss-20b-GGUF");
    EXPECT_EQ(o.http.port, 8013);
    EXPECT_EQ(o.engine.prompt_cache.reuse_min_chunk, 256);  // only the first one set it
    EXPECT_EQ(o.model_presets, (std::vector<std::string>{"--fim-qwen-7b-default", "--gpt-oss-20b-default"}));
}

TEST(ModelPresets, PresetContextIsNotTheUsersForFit) {
    // llama-server's --fit still shrinks a context a preset set; one the user set it leaves alone.
    EXPECT_FALSE(ok({"--fim-qwen-7b-default"}).engine.fit.ctx_given);
    EXPECT_TRUE(ok({"--fim-qwen-7b-default", "-c", "0"}).engine.fit.ctx_given);
    EXPECT_TRUE(ok({"-c", "2048", "--gpt-oss-20b-default"}).engine.fit.ctx_given);
    EXPECT_EQ(ok({"-c", "2048", "--gpt-oss-20b-default"}).engine.n_ctx, 262144);
}

TEST(ModelPresets, FalseDoesNothingAndHelpListsTheSettings) {
    const ServerOptions o = ok({"-m", "m.gguf", "--fim-qwen-7b-default=false"});
    EXPECT_EQ(o.download.hf_repo, "");
    EXPECT_TRUE(o.model_presets.empty());
    std::string help = cria::server_options_help();
    for (size_t at = help.find("\n "); at != std::string::npos; at = help.find("\n ")) help.replace(at, 2, " ");
    for (size_t at = help.find("  "); at != std::string::npos; at = help.find("  ")) help.replace(at, 2, " ");
    EXPECT_NE(help.find("--hf-repo ggml-org/Qwen2.5-Coder-7B-Q8_0-GGUF --hf-file qwen2.5-coder-7b-q8_0.gguf --port 8012"),
              std::string::npos);
}
