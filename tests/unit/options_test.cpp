// Tests of parse_server_options() and server_options_help() (src/options/).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "options/option_table.h"
#include "options/server_options.h"
#include "parse_options.h"

namespace {

using cria::ParseOutcome;
using cria::ServerOptions;
using cria::test::Env;
using cria::test::parse;

// Parses with a model given and expects success.
ServerOptions ok(std::vector<std::string> args, const Env& env = {}) {
    args.insert(args.begin(), {"-m", "model.gguf"});
    const ParseOutcome out = parse(args, env);
    EXPECT_EQ(out.error, "");
    EXPECT_TRUE(out.options.has_value());
    return out.options.value_or(ServerOptions{});
}

// Parses with a model given and expects an error; returns it.
std::string err(std::vector<std::string> args, const Env& env = {}) {
    args.insert(args.begin(), {"-m", "model.gguf"});
    const ParseOutcome out = parse(args, env);
    EXPECT_FALSE(out.options.has_value());
    EXPECT_NE(out.error, "");
    return out.error;
}

// The sampler order as --samplers spells it: "top_k;temperature".
std::string stage_names(const std::vector<cria::SamplerStage>& stages) {
    std::string names;
    for (const auto stage : stages) names += (names.empty() ? "" : ";") + std::string(cria::sampler_stage_name(stage));
    return names;
}

// The kinds of drafting as --spec-type spells them.
std::vector<std::string> type_names(const std::vector<cria::DraftSource>& sources) {
    std::vector<std::string> names;
    for (const auto source : sources) names.push_back(cria::draft_source_name(source));
    return names;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

class TempFile {
public:
    explicit TempFile(const std::string& content) {
        char name[] = "/tmp/cria_options_test_XXXXXX";
        const int fd = mkstemp(name);
        EXPECT_GE(fd, 0);
        if (fd >= 0) ::close(fd);
        path_ = name;
        std::ofstream(path_, std::ios::binary) << content;
    }
    ~TempFile() { std::remove(path_.c_str()); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace

// ---- defaults ----

TEST(Options, DefaultsWithOnlyAModel) {
    const ServerOptions o = ok({});
    EXPECT_EQ(o.engine.model_path, "model.gguf");
    EXPECT_EQ(o.alias, "");
    EXPECT_EQ(o.engine.n_ctx, 4096);
    EXPECT_EQ(o.engine.n_batch, 2048);
    EXPECT_EQ(o.engine.n_ubatch, 512);
    EXPECT_EQ(o.engine.n_parallel, 1);
    EXPECT_TRUE(o.engine.cont_batching);
    EXPECT_FALSE(o.engine.kv_unified);
    EXPECT_EQ(o.defaults.n_predict_cap, -1);
    EXPECT_EQ(o.engine.flash_attn, "auto");
    EXPECT_EQ(o.engine.n_threads, -1);
    EXPECT_EQ(o.engine.n_threads_batch, -1);
    EXPECT_EQ(o.http.n_threads, -1);
    EXPECT_EQ(o.engine.n_gpu_layers, -1);
    EXPECT_EQ(o.engine.main_gpu, 0);
    EXPECT_TRUE(o.engine.tensor_split.empty());
    EXPECT_FALSE(o.engine.mlock);
    EXPECT_TRUE(o.engine.mmap);
    EXPECT_EQ(o.engine.numa, "");
    EXPECT_EQ(o.engine.split_mode, "layer");
    EXPECT_TRUE(o.engine.lora_adapters.empty());
    EXPECT_EQ(o.lora_base, "");
    EXPECT_EQ(o.engine.grp_attn_n, 1);
    EXPECT_EQ(o.engine.grp_attn_w, 512);
    EXPECT_EQ(o.http.host, "127.0.0.1");
    EXPECT_EQ(o.http.port, 8080);
    EXPECT_EQ(o.http.static_path, "");
    EXPECT_TRUE(o.http.webui);
    EXPECT_EQ(o.http.timeout_s, 600);
    EXPECT_TRUE(o.http.api_keys.empty());
    EXPECT_EQ(o.http.ssl_key_file, "");
    EXPECT_EQ(o.http.ssl_cert_file, "");
    EXPECT_FALSE(o.engine.embedding);
    EXPECT_TRUE(o.http.slots_endpoint);
    EXPECT_FALSE(o.http.metrics);
    EXPECT_EQ(o.chat_template, "");
    EXPECT_FLOAT_EQ(o.defaults.sampling.temperature, 0.8f);
    EXPECT_EQ(o.defaults.sampling.top_k, 40);
    EXPECT_FLOAT_EQ(o.defaults.sampling.top_p, 0.95f);
    EXPECT_FLOAT_EQ(o.defaults.sampling.min_p, 0.05f);
    EXPECT_EQ(o.defaults.sampling.seed, cria::kRandomSeed);  // -1: random
    EXPECT_FLOAT_EQ(o.defaults.sampling.repeat_penalty, 1.0f);
    EXPECT_EQ(o.defaults.sampling.repeat_last_n, 64);
    EXPECT_FALSE(o.verbose);
    EXPECT_EQ(o.log_format, "text");
    EXPECT_FALSE(o.log_disable);
}

TEST(Options, NoModelIsAnError) {
    const ParseOutcome out = parse({"--port", "9000"});
    EXPECT_FALSE(out.options.has_value());
    EXPECT_EQ(out.error, "no model given: use -m FILE, -mu URL, -hf REPO or -dr REPO");
    EXPECT_EQ(parse({}).error, "no model given: use -m FILE, -mu URL, -hf REPO or -dr REPO");
    EXPECT_NE(parse({"-m", ""}).error, "");  // an empty path is no model either
}

TEST(Options, HelpAndVersionNeedNoModel) {
    for (const char* flag : {"-h", "--help", "--usage"}) {
        const ParseOutcome out = parse({flag});
        EXPECT_TRUE(out.show_help) << flag;
        EXPECT_FALSE(out.show_version) << flag;
        EXPECT_EQ(out.error, "") << flag;
        EXPECT_FALSE(out.options.has_value()) << flag;
    }
    const ParseOutcome v = parse({"--version"});
    EXPECT_TRUE(v.show_version);
    EXPECT_FALSE(v.show_help);
    EXPECT_EQ(v.error, "");
    // Help wins over values that would fail validation later, and over the environment.
    const ParseOutcome h = parse({"--port", "0", "--help"}, {{"LLAMA_ARG_MMPROJ_URL", "x"}});
    EXPECT_TRUE(h.show_help);
    EXPECT_EQ(h.error, "");
}

// ---- every supported option, short and long forms ----

struct FormCase {
    std::vector<std::string> args;
    std::function<void(const ServerOptions&)> check;
};

TEST(Options, ShortAndLongForms) {
    const std::vector<FormCase> cases = {
        {{"--model", "other.gguf"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.model_path, "other.gguf"); }},
        {{"-a", "my-model"}, [](const ServerOptions& o) { EXPECT_EQ(o.alias, "my-model"); }},
        {{"--alias", "my-model"}, [](const ServerOptions& o) { EXPECT_EQ(o.alias, "my-model"); }},
        {{"-mm", "proj.gguf"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.mmproj_path, "proj.gguf"); }},
        {{"--mmproj", "proj.gguf"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.mmproj_path, "proj.gguf"); }},
        {{"--mmproj=proj.gguf"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.mmproj_path, "proj.gguf"); }},
        {{"--no-mmproj-offload"}, [](const ServerOptions& o) { EXPECT_FALSE(o.engine.mmproj_offload); }},
        {{"--no-mmproj-offload", "--mmproj-offload"}, [](const ServerOptions& o) { EXPECT_TRUE(o.engine.mmproj_offload); }},
        {{"-c", "8192"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_ctx, 8192); }},
        {{"--ctx-size", "0"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_ctx, 0); }},
        {{"-b", "1024"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_batch, 1024); }},
        {{"--batch-size", "4096"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_batch, 4096); }},
        {{"-ub", "256"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_ubatch, 256); }},
        {{"--ubatch-size", "128"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_ubatch, 128); }},
        {{"-np", "4"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_parallel, 4); }},
        {{"--parallel", "8"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_parallel, 8); }},
        {{"-nocb"}, [](const ServerOptions& o) { EXPECT_FALSE(o.engine.cont_batching); }},
        {{"--no-cont-batching"}, [](const ServerOptions& o) { EXPECT_FALSE(o.engine.cont_batching); }},
        {{"-nocb", "-cb"}, [](const ServerOptions& o) { EXPECT_TRUE(o.engine.cont_batching); }},
        {{"-nocb", "--cont-batching"}, [](const ServerOptions& o) { EXPECT_TRUE(o.engine.cont_batching); }},
        {{"-no-kvu"}, [](const ServerOptions& o) { EXPECT_FALSE(o.engine.kv_unified); }},
        {{"--no-kv-unified"}, [](const ServerOptions& o) { EXPECT_FALSE(o.engine.kv_unified); }},
        {{"--no-kv-unified", "-kvu"}, [](const ServerOptions& o) { EXPECT_TRUE(o.engine.kv_unified); }},
        {{"-kvu"}, [](const ServerOptions& o) { EXPECT_TRUE(o.engine.kv_unified); }},
        {{"--no-kv-unified", "--kv-unified"}, [](const ServerOptions& o) { EXPECT_TRUE(o.engine.kv_unified); }},
        {{"-n", "128"}, [](const ServerOptions& o) { EXPECT_EQ(o.defaults.n_predict_cap, 128); }},
        {{"--n-predict", "256"}, [](const ServerOptions& o) { EXPECT_EQ(o.defaults.n_predict_cap, 256); }},
        {{"--predict", "64"}, [](const ServerOptions& o) { EXPECT_EQ(o.defaults.n_predict_cap, 64); }},
        {{"-fa", "on"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.flash_attn, "on"); }},
        {{"--flash-attn", "off"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.flash_attn, "off"); }},
        {{"--flash-attn", "AUTO"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.flash_attn, "auto"); }},
        {{"-t", "8"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_threads, 8); }},
        {{"--threads", "-1"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_threads, -1); }},
        {{"-tb", "6"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_threads_batch, 6); }},
        {{"--threads-batch", "12"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_threads_batch, 12); }},
        {{"--threads-http", "3"}, [](const ServerOptions& o) { EXPECT_EQ(o.http.n_threads, 3); }},
        {{"-ngl", "33"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_gpu_layers, 33); }},
        {{"--n-gpu-layers", "0"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_gpu_layers, 0); }},
        {{"--gpu-layers", "12"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_gpu_layers, 12); }},
        {{"-ngl", "all"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_gpu_layers, cria::kAllGpuLayers); }},
        {{"-ngl", "5", "-ngl", "auto"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.n_gpu_layers, -1); }},
        {{"-mg", "1"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.main_gpu, 1); }},
        {{"--main-gpu", "2"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.main_gpu, 2); }},
        {{"-ts", "3,2"}, [](const ServerOptions& o) { EXPECT_EQ(o.engine.tensor_split, (std::vector<float>{3.0f, 2.0f})); }},
        {{"--tensor-split", "1, 0.5 ,0"},
         [](const ServerOptions& o) { EXPECT_EQ(o.engine.tensor_split, (std::vector<float>{1.0f, 0.5f, 0.0f})); }},
        {{"--mlock"}, [](const ServerOptions& o) { EXPECT_TRUE(o.engine.mlock); }},
        {{"--no-mmap"}, [](const ServerOptions& o) { EXPECT_FALSE(o.engine.mmap); }},
        {{"--no-mmap", "--mmap"}, [](const ServerOptions& o) { EXPECT_TRUE(o.engine.mmap); }},
        {{"--host", "0.0.0.0"}, [](const ServerOptions& o) { EXPECT_EQ(o.http.host, "0.0.0.0"); }},
        {{"--port", "9000"}, [](const ServerOptions& o) { EXPECT_EQ(o.http.port, 9000); }},
        {{"-to", "30"}, [](const ServerOptions& o) { EXPECT_EQ(o.http.timeout_s, 30); }},
        {{"--timeout", "45"}, [](const ServerOptions& o) { EXPECT_EQ(o.http.timeout_s, 45); }},
        {{"--api-key", "k1"}, [](const ServerOptions& o) { EXPECT_EQ(o.http.api_keys, (std::vector<std::string>{"k1"})); }},
        {{"--slots-endpoint-disable"}, [](const ServerOptions& o) { EXPECT_FALSE(o.http.slots_endpoint); }},
        {{"--no-slots"}, [](const ServerOptions& o) { EXPECT_FALSE(o.http.slots_endpoint); }},
        {{"--no-slots", "--slots"}, [](const ServerOptions& o) { EXPECT_TRUE(o.http.slots_endpoint); }},
        {{"--path", "public"}, [](const ServerOptions& o) { EXPECT_EQ(o.http.static_path, "public"); }},
        {{"--path", ""}, [](const ServerOptions& o) { EXPECT_EQ(o.http.static_path, ""); }},
        {{"--no-webui"}, [](const ServerOptions& o) { EXPECT_FALSE(o.http.webui); }},
        {{"--no-ui"}, [](const ServerOptions& o) { EXPECT_FALSE(o.http.webui); }},
        {{"--no-webui", "--webui"}, [](const ServerOptions& o) { EXPECT_TRUE(o.http.webui); }},
        {{"--no-ui", "--ui"}, [](const ServerOptions& o) { EXPECT_TRUE(o.http.webui); }},
        {{"-s", "42"}, [](const ServerOptions& o) { EXPECT_EQ(o.defaults.sampling.seed, 42u); }},
        {{"--seed", "4294967295"}, [](const ServerOptions& o) { EXPECT_EQ(o.defaults.sampling.seed, 4294967295u); }},
        {{"--temp", "0"}, [](const ServerOptions& o) { EXPECT_FLOAT_EQ(o.defaults.sampling.temperature, 0.0f); }},
        {{"--temperature", "1.5"}, [](const ServerOptions& o) { EXPECT_FLOAT_EQ(o.defaults.sampling.temperature, 1.5f); }},
        {{"--top-k", "0"}, [](const ServerOptions& o) { EXPECT_EQ(o.defaults.sampling.top_k, 0); }},
        {{"--top-p", "1"}, [](const ServerOptions& o) { EXPECT_FLOAT_EQ(o.defaults.sampling.top_p, 1.0f); }},
        {{"--min-p", "0.1"}, [](const ServerOptions& o) { EXPECT_FLOAT_EQ(o.defaults.sampling.min_p, 0.1f); }},
        {{"--repeat-penalty", "1.1"}, [](const ServerOptions& o) { EXPECT_FLOAT_EQ(o.defaults.sampling.repeat_penalty, 1.1f); }},
        {{"--repeat-last-n", "-1"}, [](const ServerOptions& o) { EXPECT_EQ(o.defaults.sampling.repeat_last_n, -1); }},
        {{"-v"}, [](const ServerOptions& o) { EXPECT_TRUE(o.verbose); }},
        {{"--verbose"}, [](const ServerOptions& o) { EXPECT_TRUE(o.verbose); }},
        {{"--log-disable"}, [](const ServerOptions& o) { EXPECT_TRUE(o.log_disable); }},
    };
    for (const auto& c : cases) {
        std::string label;
        for (const auto& a : c.args) label += a + " ";
        SCOPED_TRACE(label);
        c.check(ok(c.args));
    }
}

TEST(Options, ShortModelForm) {
    const ParseOutcome out = parse({"-m", "a.gguf"});
    ASSERT_TRUE(out.options.has_value());
    EXPECT_EQ(out.options->engine.model_path, "a.gguf");
}

TEST(Options, EqualsForm) {
    const ServerOptions o = ok({"--port=9001", "--ctx-size=1024", "-np=3", "--host=::1", "--flash-attn=on",
                                "--mlock=true", "--no-mmap=false", "--slots=0", "--api-key=a=b"});
    EXPECT_EQ(o.http.port, 9001);
    EXPECT_EQ(o.engine.n_ctx, 1024);
    EXPECT_EQ(o.engine.n_parallel, 3);
    EXPECT_EQ(o.http.host, "::1");
    EXPECT_EQ(o.engine.flash_attn, "on");
    EXPECT_TRUE(o.engine.mlock);
    EXPECT_TRUE(o.engine.mmap);  // --no-mmap=false means "do map"
    EXPECT_FALSE(o.http.slots_endpoint);
    EXPECT_EQ(o.http.api_keys, (std::vector<std::string>{"a=b"}));  // only the first '=' splits
    EXPECT_TRUE(contains(err({"--port="}), "--port"));
    EXPECT_TRUE(contains(err({"--mlock=perhaps"}), "--mlock"));
}

TEST(Options, NegativeNumbersAreValues) {
    const ServerOptions o = ok({"-t", "-1", "-n", "-1", "-s", "-1"});
    EXPECT_EQ(o.engine.n_threads, -1);
    EXPECT_EQ(o.defaults.n_predict_cap, -1);
    EXPECT_EQ(o.defaults.sampling.seed, cria::kRandomSeed);  // -1: random
}

TEST(Options, LastUseWins) {
    EXPECT_EQ(ok({"--port", "1000", "--port", "2000"}).http.port, 2000);
    EXPECT_EQ(ok({"-c", "1", "--ctx-size", "2"}).engine.n_ctx, 2);
}

// ---- API keys ----

TEST(Options, ApiKeyIsRepeatable) {
    EXPECT_EQ(ok({"--api-key", "one", "--api-key", "two"}).http.api_keys, (std::vector<std::string>{"one", "two"}));
    EXPECT_EQ(ok({"--api-key", "one,two", "--api-key", "three"}).http.api_keys,
              (std::vector<std::string>{"one", "two", "three"}));
    EXPECT_TRUE(contains(err({"--api-key", ""}), "--api-key"));
}

TEST(Options, ApiKeyFile) {
    TempFile file("# comment line\nkey-one\n\n   \nkey-two\r\n  # indented comment\n  key-three  \n");
    const ServerOptions o = ok({"--api-key", "cli-key", "--api-key-file", file.path()});
    EXPECT_EQ(o.http.api_keys, (std::vector<std::string>{"cli-key", "key-one", "key-two", "key-three"}));

    const std::string missing = "/nonexistent/dir/keys.txt";
    const std::string e = err({"--api-key-file", missing});
    EXPECT_TRUE(contains(e, missing)) << e;
    EXPECT_TRUE(contains(e, "--api-key-file")) << e;

    // Through the environment too.
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_API_KEY_FILE", file.path()}}).http.api_keys,
              (std::vector<std::string>{"key-one", "key-two", "key-three"}));
}

// ---- environment ----

TEST(Options, EnvironmentVariablesApply) {
    const Env env = {
        {"LLAMA_ARG_MODEL", "env.gguf"},       {"LLAMA_ARG_CTX_SIZE", "2048"},  {"LLAMA_ARG_N_PARALLEL", "4"},
        {"LLAMA_ARG_THREADS", "7"},            {"LLAMA_ARG_HOST", "0.0.0.0"},   {"LLAMA_ARG_PORT", "9100"},
        {"LLAMA_API_KEY", "k1,k2"},            {"LLAMA_ARG_CONT_BATCHING", "false"},
        {"LLAMA_ARG_ENDPOINT_SLOTS", "off"},   {"LLAMA_ARG_FLASH_ATTN", "on"},  {"LLAMA_ARG_BATCH", "1024"},
        {"LLAMA_ARG_UBATCH", "256"},           {"LLAMA_ARG_N_GPU_LAYERS", "10"}, {"LLAMA_ARG_ALIAS", "envalias"},
        {"LLAMA_ARG_TIMEOUT", "20"},           {"LLAMA_ARG_N_PREDICT", "99"},
        {"LLAMA_ARG_THREADS_HTTP", "5"},       {"LLAMA_ARG_MAIN_GPU", "1"},     {"LLAMA_ARG_TENSOR_SPLIT", "1,1"},
        {"LLAMA_ARG_KV_UNIFIED", "no"},        {"LLAMA_ARG_TEMPERATURE", "0.3"}, {"LLAMA_ARG_TOP_K", "7"},
        {"LLAMA_ARG_TOP_P", "0.5"},            {"LLAMA_ARG_MIN_P", "0.2"},      {"LLAMA_ARG_REPEAT_PENALTY", "1.2"},
        {"LLAMA_ARG_MLOCK", "yes"},            {"LLAMA_ARG_MMPROJ", "envproj.gguf"},
        {"LLAMA_ARG_MMPROJ_OFFLOAD", "false"}, {"LLAMA_ARG_STATIC_PATH", "www"}, {"LLAMA_ARG_WEBUI", "off"},
    };
    const ParseOutcome out = parse({}, env);
    ASSERT_EQ(out.error, "");
    ASSERT_TRUE(out.options.has_value());
    const ServerOptions& o = *out.options;
    EXPECT_EQ(o.engine.model_path, "env.gguf");
    EXPECT_EQ(o.engine.mmproj_path, "envproj.gguf");
    EXPECT_FALSE(o.engine.mmproj_offload);
    EXPECT_EQ(o.engine.n_ctx, 2048);
    EXPECT_EQ(o.engine.n_parallel, 4);
    EXPECT_EQ(o.engine.n_threads, 7);
    EXPECT_EQ(o.http.host, "0.0.0.0");
    EXPECT_EQ(o.http.port, 9100);
    EXPECT_EQ(o.http.api_keys, (std::vector<std::string>{"k1", "k2"}));
    EXPECT_FALSE(o.engine.cont_batching);
    EXPECT_FALSE(o.http.slots_endpoint);
    EXPECT_EQ(o.engine.flash_attn, "on");
    EXPECT_EQ(o.engine.n_batch, 1024);
    EXPECT_EQ(o.engine.n_ubatch, 256);
    EXPECT_EQ(o.engine.n_gpu_layers, 10);
    EXPECT_EQ(o.alias, "envalias");
    EXPECT_EQ(o.http.timeout_s, 20);
    EXPECT_EQ(o.defaults.n_predict_cap, 99);
    EXPECT_EQ(o.http.n_threads, 5);
    EXPECT_EQ(o.engine.main_gpu, 1);
    EXPECT_EQ(o.engine.tensor_split, (std::vector<float>{1.0f, 1.0f}));
    EXPECT_FALSE(o.engine.kv_unified);
    EXPECT_FLOAT_EQ(o.defaults.sampling.temperature, 0.3f);
    EXPECT_EQ(o.defaults.sampling.top_k, 7);
    EXPECT_FLOAT_EQ(o.defaults.sampling.top_p, 0.5f);
    EXPECT_FLOAT_EQ(o.defaults.sampling.min_p, 0.2f);
    EXPECT_EQ(o.http.static_path, "www");
    EXPECT_FALSE(o.http.webui);
    EXPECT_FLOAT_EQ(o.defaults.sampling.repeat_penalty, 1.2f);
    EXPECT_TRUE(o.engine.mlock);
}

TEST(Options, CommandLineBeatsEnvironment) {
    const Env env = {{"LLAMA_ARG_PORT", "9000"},        {"LLAMA_ARG_MODEL", "env.gguf"},
                     {"LLAMA_API_KEY", "env-key"},      {"LLAMA_ARG_CONT_BATCHING", "true"},
                     {"LLAMA_ARG_ENDPOINT_SLOTS", "1"}, {"LLAMA_ARG_CTX_SIZE", "not-a-number"}};
    const ParseOutcome out = parse({"-m", "cli.gguf", "--port", "9001", "--api-key", "cli-key", "-nocb",
                                    "--slots-endpoint-disable", "-c", "100"},
                                   env);
    ASSERT_EQ(out.error, "");  // the bad LLAMA_ARG_CTX_SIZE is never read: -c is on the command line
    ASSERT_TRUE(out.options.has_value());
    EXPECT_EQ(out.options->http.port, 9001);
    EXPECT_EQ(out.options->engine.model_path, "cli.gguf");
    EXPECT_EQ(out.options->http.api_keys, (std::vector<std::string>{"cli-key"}));
    EXPECT_FALSE(out.options->engine.cont_batching);
    EXPECT_FALSE(out.options->http.slots_endpoint);
    EXPECT_EQ(out.options->engine.n_ctx, 100);
}

TEST(Options, FlagEnvironmentValues) {
    const std::vector<std::pair<std::string, bool>> words = {
        {"true", true}, {"TRUE", true}, {"1", true},  {"on", true},   {"On", true},   {"yes", true},  {"YES", true},
        {"false", false}, {"False", false}, {"0", false}, {"off", false}, {"OFF", false}, {"no", false}, {"No", false},
    };
    for (const auto& [word, value] : words) {
        SCOPED_TRACE(word);
        EXPECT_EQ(ok({}, {{"LLAMA_ARG_MLOCK", word}}).engine.mlock, value);
        EXPECT_EQ(ok({}, {{"LLAMA_ARG_CONT_BATCHING", word}}).engine.cont_batching, value);
        EXPECT_EQ(ok({}, {{"LLAMA_ARG_ENDPOINT_SLOTS", word}}).http.slots_endpoint, value);
        EXPECT_EQ(ok({}, {{"LLAMA_ARG_MMAP", word}}).engine.mmap, value);
        EXPECT_EQ(ok({}, {{"LLAMA_ARG_WEBUI", word}}).http.webui, value);
        EXPECT_EQ(ok({}, {{"LLAMA_ARG_UI", word}}).http.webui, value);
        EXPECT_EQ(ok({}, {{"LLAMA_ARG_NO_MMAP", word}}).engine.mmap, !value);  // the negated variable
    }
    for (const std::string var : {"LLAMA_ARG_MLOCK", "LLAMA_ARG_CONT_BATCHING", "LLAMA_ARG_NO_MMAP",
                                  "LLAMA_ARG_ENDPOINT_SLOTS", "LLAMA_ARG_KV_UNIFIED"}) {
        const std::string e = err({}, {{var, "maybe"}});
        EXPECT_TRUE(contains(e, var)) << e;
        EXPECT_TRUE(contains(e, "maybe")) << e;
    }
}

TEST(Options, BadEnvironmentValueNamesTheVariable) {
    const std::string e = err({}, {{"LLAMA_ARG_PORT", "70000"}});
    EXPECT_TRUE(contains(e, "LLAMA_ARG_PORT")) << e;
    EXPECT_TRUE(contains(e, "70000")) << e;
    EXPECT_TRUE(contains(err({}, {{"LLAMA_ARG_CTX_SIZE", "big"}}), "LLAMA_ARG_CTX_SIZE"));
}

TEST(Options, ProcessEnvironmentOverload) {
    ::setenv("LLAMA_ARG_PORT", "9555", 1);
    const char* argv[] = {"cria", "-m", "x.gguf"};
    const ParseOutcome out = cria::parse_server_options(3, argv);
    ::unsetenv("LLAMA_ARG_PORT");
    ASSERT_TRUE(out.options.has_value()) << out.error;
    EXPECT_EQ(out.options->http.port, 9555);
}

// ---- models from the network ----

TEST(Options, ModelFromUrlOrHuggingFace) {
    // -mu alone is a model source: no -m needed, the download goes to the cache.
    ParseOutcome out = parse({"-mu", "http://127.0.0.1:9/m.gguf"});
    ASSERT_TRUE(out.options.has_value()) << out.error;
    EXPECT_EQ(out.options->download.model_url, "http://127.0.0.1:9/m.gguf");
    EXPECT_EQ(out.options->engine.model_path, "");
    EXPECT_FALSE(out.options->download.offline);
    out = parse({"--model-url=https://h/m.gguf", "-m", "/tmp/dest.gguf", "--offline"});
    ASSERT_TRUE(out.options.has_value()) << out.error;
    EXPECT_EQ(out.options->engine.model_path, "/tmp/dest.gguf");
    EXPECT_TRUE(out.options->download.offline);

    for (const char* form : {"-hf", "-hfr", "--hf-repo"}) {
        out = parse({form, "user/repo:Q8_0", "-hff", "m.gguf", "-hft", "hf_secret"});
        ASSERT_TRUE(out.options.has_value()) << form << ": " << out.error;
        EXPECT_EQ(out.options->download.hf_repo, "user/repo:Q8_0");
        EXPECT_EQ(out.options->download.hf_file, "m.gguf");
        EXPECT_EQ(out.options->download.hf_token, "hf_secret");
    }
    out = parse({"--hf-repo", "user/repo", "--hf-file", "m.gguf", "--hf-token", "t"});
    ASSERT_TRUE(out.options.has_value()) << out.error;
    EXPECT_EQ(out.options->download.hf_token, "t");
}

TEST(Options, ModelDownloadEnvironment) {
    const ParseOutcome out = parse({}, {{"LLAMA_ARG_HF_REPO", "user/repo"}, {"LLAMA_ARG_HF_FILE", "m.gguf"},
                                        {"HF_TOKEN", "hf_env"}, {"LLAMA_ARG_OFFLINE", "1"}});
    ASSERT_TRUE(out.options.has_value()) << out.error;
    EXPECT_EQ(out.options->download.hf_repo, "user/repo");
    EXPECT_EQ(out.options->download.hf_file, "m.gguf");
    EXPECT_EQ(out.options->download.hf_token, "hf_env");
    EXPECT_TRUE(out.options->download.offline);
    const ParseOutcome url = parse({}, {{"LLAMA_ARG_MODEL_URL", "http://127.0.0.1:9/m.gguf"}});
    ASSERT_TRUE(url.options.has_value()) << url.error;
    EXPECT_EQ(url.options->download.model_url, "http://127.0.0.1:9/m.gguf");
    // The command line wins over HF_TOKEN.
    EXPECT_EQ(ok({"-hf", "a/b", "-hft", "cli"}, {{"HF_TOKEN", "env"}}).download.hf_token, "cli");
}

TEST(Options, ModelDownloadMistakes) {
    EXPECT_TRUE(contains(parse({"-mu", "ftp://h/m.gguf"}).error, "must be an http:// or https:// URL"));
    EXPECT_TRUE(contains(parse({"-mu", "models/m.gguf"}).error, "--model-url"));
    const std::string bad_repo = parse({"-hf", "just-a-name"}).error;
    EXPECT_TRUE(contains(bad_repo, "--hf-repo") && contains(bad_repo, "<user>/<model>[:quant]")) << bad_repo;
    EXPECT_EQ(parse({"-hff", "m.gguf"}).error, "no model given: use -m FILE, -mu URL, -hf REPO or -dr REPO");
    EXPECT_EQ(parse({"-m", "x.gguf", "-hff", "m.gguf"}).error, "--hf-file needs --hf-repo (the repository it is in)");
    EXPECT_TRUE(contains(parse({"-mu", "http://h/m.gguf", "-hf", "a/b"}).error, "use one of them"));
    // An empty token is no token (e.g. HF_TOKEN= in a container's environment).
    EXPECT_EQ(ok({"-hf", "a/b"}, {{"HF_TOKEN", ""}}).download.hf_token, "");
}

TEST(Options, DownloadOptionsAreInTheModelSectionOfHelp) {
    const std::string help = cria::server_options_help();
    const std::string supported = help.substr(0, help.find("----- not yet supported"));
    for (const char* name : {"--model-url", "--hf-repo", "--hf-file", "--hf-token", "--offline", "(env: HF_TOKEN)",
                             "(env: LLAMA_ARG_OFFLINE)"}) {
        EXPECT_TRUE(contains(supported, name)) << name;
    }
}

// ---- --api-prefix and --props ----

TEST(Options, ApiPrefix) {
    EXPECT_EQ(ok({}).http.api_prefix, "");
    EXPECT_EQ(ok({"--api-prefix", "/llm"}).http.api_prefix, "/llm");
    EXPECT_EQ(ok({"--api-prefix=/a/b-c_d.e~f"}).http.api_prefix, "/a/b-c_d.e~f");
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_API_PREFIX", "/env"}}).http.api_prefix, "/env");
    EXPECT_EQ(ok({"--api-prefix", ""}).http.api_prefix, "");
    for (const std::string bad : {"llm", "/", "/llm/", "/llm?x", "/llm#x", "/a/../b", "/a//b", "/a b", "/a%2e", "/:id"}) {
        const std::string e = err({"--api-prefix", bad});
        EXPECT_TRUE(contains(e, "--api-prefix")) << bad << ": " << e;
    }
    EXPECT_TRUE(contains(err({"--api-prefix", "llm"}), "must start with '/'"));
    EXPECT_TRUE(contains(err({"--api-prefix", "/llm/"}), "must not end with '/'"));
    EXPECT_TRUE(contains(err({"--api-prefix", "/a/../b"}), "'..'"));
    EXPECT_TRUE(contains(err({"--api-prefix", "/llm?x"}), "'?'"));
    EXPECT_TRUE(contains(err({}, {{"LLAMA_ARG_API_PREFIX", "x"}}), "LLAMA_ARG_API_PREFIX"));
}

TEST(Options, PropsEndpoint) {
    EXPECT_FALSE(ok({}).http.props_endpoint);
    EXPECT_TRUE(ok({"--props"}).http.props_endpoint);
    EXPECT_TRUE(ok({}, {{"LLAMA_ARG_ENDPOINT_PROPS", "1"}}).http.props_endpoint);
    EXPECT_FALSE(ok({}, {{"LLAMA_ARG_ENDPOINT_PROPS", "0"}}).http.props_endpoint);
}

// ---- request budgets ----

TEST(Options, RequestLimits) {
    const cria::RequestLimits defaults = ok({}).defaults.limits;
    EXPECT_EQ(defaults.max_tasks, 128);
    EXPECT_EQ(defaults.max_stop_strings, 64);
    EXPECT_EQ(defaults.max_n_probs, 1000);
    const ServerOptions o = ok({"--max-request-tasks", "4", "--max-stop-strings", "3", "--max-stop-length", "9",
                                "--max-logit-bias", "10", "--max-samplers", "5", "--max-n-probs", "7",
                                "--max-grammar-size", "100", "--max-image-size", "1000", "--max-image-pixels", "640", "--max-images", "2",
                                "--max-tokenize-size", "50", "--max-detokenize-tokens", "60"});
    const cria::RequestLimits& l = o.defaults.limits;
    EXPECT_EQ(l.max_tasks, 4);
    EXPECT_EQ(l.max_stop_strings, 3);
    EXPECT_EQ(l.max_stop_length, 9);
    EXPECT_EQ(l.max_logit_bias, 10);
    EXPECT_EQ(l.max_samplers, 5);
    EXPECT_EQ(l.max_n_probs, 7);
    EXPECT_EQ(l.max_grammar_bytes, 100);
    EXPECT_EQ(l.max_image_bytes, 1000);
    EXPECT_EQ(l.max_image_pixels, 640);
    EXPECT_EQ(l.max_images, 2);
    EXPECT_EQ(l.max_tokenize_bytes, 50);
    EXPECT_EQ(l.max_detokenize_tokens, 60);
    EXPECT_TRUE(contains(err({"--max-stop-strings", "-1"}), "--max-stop-strings"));
    EXPECT_TRUE(contains(cria::server_options_help(), "--max-request-tasks"));
}

// ---- llama-server options whose feature cria lacks here: accepted, kept, and a notice ----

// The notices of a command line that parses (with a model given).
std::vector<std::string> notices(std::vector<std::string> args, const Env& env = {}) {
    return ok(std::move(args), env).notices;
}

TEST(Options, NoticeOptionsAreAcceptedWithOneNoticeEach) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--spec-draft-p-split", "0.2"}, "--spec-draft-p-split"},
        {{"--models-dir", "/tmp"}, "--models-dir"},
    };
    for (const auto& [args, option] : cases) {
        const std::vector<std::string> got = notices(args);
        ASSERT_EQ(got.size(), 1u) << option;
        EXPECT_EQ(got[0].rfind(option + ": ", 0), 0u) << got[0];
    }
    EXPECT_TRUE(notices({}).empty());
    // Set to what cria does anyway: nothing to say.
    EXPECT_TRUE(notices({"--jinja", "--cache-reuse", "0", "--no-mmproj"}).empty());
    EXPECT_TRUE(notices({"--no-jinja"}).empty());  // implemented: libllama's built-in formats
}

TEST(Options, NoticeOptionsKeepTheirValuesForLaterWork) {
    const ServerOptions o = ok({"--no-jinja", "--reasoning-budget", "0", "--reasoning-format", "deepseek", "-rea",
                                "--chat-template-kwargs", "{\"a\":1}"});
    EXPECT_FALSE(o.jinja);
    EXPECT_EQ(o.chat.reasoning_budget, 0);
    EXPECT_EQ(o.chat.reasoning_format, "deepseek");
    EXPECT_EQ(o.chat.reasoning, "on");  // -rea alone means on
    EXPECT_EQ(o.chat.chat_template_kwargs, "{\"a\":1}");
}

TEST(Options, AgentToolsAreOffByDefaultAndLimitCorsWhenOn) {
    const ServerOptions plain = ok({});
    EXPECT_TRUE(plain.agent.tools.empty());
    EXPECT_FALSE(plain.agent.mcp_proxy);
    EXPECT_FALSE(plain.agent.tools_route_on());
    EXPECT_EQ(plain.http.cors.origins, (std::vector<std::string>{"*"}));
    const ServerOptions some = ok({"--tools", "read_file,get_info"});
    EXPECT_EQ(some.agent.tools, (std::vector<std::string>{"read_file", "get_info"}));
    EXPECT_EQ(some.http.cors.origins, (std::vector<std::string>{"localhost"}));
    EXPECT_TRUE(some.notices.empty());
    const ServerOptions agent = ok({"-ag"});
    EXPECT_EQ(agent.agent.tools.size(), 7u);  // every built-in tool
    EXPECT_TRUE(agent.agent.mcp_proxy);
    EXPECT_EQ(agent.http.cors.origins, (std::vector<std::string>{"localhost"}));
    // --cors-origins given (before or after) wins
    EXPECT_EQ(ok({"--cors-origins", "*", "--tools", "all"}).http.cors.origins, (std::vector<std::string>{"*"}));
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_TOOLS", "all"}}).agent.tools.size(), 7u);
    // the proxy alone does not limit CORS (as llama-server)
    const ServerOptions proxy = ok({"--ui-mcp-proxy"});
    EXPECT_TRUE(proxy.agent.mcp_proxy);
    EXPECT_EQ(proxy.http.cors.origins, (std::vector<std::string>{"*"}));
    EXPECT_TRUE(ok({"--mcp-servers-json", R"({"mcpServers":{"a":{"command":"true"}}})"}).agent.tools_route_on());
}

TEST(Options, AgentToolValuesAreCheckedAtStartUp) {
    const std::string unknown = err({"--tools", "read_file,bogus"});
    EXPECT_TRUE(contains(unknown, "--tools") && contains(unknown, "unknown tool \"bogus\"")) << unknown;
    EXPECT_TRUE(contains(err({}, {{"LLAMA_ARG_TOOLS", "bogus"}}), "LLAMA_ARG_TOOLS"));
    EXPECT_TRUE(contains(err({"--tools-runtime", "vm:x"}), "--tools-runtime"));
    EXPECT_TRUE(contains(err({"--tools-runtime", "docker-container:a;b"}), "--tools-runtime"));
    EXPECT_EQ(ok({"--tools-runtime", "docker:alpine:3"}).agent.tools_runtime, "docker:alpine:3");
    EXPECT_TRUE(contains(err({"--mcp-servers-json", "nojson"}), "--mcp-servers-json"));
    EXPECT_TRUE(contains(err({"--mcp-servers-json", R"({"mcpServers":{"a b":{"command":"x"}}})"}), "--mcp-servers-json"));
    EXPECT_TRUE(contains(err({"--mcp-servers-config", "/nonexistent/mcp.json"}), "--mcp-servers-config"));
}

TEST(Options, RpcServersReachTheEngineWithoutNotice) {
    const ServerOptions o = ok({"--rpc", "a:1,b:2"});
    EXPECT_EQ(o.engine.backend.rpc_servers, (std::vector<std::string>{"a:1", "b:2"}));
    EXPECT_TRUE(o.notices.empty());
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_RPC", "127.0.0.1:50052"}}).engine.backend.rpc_servers,
              (std::vector<std::string>{"127.0.0.1:50052"}));
}

TEST(Options, ReasoningOptionsAreImplementedWithoutNotices) {
    EXPECT_TRUE(notices({"--reasoning-budget", "100", "--reasoning-budget-message", "Enough."}).empty());
    EXPECT_EQ(ok({"--reasoning-budget", "100"}).chat.reasoning_budget, 100);
    EXPECT_TRUE(notices({"--reasoning-format", "none", "--reasoning", "off", "--reasoning-budget", "0",
                         "--chat-template-kwargs", "{\"enable_thinking\": false}", "--no-reasoning-preserve",
                         "--skip-chat-parsing", "--reasoning-effort", "high"})
                    .empty());
    const ServerOptions o = ok({"--no-reasoning-preserve", "--skip-chat-parsing", "--reasoning-effort", "high"});
    EXPECT_FALSE(o.chat.reasoning_preserve);
    EXPECT_TRUE(o.chat.skip_chat_parsing);
    EXPECT_EQ(o.chat.reasoning_effort, "high");
}

TEST(Options, ServerFeatureOptionsAreImplementedWithoutNotices) {
    const ServerOptions o = ok({"--sse-ping-interval", "5", "--ui-config", "{\"theme\":\"dark\"}", "--media-path", "/tmp",
                                "--log-prompts-dir", "/tmp/prompts", "--no-prefill-assistant"});
    EXPECT_TRUE(o.notices.empty());
    EXPECT_EQ(o.http.sse_ping_interval_s, 5);
    EXPECT_EQ(o.http.ui_config, "{\"theme\":\"dark\"}");
    EXPECT_EQ(o.defaults.limits.media_path, "/tmp");
    EXPECT_EQ(o.http.log_prompts_dir, "/tmp/prompts");
    EXPECT_FALSE(o.chat.prefill_assistant);
    const ServerOptions d = ok({});
    EXPECT_EQ(d.http.sse_ping_interval_s, 30);  // llama-server's default
    EXPECT_TRUE(d.chat.prefill_assistant);
    EXPECT_EQ(ok({"--sse-ping-interval", "-1"}).http.sse_ping_interval_s, -1);
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_SSE_PING_INTERVAL", "7"}, {"LLAMA_ARG_PREFILL_ASSISTANT", "false"}}).http.sse_ping_interval_s, 7);
}

TEST(Options, NoticeOptionsFromTheEnvironment) {
    const ServerOptions o = ok({}, {{"LLAMA_ARG_SPEC_DRAFT_P_SPLIT", "0.2"}, {"LLAMA_ARG_JINJA", "false"}});
    EXPECT_EQ(o.later.kept.at("--spec-draft-p-split"), "0.2");
    EXPECT_FALSE(o.jinja);
    EXPECT_EQ(o.notices.size(), 1u);
    EXPECT_EQ(o.environment_used,
              (std::vector<std::string>{"LLAMA_ARG_JINJA", "LLAMA_ARG_SPEC_DRAFT_P_SPLIT"}));  // table order
    // implemented: read from the environment without a notice
    const ServerOptions proxy = ok({}, {{"LLAMA_ARG_UI_MCP_PROXY", "1"}});
    EXPECT_TRUE(proxy.agent.mcp_proxy);
    EXPECT_TRUE(proxy.notices.empty());
}

TEST(Options, PromptCacheOptionsReachTheEngine) {
    const ServerOptions d = ok({});
    EXPECT_EQ(d.engine.prompt_cache.ram_mib, 8192);  // llama-server's default
    EXPECT_EQ(d.engine.prompt_cache.reuse_min_chunk, 0);
    EXPECT_FLOAT_EQ(d.engine.prompt_cache.slot_similarity, 0.1f);
    EXPECT_TRUE(d.engine.prompt_cache.dir.empty());
    EXPECT_EQ(d.engine.prompt_cache.ctx_checkpoints, 32);  // llama-server's defaults
    EXPECT_EQ(d.engine.prompt_cache.checkpoint_min_step, 8192);
    EXPECT_EQ(ok({"-ctxcp", "3", "-cms", "0"}).engine.prompt_cache.ctx_checkpoints, 3);
    EXPECT_EQ(ok({"--swa-checkpoints", "0"}).engine.prompt_cache.ctx_checkpoints, 0);
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_CHECKPOINT_MIN_SPACING_NT", "64"}}).engine.prompt_cache.checkpoint_min_step, 64);
    EXPECT_TRUE(ok({"-ctxcp", "3"}).notices.empty());
    const ServerOptions o = ok({"-cram", "-1", "--cache-reuse", "64", "-sps", "0.5", "--cache-dir", "/tmp/x"});
    EXPECT_EQ(o.engine.prompt_cache.ram_mib, -1);
    EXPECT_EQ(o.engine.prompt_cache.reuse_min_chunk, 64);
    EXPECT_FLOAT_EQ(o.engine.prompt_cache.slot_similarity, 0.5f);
    EXPECT_EQ(o.engine.prompt_cache.dir, "/tmp/x");
    EXPECT_TRUE(o.notices.empty());  // they do what they say: no start-up notice
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_CACHE_RAM", "0"}}).engine.prompt_cache.ram_mib, 0);
    EXPECT_TRUE(contains(err({"-cram", "-2"}), "--cache-ram"));
    EXPECT_TRUE(contains(err({"-sps", "1.5"}), "--slot-prompt-similarity"));
}

TEST(Options, NoticeOptionValuesAreChecked) {
    EXPECT_TRUE(contains(err({"--reasoning-format", "bogus"}), "--reasoning-format"));
    EXPECT_TRUE(contains(err({"--chat-template-kwargs", "[1]"}), "JSON object"));
    EXPECT_TRUE(contains(err({"--ui-config", "{"}), "not valid JSON"));
    EXPECT_TRUE(contains(err({"--prio", "9"}), "--prio"));
    EXPECT_TRUE(contains(err({"-C", "0xzz"}), "hexadecimal"));
    EXPECT_TRUE(contains(err({"-Cr", "4-2"}), "lo <= hi"));
    EXPECT_TRUE(contains(err({"--cache-reuse", "-1"}), "--cache-reuse"));
    EXPECT_TRUE(contains(err({}, {{"LLAMA_ARG_REASONING", "sometimes"}}), "LLAMA_ARG_REASONING"));
}

TEST(Options, EveryFlagAndChoiceIsAccepted) {
    // Nothing refuses its option outright: every flag (and negative form) alone parses, and so does
    // every option that takes one of a few words, given its first word.
    size_t checked = 0;
    for (const auto& spec : cria::options::option_table()) {
        if (spec.special != cria::options::Special::None) continue;
        EXPECT_TRUE(static_cast<bool>(spec.binding.set)) << spec.canonical_name();
        std::vector<std::vector<std::string>> uses;
        if (!spec.takes_value()) {
            for (const auto& n : spec.names) uses.push_back({n});
            for (const auto& n : spec.negative_names) uses.push_back({n});
        } else if (spec.kind == cria::options::ValueKind::Choice) {
            uses.push_back({spec.names.front(), spec.choices.front()});
        }
        for (const auto& use : uses) {
            const ParseOutcome out = parse({"-m", "model.gguf", use[0], use.size() > 1 ? use[1] : "--warmup"});
            EXPECT_TRUE(out.options.has_value()) << use[0] << ": " << out.error;
            ++checked;
        }
    }
    EXPECT_GT(checked, 100u);
}

// ---- llama-server options implemented here ----

TEST(Options, PlacementOptionsReachTheBackendConfig) {
    const ServerOptions o = ok({"-dev", "none", "-ot", "a\\.b=CPU,c=CPU", "-ot", "d=CPU", "--cpu-moe", "-ncmoe", "3",
                                "-ncffn", "2", "--moe-cache-mib", "64", "-nr", "--no-host", "--no-op-offload", "-lm",
                                "dio", "-lzm", "off", "--perf"});
    const cria::BackendConfig& b = o.engine.backend;
    EXPECT_EQ(b.devices, (std::vector<std::string>{"none"}));
    ASSERT_EQ(b.tensor_overrides.size(), 3u);
    EXPECT_EQ(b.tensor_overrides[0].pattern, "a\\.b");
    EXPECT_EQ(b.tensor_overrides[2].buffer_type, "CPU");
    EXPECT_TRUE(b.cpu_moe);
    EXPECT_EQ(b.n_cpu_moe, 3);
    EXPECT_EQ(b.n_cpu_ffn, 2);
    EXPECT_EQ(b.moe_cache_mib, 64);
    EXPECT_FALSE(b.repack);
    EXPECT_FALSE(b.host_buffer);
    EXPECT_FALSE(b.op_offload);
    EXPECT_EQ(b.load_mode, "dio");
    EXPECT_EQ(b.lazy_mode, "off");
    EXPECT_TRUE(b.perf);
    EXPECT_TRUE(contains(err({"-ot", "(=CPU"}), "regular expression"));
    EXPECT_TRUE(contains(err({"-ot", "=CPU"}), "PATTERN=BUFFER_TYPE"));
}

TEST(Options, ControlVectorOptions) {
    const ServerOptions o = ok({"--control-vector", "a.gguf,b.gguf", "--control-vector-scaled", "c.gguf:0.5",
                                "--control-vector-layer-range", "2", "5"});
    const auto& cv = o.engine.backend.control_vectors;
    ASSERT_EQ(cv.size(), 3u);
    EXPECT_EQ(cv[1].path, "b.gguf");
    EXPECT_FLOAT_EQ(cv[2].scale, 0.5f);
    EXPECT_EQ(o.engine.backend.control_vector_layer_start, 2);
    EXPECT_EQ(o.engine.backend.control_vector_layer_end, 5);
    EXPECT_TRUE(contains(err({"--control-vector-layer-range", "5", "2"}), "START <= END"));
    EXPECT_TRUE(contains(err({"--control-vector-scaled", "c.gguf"}), "FNAME:SCALE"));
}

TEST(Options, OutputOptions) {
    const ServerOptions o = ok({"-r", "User:", "--reverse-prompt", "a\\nb", "-sp", "--embd-normalize", "-1"});
    EXPECT_EQ(o.defaults.stop, (std::vector<std::string>{"User:", "a\nb"}));
    EXPECT_TRUE(o.engine.special);
    EXPECT_EQ(o.engine.embd_normalize, -1);
    // --no-escape keeps the backslash, wherever it is given.
    EXPECT_EQ(ok({"-r", "a\\nb", "--no-escape"}).defaults.stop, (std::vector<std::string>{"a\\nb"}));
    EXPECT_TRUE(contains(err({"--embd-normalize", "-2"}), "--embd-normalize"));
}

TEST(Options, DrySequenceBreakers) {
    EXPECT_EQ(ok({}).defaults.sampling.dry_sequence_breakers.size(), 4u);
    EXPECT_EQ(ok({"--dry-sequence-breaker", "x", "--dry-sequence-breaker", "y"}).defaults.sampling.dry_sequence_breakers,
              (std::vector<std::string>{"x", "y"}));
    EXPECT_TRUE(ok({"--dry-sequence-breaker", "none"}).defaults.sampling.dry_sequence_breakers.empty());
}

TEST(Options, LoraInitWithoutApplySetsEveryScaleToZero) {
    const ServerOptions o = ok({"--lora-init-without-apply", "--lora", "a.gguf", "--lora-scaled", "b.gguf", "0.5"});
    ASSERT_EQ(o.engine.lora_adapters.size(), 2u);
    EXPECT_EQ(o.engine.lora_adapters[0].scale, 0.0f);
    EXPECT_EQ(o.engine.lora_adapters[1].scale, 0.0f);
}

TEST(Options, LoggingOptions) {
    const ServerOptions plain = ok({});
    EXPECT_TRUE(plain.log_prefix);
    EXPECT_FALSE(plain.log_timestamps);
    EXPECT_EQ(plain.log_colors, "auto");
    const ServerOptions o = ok({"--log-timestamps", "--no-log-prefix", "--log-colors", "--log-jsonl"});
    EXPECT_TRUE(o.log_timestamps);
    EXPECT_FALSE(o.log_prefix);
    EXPECT_EQ(o.log_colors, "on");  // --log-colors alone means on
    EXPECT_EQ(o.log_format, "json");
    EXPECT_EQ(ok({"--log-colors", "off"}).log_colors, "off");
}

TEST(Options, PrintAndExitOptions) {
    EXPECT_TRUE(parse({"--completion-bash"}).completion_bash);
    EXPECT_TRUE(parse({"--list-devices"}).list_devices);
    EXPECT_TRUE(parse({"-cl"}).cache_list);
    EXPECT_TRUE(ok({"--print-options"}).print_options);
    const std::string json = cria::server_options_json(ok({"--rpc", "h:1", "-c", "512"}, {{"LLAMA_ARG_PORT", "9000"}}));
    EXPECT_TRUE(contains(json, "\"--ctx-size\": \"512\"")) << json;
    EXPECT_TRUE(contains(json, "\"--port\": \"9000\"")) << json;
    EXPECT_TRUE(contains(json, "LLAMA_ARG_PORT")) << json;
    EXPECT_TRUE(contains(json, "h:1")) << json;
    const std::string bash = cria::server_options_completion_bash();
    EXPECT_TRUE(contains(bash, " --ctx-size ")) << bash;
    EXPECT_TRUE(contains(bash, "on off auto")) << bash;
}

// ---- mistakes ----

TEST(Options, UnknownOption) {
    EXPECT_EQ(err({"--foo"}), "unknown option: --foo (see --help)");
    EXPECT_EQ(err({"--foo=1"}), "unknown option: --foo (see --help)");
    EXPECT_EQ(err({"-x"}), "unknown option: -x (see --help)");
    EXPECT_TRUE(contains(err({"stray"}), "stray"));
}

TEST(Options, MissingValue) {
    EXPECT_EQ(err({"--port"}), "option --port needs a value (PORT)");
    EXPECT_TRUE(contains(err({"-c"}), "-c"));
    // Every supported option that takes a value says so when the value is missing.
    for (const auto& spec : cria::options::option_table()) {
        if (spec.special != cria::options::Special::None || !spec.takes_value()) continue;
        if (!spec.implicit_value.empty()) continue;  // --numa alone is fine
        for (const auto& name : spec.names) {
            const ParseOutcome out = parse({"-m", "model.gguf", name});
            EXPECT_TRUE(contains(out.error, name) && contains(out.error, "needs a value")) << name << ": " << out.error;
        }
    }
}

TEST(Options, BadValues) {
    struct BadCase {
        std::vector<std::string> args;
        std::string option;
        std::string value;
    };
    const std::vector<BadCase> cases = {
        {{"--port", "0"}, "--port", "0"},
        {{"--port", "65536"}, "--port", "65536"},
        {{"--port", "80x"}, "--port", "80x"},
        {{"--port", " 80"}, "--port", " 80"},
        {{"--port", "8.5"}, "--port", "8.5"},
        {{"-c", "-1"}, "-c", "-1"},
        {{"--ctx-size", "99999999999"}, "--ctx-size", "99999999999"},
        {{"-np", "0"}, "-np", "0"},
        {{"--parallel", "-1"}, "--parallel", "-1"},
        {{"-b", "0"}, "-b", "0"},
        {{"-ub", "0"}, "-ub", "0"},
        {{"-t", "0"}, "-t", "0"},
        {{"-t", "-2"}, "-t", "-2"},
        {{"--threads", "many"}, "--threads", "many"},
        {{"-tb", "0"}, "-tb", "0"},
        {{"--threads-http", "0"}, "--threads-http", "0"},
        {{"--temp", "-0.1"}, "--temp", "-0.1"},
        {{"--temp", "hot"}, "--temp", "hot"},
        {{"--temp", "nan"}, "--temp", "nan"},
        {{"--top-p", "1.5"}, "--top-p", "1.5"},
        {{"--top-p", "-0.1"}, "--top-p", "-0.1"},
        {{"--min-p", "2"}, "--min-p", "2"},
        {{"--top-k", "-1"}, "--top-k", "-1"},
        {{"-to", "0"}, "-to", "0"},
        {{"--timeout", "-5"}, "--timeout", "-5"},
        {{"-fa=maybe"}, "-fa", "maybe"},  // -fa alone means on, so a bad value is seen only as -fa=VALUE
        {{"--flash-attn=yes-please"}, "--flash-attn", "yes-please"},
        {{"-ts", "3,-2"}, "-ts", "3,-2"},
        {{"--tensor-split", "3,,2"}, "--tensor-split", "3,,2"},
        {{"--tensor-split", "a,b"}, "--tensor-split", "a,b"},
        {{"-ngl", "-2"}, "-ngl", "-2"},
        {{"-ngl", "most"}, "-ngl", "most"},
        {{"-mg", "-1"}, "-mg", "-1"},
        {{"-n", "-2"}, "-n", "-2"},
        {{"-s", "-2"}, "-s", "-2"},
        {{"--seed", "4294967296"}, "--seed", "4294967296"},
        {{"--repeat-last-n", "-2"}, "--repeat-last-n", "-2"},
        {{"--repeat-penalty", "-1"}, "--repeat-penalty", "-1"},
        {{"--host", ""}, "--host", ""},
    };
    for (const auto& c : cases) {
        const std::string e = err(c.args);
        EXPECT_TRUE(contains(e, c.option)) << c.option << " " << c.value << ": " << e;
        EXPECT_TRUE(contains(e, "'" + c.value + "'")) << c.option << " " << c.value << ": " << e;
    }
    EXPECT_EQ(err({"--port", "0"}), "invalid value '0' for option --port: must be between 1 and 65535");
}

TEST(Options, BoundaryValuesAreAccepted) {
    EXPECT_EQ(ok({"--port", "1"}).http.port, 1);
    EXPECT_EQ(ok({"--port", "65535"}).http.port, 65535);
    EXPECT_EQ(ok({"-np", "1"}).engine.n_parallel, 1);
    EXPECT_EQ(ok({"-t", "1"}).engine.n_threads, 1);
    EXPECT_FLOAT_EQ(ok({"--top-p", "0"}).defaults.sampling.top_p, 0.0f);
    EXPECT_FLOAT_EQ(ok({"--min-p", "1"}).defaults.sampling.min_p, 1.0f);
    EXPECT_EQ(ok({"-to", "1"}).http.timeout_s, 1);
    EXPECT_FLOAT_EQ(ok({"--temp", "1e-1"}).defaults.sampling.temperature, 0.1f);
}

TEST(Options, UbatchIsClampedToBatch) {
    const ServerOptions a = ok({"-b", "256", "-ub", "1024"});
    EXPECT_EQ(a.engine.n_batch, 256);
    EXPECT_EQ(a.engine.n_ubatch, 256);
    const ServerOptions b = ok({"-b", "64"});  // default ubatch 512 > 64
    EXPECT_EQ(b.engine.n_ubatch, 64);
    const ServerOptions c = ok({"-b", "4096", "-ub", "1024"});
    EXPECT_EQ(c.engine.n_ubatch, 1024);
}

// ---- help ----

TEST(Options, HelpListsEverySupportedOptionAndVariable) {
    const std::string help = cria::server_options_help();
    size_t supported = 0;
    for (const auto& spec : cria::options::option_table()) {
        for (const auto& name : spec.names) EXPECT_TRUE(contains(help, name)) << name;
        for (const auto& name : spec.negative_names) EXPECT_TRUE(contains(help, name)) << name;
        // An option read from several variables lists them all: "(env: A, B)".
        for (const auto& var : spec.env) {
            EXPECT_TRUE(contains(help, "(env: " + var) || contains(help, ", " + var)) << var;
        }
        if (!spec.negated_env.empty()) {
            EXPECT_TRUE(contains(help, spec.negated_env)) << spec.negated_env;
        }
        ++supported;
    }
    EXPECT_GT(supported, 250u);
    // Spot checks by name, so an option dropped from the table fails here too.
    for (const std::string s : {"--threads", "--threads-batch", "--threads-http", "--model", "--alias", "--ctx-size",
                                "--n-gpu-layers", "--gpu-layers", "--main-gpu", "--tensor-split", "--batch-size",
                                "--ubatch-size", "--mlock", "--no-mmap", "--timeout", "--host", "--port",
                                "--api-key", "--api-key-file", "--parallel",
                                "--cont-batching", "--no-cont-batching", "--n-predict", "--slots-endpoint-disable",
                                "--slots", "--no-slots", "--log-disable", "--help", "--version", "--seed",
                                "--temp", "--top-k", "--top-p", "--min-p", "--repeat-penalty", "--repeat-last-n",
                                "--flash-attn", "--kv-unified", "--no-kv-unified", "--verbose", "--lora",
                                "--lora-scaled", "--lora-base", "--grp-attn-n", "--grp-attn-w", "--numa",
                                "--split-mode", "LLAMA_ARG_NUMA", "LLAMA_ARG_SPLIT_MODE",
                                "LLAMA_ARG_MODEL", "LLAMA_ARG_CTX_SIZE", "LLAMA_ARG_N_PARALLEL", "LLAMA_ARG_THREADS",
                                "LLAMA_ARG_HOST", "LLAMA_ARG_PORT", "LLAMA_API_KEY", "LLAMA_ARG_CONT_BATCHING",
                                "LLAMA_ARG_NO_MMAP", "LLAMA_ARG_MMAP", "LLAMA_ARG_ENDPOINT_SLOTS",
                                "LLAMA_ARG_FLASH_ATTN", "--path", "--webui", "--no-webui", "LLAMA_ARG_STATIC_PATH",
                                "LLAMA_ARG_WEBUI"}) {
        EXPECT_TRUE(contains(help, s)) << s;
    }
}

TEST(Options, HelpLayout) {
    const std::string help = cria::server_options_help();
    for (const std::string title : {"----- general -----", "----- model -----", "----- context and batching -----",
                                    "----- threads -----", "----- devices and memory -----", "----- HTTP -----",
                                    "----- endpoints -----", "----- sampling defaults", "----- logging -----",
                                    "----- accepted for llama-server compatibility"}) {
        EXPECT_TRUE(contains(help, title)) << title;
    }
    std::istringstream lines(help);
    std::string line;
    while (std::getline(lines, line)) EXPECT_LE(line.size(), 100u) << line;
    // Defaults come from ServerOptions itself.
    EXPECT_TRUE(contains(help, "(default: 8080)"));
    EXPECT_TRUE(contains(help, "(default: 4096)"));
    EXPECT_TRUE(contains(help, "(default: 127.0.0.1)"));
    // Options that only take a notice here come last, in their own section; the implemented ones
    // of llama-server are in the sections of their kind.
    const auto compatibility = help.find("----- accepted for llama-server compatibility");
    for (const std::string s : {"--docker-repo", "--reasoning-format"}) {
        EXPECT_GT(help.find("  " + s + " "), compatibility) << s;
    }
    for (const std::string s : {"--override-tensor", "--reverse-prompt", "--log-timestamps", "--print-options",
                                "--cache-reuse", "--cache-ram", "--cache-dir", "--ctx-checkpoints", "--tools",
                                "--ui-mcp-proxy"}) {
        EXPECT_LT(help.find(" " + s), compatibility) << s;
    }
}

// ---- the table itself ----

TEST(Options, TableHasNoDuplicateNamesOrVariables) {
    std::set<std::string> names;
    std::set<std::string> vars;
    for (const auto& spec : cria::options::option_table()) {
        std::vector<std::string> all = spec.names;
        all.insert(all.end(), spec.negative_names.begin(), spec.negative_names.end());
        ASSERT_FALSE(spec.names.empty());
        for (const auto& n : all) {
            EXPECT_TRUE(names.insert(n).second) << "duplicate option name " << n;
            EXPECT_EQ(n[0], '-') << n;
        }
        std::vector<std::string> envs = spec.env;
        if (!spec.negated_env.empty()) envs.push_back(spec.negated_env);
        for (const auto& v : envs) EXPECT_TRUE(vars.insert(v).second) << "duplicate variable " << v;
        EXPECT_FALSE(spec.help.empty()) << spec.canonical_name();
        if (spec.special == cria::options::Special::None) {
            EXPECT_TRUE(static_cast<bool>(spec.binding.set)) << spec.canonical_name();
        }
        if (spec.takes_value()) {
            EXPECT_FALSE(spec.placeholder.empty()) << spec.canonical_name();
        }
    }
}

namespace cria {
namespace {

TEST(Options, SamplingDefaultsFromTheCommandLine) {
    const char* argv[] = {"cria", "-m", "m.gguf", "--mirostat", "2", "--mirostat-ent", "3.5", "--mirostat-lr", "0.2",
                          "--presence-penalty", "0.5", "--frequency-penalty", "0.25", "--typical", "0.9",
                          "--dynatemp-range", "0.3", "--dynatemp-exp", "1.5", "--xtc-probability", "0.4",
                          "--xtc-threshold", "0.2", "--top-nsigma", "1.5", "--dry-multiplier", "0.8", "--dry-base", "2",
                          "--dry-allowed-length", "3", "--dry-penalty-last-n", "128", "--samplers", "top_k;temperature"};
    const auto out = parse_server_options(static_cast<int>(std::size(argv)), argv,
                                          [](const std::string&) { return std::optional<std::string>(); });
    ASSERT_TRUE(out.options.has_value()) << out.error;
    const ServerOptions& o = *out.options;
    EXPECT_EQ(o.defaults.sampling.mirostat, 2);
    EXPECT_FLOAT_EQ(o.defaults.sampling.mirostat_tau, 3.5f);
    EXPECT_FLOAT_EQ(o.defaults.sampling.mirostat_eta, 0.2f);
    EXPECT_FLOAT_EQ(o.defaults.sampling.presence_penalty, 0.5f);
    EXPECT_FLOAT_EQ(o.defaults.sampling.frequency_penalty, 0.25f);
    EXPECT_FLOAT_EQ(o.defaults.sampling.typical_p, 0.9f);
    EXPECT_FLOAT_EQ(o.defaults.sampling.dynatemp_range, 0.3f);
    EXPECT_FLOAT_EQ(o.defaults.sampling.dynatemp_exponent, 1.5f);
    EXPECT_FLOAT_EQ(o.defaults.sampling.xtc_probability, 0.4f);
    EXPECT_FLOAT_EQ(o.defaults.sampling.xtc_threshold, 0.2f);
    EXPECT_FLOAT_EQ(o.defaults.sampling.top_n_sigma, 1.5f);
    EXPECT_FLOAT_EQ(o.defaults.sampling.dry_multiplier, 0.8f);
    EXPECT_FLOAT_EQ(o.defaults.sampling.dry_base, 2.0f);
    EXPECT_EQ(o.defaults.sampling.dry_allowed_length, 3);
    EXPECT_EQ(o.defaults.sampling.dry_penalty_last_n, 128);
    EXPECT_EQ(stage_names(o.defaults.sampling.samplers), "top_k;temperature");
}

TEST(Options, BadSamplingDefaultsAreErrors) {
    auto error_for = [](std::vector<const char*> extra) {
        std::vector<const char*> argv = {"cria", "-m", "m.gguf"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return parse_server_options(static_cast<int>(argv.size()), argv.data(),
                                    [](const std::string&) { return std::optional<std::string>(); })
            .error;
    };
    EXPECT_NE(error_for({"--mirostat", "3"}).find("--mirostat"), std::string::npos);
    EXPECT_NE(error_for({"--samplers", "top_k;bogus"}).find("bogus"), std::string::npos);
    EXPECT_NE(error_for({"--typical", "1.5"}).find("--typical"), std::string::npos);
}

}  // namespace
}  // namespace cria

namespace cria {
namespace {

TEST(Options, EmbeddingModeAndPooling) {
    const char* argv[] = {"cria", "-m", "m.gguf", "--embeddings", "--pooling", "cls"};
    const auto out = parse_server_options(6, argv, [](const std::string&) { return std::optional<std::string>(); });
    ASSERT_TRUE(out.options.has_value()) << out.error;
    EXPECT_TRUE(out.options->engine.embedding);
    EXPECT_EQ(out.options->engine.pooling, "cls");
    const char* bad[] = {"cria", "-m", "m.gguf", "--pooling", "max"};
    EXPECT_NE(parse_server_options(5, bad, [](const std::string&) { return std::optional<std::string>(); }).error.find("--pooling"),
              std::string::npos);
}

TEST(Options, RerankIsEmbeddingModeWithRankPooling) {
    const auto none = [](const std::string&) { return std::optional<std::string>(); };
    for (const char* flag : {"--rerank", "--reranking"}) {
        const char* argv[] = {"cria", "-m", "m.gguf", flag};
        const auto out = parse_server_options(4, argv, none);
        ASSERT_TRUE(out.options.has_value()) << out.error;
        EXPECT_TRUE(out.options->engine.embedding);
        EXPECT_EQ(out.options->engine.pooling, "rank");
        EXPECT_TRUE(out.options->notices.empty());  // a real feature now, not a notice
    }
    const auto env = [](const std::string& name) {
        return name == "LLAMA_ARG_RERANKING" ? std::optional<std::string>("1") : std::optional<std::string>();
    };
    const char* argv[] = {"cria", "-m", "m.gguf"};
    EXPECT_EQ(parse_server_options(3, argv, env).options->engine.pooling, "rank");
}

}  // namespace
}  // namespace cria

namespace cria {
namespace {

TEST(Options, JinjaAndNoJinjaAreAcceptedWithoutANotice) {
    const auto env = [](const std::string&) { return std::optional<std::string>(); };
    const char* on[] = {"cria", "-m", "m.gguf", "--jinja"};
    EXPECT_TRUE(parse_server_options(4, on, env).options.has_value());
    const char* off[] = {"cria", "-m", "m.gguf", "--no-jinja"};
    const auto out = parse_server_options(4, off, env);
    ASSERT_TRUE(out.options.has_value()) << out.error;
    EXPECT_FALSE(out.options->jinja);
    EXPECT_TRUE(out.options->notices.empty());
}

}  // namespace
}  // namespace cria

// ---- speculative decoding ----

TEST(Options, SpeculativeDefaults) {
    const ServerOptions o = ok({});
    EXPECT_EQ(o.engine.speculative.draft_model_path, "");
    EXPECT_TRUE(o.engine.speculative.sources.empty());
    EXPECT_EQ(o.defaults.speculative.n_max, 16);
    EXPECT_EQ(o.defaults.speculative.n_min, 0);
    EXPECT_FLOAT_EQ(o.defaults.speculative.p_min, 0.75f);
    EXPECT_EQ(o.engine.speculative.n_gpu_layers_draft, -1);
    EXPECT_EQ(o.engine.speculative.n_ctx_draft, 0);
    // llama-server's defaults for the n-gram kinds.
    const cria::NgramConfig& ngram = o.engine.speculative.ngram;
    for (const auto* kind : {&ngram.simple, &ngram.map_k, &ngram.map_k4v}) {
        EXPECT_EQ(kind->size_n, 12);
        EXPECT_EQ(kind->size_m, 48);
        EXPECT_EQ(kind->min_hits, 1);
    }
    EXPECT_EQ(ngram.mod.n_match, 24);
    EXPECT_EQ(ngram.mod.n_min, 48);
    EXPECT_EQ(ngram.mod.n_max, 64);
    EXPECT_EQ(ngram.lookup_cache_static, "");
    EXPECT_EQ(ngram.lookup_cache_dynamic, "");
}

TEST(Options, DraftModelImpliesDraftSimple) {
    for (const char* name : {"-md", "--model-draft", "--spec-draft-model"}) {
        const ServerOptions o = ok({name, "draft.gguf"});
        EXPECT_EQ(o.engine.speculative.draft_model_path, "draft.gguf");
        EXPECT_EQ(type_names(o.engine.speculative.sources), (std::vector<std::string>{"draft-simple"}));
    }
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_SPEC_DRAFT_MODEL", "d.gguf"}}).engine.speculative.draft_model_path, "d.gguf");
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_MODEL_DRAFT", "d.gguf"}}).engine.speculative.draft_model_path, "d.gguf");
}

TEST(Options, SpeculativeForms) {
    for (const char* name : {"--draft-max", "--draft", "--draft-n", "--spec-draft-n-max"}) {
        EXPECT_EQ(ok({name, "5"}).defaults.speculative.n_max, 5) << name;
    }
    for (const char* name : {"--draft-min", "--draft-n-min", "--spec-draft-n-min"}) {
        EXPECT_EQ(ok({name, "2"}).defaults.speculative.n_min, 2) << name;
    }
    for (const char* name : {"--draft-p-min", "--spec-draft-p-min"}) {
        EXPECT_FLOAT_EQ(ok({name, "0.5"}).defaults.speculative.p_min, 0.5f) << name;
    }
    for (const char* name : {"-ngld", "--gpu-layers-draft", "--n-gpu-layers-draft", "--spec-draft-ngl"}) {
        EXPECT_EQ(ok({name, "3"}).engine.speculative.n_gpu_layers_draft, 3) << name;
    }
    EXPECT_EQ(ok({"-ngld", "all"}).engine.speculative.n_gpu_layers_draft, cria::kAllGpuLayers);
    EXPECT_EQ(ok({"-ngld", "auto"}).engine.speculative.n_gpu_layers_draft, -1);
    EXPECT_EQ(ok({"-cd", "512"}).engine.speculative.n_ctx_draft, 512);
    EXPECT_EQ(ok({"--ctx-size-draft", "256"}).engine.speculative.n_ctx_draft, 256);
    EXPECT_EQ(ok({"--spec-ngram-simple-size-n", "3"}).engine.speculative.ngram.simple.size_n, 3);
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_DRAFT_MAX", "7"}}).defaults.speculative.n_max, 7);
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_SPEC_DRAFT_N_MAX", "8"}}).defaults.speculative.n_max, 8);
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_DRAFT_MIN", "1"}}).defaults.speculative.n_min, 1);
    EXPECT_FLOAT_EQ(ok({}, {{"LLAMA_ARG_SPEC_DRAFT_P_MIN", "0.25"}}).defaults.speculative.p_min, 0.25f);
}

// The draft model's own settings: llama-server's names, values checked as their main-model forms.
TEST(Options, DraftModelSettings) {
    const ServerOptions d = ok({});
    EXPECT_EQ(d.engine.speculative.n_threads_draft, -1);
    EXPECT_EQ(d.engine.speculative.n_threads_batch_draft, -1);
    EXPECT_EQ(d.engine.speculative.n_ubatch_draft, 0);
    EXPECT_EQ(d.engine.speculative.cache_type_k_draft, "f16");  // llama-server's default, whatever -ctk says
    EXPECT_EQ(ok({"-ctk", "q8_0"}).engine.speculative.cache_type_k_draft, "f16");
    EXPECT_TRUE(d.engine.speculative.devices_draft.empty());
    EXPECT_EQ(d.engine.speculative.draft_hf_repo, "");
    for (const char* name : {"--spec-draft-threads", "-td", "--threads-draft"}) {
        EXPECT_EQ(ok({name, "3"}).engine.speculative.n_threads_draft, 3) << name;
    }
    for (const char* name : {"--spec-draft-threads-batch", "-tbd", "--threads-batch-draft"}) {
        EXPECT_EQ(ok({name, "5"}).engine.speculative.n_threads_batch_draft, 5) << name;
    }
    for (const char* name : {"--spec-draft-type-k", "-ctkd", "--cache-type-k-draft"}) {
        EXPECT_EQ(ok({name, "q8_0"}).engine.speculative.cache_type_k_draft, "q8_0") << name;
    }
    for (const char* name : {"--spec-draft-type-v", "-ctvd", "--cache-type-v-draft"}) {
        EXPECT_EQ(ok({name, "bf16"}).engine.speculative.cache_type_v_draft, "bf16") << name;
    }
    for (const char* name : {"--spec-draft-device", "-devd", "--device-draft"}) {
        EXPECT_EQ(ok({name, "CPU, none"}).engine.speculative.devices_draft, (std::vector<std::string>{"CPU", "none"})) << name;
    }
    for (const char* name : {"--spec-draft-override-tensor", "-otd", "--override-tensor-draft"}) {
        const ServerOptions o = ok({name, "a=CPU,b\\.c=CPU", name, "d=CPU"});
        ASSERT_EQ(o.engine.speculative.tensor_overrides_draft.size(), 3u) << name;
        EXPECT_EQ(o.engine.speculative.tensor_overrides_draft[1].pattern, "b\\.c");
        EXPECT_TRUE(o.engine.backend.tensor_overrides.empty());  // not the main model's
    }
    for (const char* name : {"--spec-draft-cpu-moe", "-cmoed", "--cpu-moe-draft"}) {
        const ServerOptions o = ok({name});
        EXPECT_TRUE(o.engine.speculative.cpu_moe_draft) << name;
        EXPECT_FALSE(o.engine.backend.cpu_moe);
    }
    for (const char* name : {"--spec-draft-n-cpu-moe", "--spec-draft-ncmoe", "-ncmoed", "--n-cpu-moe-draft"}) {
        EXPECT_EQ(ok({name, "2"}).engine.speculative.n_cpu_moe_draft, 2) << name;
    }
    EXPECT_EQ(ok({"--spec-draft-n-ubatch", "64"}).engine.speculative.n_ubatch_draft, 64);
    for (const char* name : {"--spec-draft-hf", "-hfd", "-hfrd", "--hf-repo-draft"}) {
        const ServerOptions o = ok({name, "user/draft:Q8_0"});
        EXPECT_EQ(o.engine.speculative.draft_hf_repo, "user/draft:Q8_0") << name;
        // Like -md, a draft model from the hub implies draft-simple.
        EXPECT_EQ(type_names(o.engine.speculative.sources), (std::vector<std::string>{"draft-simple"})) << name;
        EXPECT_EQ(o.download.hf_repo, "");  // not the main model's
    }
    const ServerOptions env = ok({}, {{"LLAMA_ARG_SPEC_DRAFT_CACHE_TYPE_K", "q4_0"}, {"LLAMA_ARG_SPEC_DRAFT_CACHE_TYPE_V", "q5_1"},
                                      {"LLAMA_ARG_SPEC_DRAFT_CPU_MOE", "1"}, {"LLAMA_ARG_SPEC_DRAFT_N_CPU_MOE", "4"},
                                      {"LLAMA_ARG_SPEC_DRAFT_N_UBATCH", "32"}, {"LLAMA_ARG_SPEC_DRAFT_HF_REPO", "u/r"}});
    EXPECT_EQ(env.engine.speculative.cache_type_k_draft, "q4_0");
    EXPECT_EQ(env.engine.speculative.cache_type_v_draft, "q5_1");
    EXPECT_TRUE(env.engine.speculative.cpu_moe_draft);
    EXPECT_EQ(env.engine.speculative.n_cpu_moe_draft, 4);
    EXPECT_EQ(env.engine.speculative.n_ubatch_draft, 32);
    EXPECT_EQ(env.engine.speculative.draft_hf_repo, "u/r");
    // Implemented: no notice any more.
    EXPECT_TRUE(notices({"-td", "2", "-tbd", "2", "-ctkd", "f32", "-ctvd", "f32", "-devd", "CPU", "-otd", "x=CPU", "-cmoed",
                         "-ncmoed", "1", "--spec-draft-n-ubatch", "16", "-hfd", "u/r"})
                    .empty());
}

TEST(Options, BadDraftModelSettingsAreErrorsNamingTheOption) {
    EXPECT_TRUE(contains(err({"-td", "0"}), "--spec-draft-threads"));
    EXPECT_TRUE(contains(err({"-tbd", "x"}), "--spec-draft-threads-batch"));
    EXPECT_TRUE(contains(err({"-ctkd", "q9"}), "--spec-draft-type-k"));
    EXPECT_TRUE(contains(err({"-ctvd", "int8"}), "--spec-draft-type-v"));
    EXPECT_TRUE(contains(err({"-devd", ","}), "--spec-draft-device"));
    EXPECT_TRUE(contains(err({"-otd", "noequals"}), "--spec-draft-override-tensor"));
    EXPECT_TRUE(contains(err({"-otd", "[=CPU"}), "not a valid regular expression"));
    EXPECT_TRUE(contains(err({"-ncmoed", "-1"}), "--spec-draft-n-cpu-moe"));
    EXPECT_TRUE(contains(err({"--spec-draft-n-ubatch", "-2"}), "--spec-draft-n-ubatch"));
    EXPECT_TRUE(contains(err({"-hfd", "not a repo"}), "--spec-draft-hf"));
    EXPECT_TRUE(contains(err({"--spec-type", "none", "-hfd", "u/r"}), "contradicts"));
}

TEST(Options, SpecTypes) {
    EXPECT_EQ(type_names(ok({"--spec-type", "ngram-simple"}).engine.speculative.sources), (std::vector<std::string>{"ngram-simple"}));
    EXPECT_EQ(type_names(ok({"--spec-type", "ngram-simple,draft-simple", "-md", "d.gguf"}).engine.speculative.sources),
              (std::vector<std::string>{"ngram-simple", "draft-simple"}));
    EXPECT_EQ(type_names(ok({"--spec-type", "NGRAM-simple"}).engine.speculative.sources), (std::vector<std::string>{"ngram-simple"}));
    EXPECT_TRUE(ok({"--spec-type", "none"}).engine.speculative.sources.empty());
    EXPECT_EQ(type_names(ok({}, {{"LLAMA_ARG_SPEC_TYPE", "ngram-simple"}}).engine.speculative.sources), (std::vector<std::string>{"ngram-simple"}));
}

TEST(Options, NgramKindsAndTheirOptions) {
    EXPECT_EQ(type_names(ok({"--spec-type", "ngram-map-k,ngram-map-k4v,ngram-mod,ngram-cache,ngram-simple"})
                             .engine.speculative.sources),
              (std::vector<std::string>{"ngram-map-k", "ngram-map-k4v", "ngram-mod", "ngram-cache", "ngram-simple"}));
    const ServerOptions o = ok({"--spec-ngram-simple-size-m", "5", "--spec-ngram-simple-min-hits", "2",
                                "--spec-ngram-map-k-size-n", "3", "--spec-ngram-map-k-size-m", "6",
                                "--spec-ngram-map-k-min-hits", "4", "--spec-ngram-map-k4v-size-n", "7",
                                "--spec-ngram-map-k4v-size-m", "8", "--spec-ngram-map-k4v-min-hits", "9",
                                "--spec-ngram-mod-n-match", "10", "--spec-ngram-mod-n-min", "11",
                                "--spec-ngram-mod-n-max", "12", "-lcs", "s.bin", "-lcd", "d.bin"});
    const cria::NgramConfig& n = o.engine.speculative.ngram;
    EXPECT_EQ(n.simple.size_m, 5);
    EXPECT_EQ(n.simple.min_hits, 2);
    EXPECT_EQ(n.map_k.size_n, 3);
    EXPECT_EQ(n.map_k.size_m, 6);
    EXPECT_EQ(n.map_k.min_hits, 4);
    EXPECT_EQ(n.map_k4v.size_n, 7);
    EXPECT_EQ(n.map_k4v.size_m, 8);
    EXPECT_EQ(n.map_k4v.min_hits, 9);
    EXPECT_EQ(n.mod.n_match, 10);
    EXPECT_EQ(n.mod.n_min, 11);
    EXPECT_EQ(n.mod.n_max, 12);
    EXPECT_EQ(n.lookup_cache_static, "s.bin");
    EXPECT_EQ(n.lookup_cache_dynamic, "d.bin");
    EXPECT_EQ(ok({"--lookup-cache-static", "a"}).engine.speculative.ngram.lookup_cache_static, "a");
    EXPECT_EQ(ok({"--lookup-cache-dynamic", "b"}).engine.speculative.ngram.lookup_cache_dynamic, "b");
    // llama-server's older shared names set every kind that has the value; a later own option wins.
    const ServerOptions old = ok({"--spec-ngram-size-n", "4", "--spec-ngram-size-m", "5", "--spec-ngram-min-hits", "3",
                                  "--spec-ngram-map-k-size-n", "6"});
    const cria::NgramConfig& m = old.engine.speculative.ngram;
    EXPECT_EQ(m.simple.size_n, 4);
    EXPECT_EQ(m.map_k.size_n, 6);
    EXPECT_EQ(m.map_k4v.size_n, 4);
    EXPECT_EQ(m.mod.n_match, 4);
    for (const auto* kind : {&m.simple, &m.map_k, &m.map_k4v}) {
        EXPECT_EQ(kind->size_m, 5);
        EXPECT_EQ(kind->min_hits, 3);
    }
    // The lookup caches serve ngram-cache only: without it a notice says they are unused.
    const ServerOptions unused = ok({"-lcs", "s.bin"});
    ASSERT_EQ(unused.notices.size(), 1u);
    EXPECT_TRUE(contains(unused.notices[0], "unused"));
    EXPECT_TRUE(ok({"--spec-type", "ngram-cache", "-lcs", "s.bin"}).notices.empty());
    EXPECT_TRUE(contains(err({"--spec-ngram-map-k-min-hits", "0"}), "--spec-ngram-map-k-min-hits"));
    EXPECT_TRUE(contains(err({"--spec-ngram-mod-n-max", "0"}), "must be between 1 and 1024"));
    EXPECT_TRUE(contains(err({"-lcs", ""}), "must not be empty"));
}

TEST(Options, SyntheticAcceptanceIsCheckedAgainstTheLongestDraft) {
    // ngram-simple drafts at most min(--spec-ngram-simple-size-m, --draft-max) = 3 tokens.
    const ServerOptions o = ok({"--spec-type", "ngram-simple", "--spec-ngram-simple-size-m", "3", "--spec-synth-rates",
                                "0.9,0.5,0.1"});
    ASSERT_EQ(o.engine.speculative.synthetic.accept.size(), 3u);
    EXPECT_EQ(o.notices.size(), 1u);  // "generated output is not valid"
    EXPECT_EQ(ok({"--spec-type", "ngram-simple", "--spec-synth-len", "2"}).engine.speculative.synthetic.accept.size(),
              16u);  // --draft-max 16
    EXPECT_EQ(ok({"--spec-type", "ngram-simple"}, {{"LLAMA_ARG_SPEC_SYNTH_LEN", "3"}}).engine.speculative.synthetic.accept.size(),
              16u);
    EXPECT_TRUE(contains(err({"--spec-type", "ngram-simple", "--spec-ngram-simple-size-m", "3", "--spec-synth-rates",
                              "0.9,0.5"}),
                         "one rate per draft position: 3"));
    EXPECT_TRUE(contains(err({"--spec-synth-len", "2"}), "needs speculative decoding"));
    EXPECT_TRUE(contains(err({"--spec-type", "ngram-simple", "--spec-synth-len", "40"}), "between 1 and 17"));
    EXPECT_TRUE(contains(err({"--spec-synth-rates", "a,b"}), "--spec-synth-rates"));
}

TEST(Options, BadSpeculativeOptionsAreErrors) {
    EXPECT_TRUE(contains(err({"--spec-type", "bogus"}), "unknown type 'bogus'"));
    // draft-eagle3 is built: it takes the EAGLE-3 model of -md, and only it does.
    const ServerOptions eagle = ok({"--spec-type", "draft-eagle3,ngram-simple", "-md", "e.gguf"});
    EXPECT_EQ(type_names(eagle.engine.speculative.sources), (std::vector<std::string>{"draft-eagle3", "ngram-simple"}));
    EXPECT_TRUE(eagle.notices.empty());
    EXPECT_TRUE(contains(err({"--spec-type", "draft-eagle3"}), "--spec-type draft-eagle3 needs a draft model"));
    EXPECT_TRUE(contains(err({"--spec-type", "draft-simple,draft-eagle3", "-md", "e.gguf"}), "each would read --model-draft"));
    // draft-mtp is built: the model's own NextN layers, no draft model needed.
    const ServerOptions mtp = ok({"--spec-type", "draft-mtp,ngram-simple"});
    EXPECT_EQ(type_names(mtp.engine.speculative.sources), (std::vector<std::string>{"draft-mtp", "ngram-simple"}));
    EXPECT_TRUE(mtp.notices.empty());
    // draft-dflash is built: it drafts with the DFlash model of -md (and needs one).
    const ServerOptions dflash = ok({"--spec-type", "draft-dflash", "-md", "d.gguf"});
    EXPECT_EQ(type_names(dflash.engine.speculative.sources), (std::vector<std::string>{"draft-dflash"}));
    EXPECT_EQ(dflash.engine.speculative.draft_model_path, "d.gguf");
    EXPECT_TRUE(dflash.notices.empty());
    EXPECT_TRUE(contains(err({"--spec-type", "draft-dflash"}), "--spec-type draft-dflash needs a draft model"));
    EXPECT_TRUE(contains(err({"--spec-type", "draft-dflash,draft-simple", "-md", "d.gguf"}), "each would read --model-draft"));
    const ServerOptions dspark = ok({"--spec-type", "draft-dspark", "-md", "d.gguf"});
    EXPECT_EQ(type_names(dspark.engine.speculative.sources), (std::vector<std::string>{"draft-dspark"}));
    EXPECT_TRUE(contains(err({"--spec-type", "draft-dspark,draft-dflash", "-md", "d.gguf"}), "each would read --model-draft"));
    EXPECT_TRUE(contains(err({"--spec-type", "none,ngram-simple"}), "'none' cannot be combined"));
    EXPECT_TRUE(contains(err({"--spec-type", "ngram-simple,ngram-simple"}), "given twice"));
    EXPECT_TRUE(contains(err({"--spec-type", "draft-simple"}), "needs a draft model"));
    EXPECT_TRUE(contains(err({"--spec-type", "none", "-md", "d.gguf"}), "contradicts --model-draft"));
    EXPECT_TRUE(contains(err({"--spec-type", "ngram-simple", "-md", "d.gguf"}), "lists no kind that uses it"));
    EXPECT_TRUE(contains(err({"--spec-type", "ngram-simple", "--embedding"}), "cannot be used with --embedding"));
    EXPECT_TRUE(contains(err({"-md", "d.gguf", "--grp-attn-n", "2"}), "cannot be combined with self-extend"));
    EXPECT_TRUE(contains(err({"--draft-min", "5", "--draft-max", "4"}), "--draft-min (5) is above --draft-max (4)"));
    EXPECT_TRUE(contains(err({"--draft-max", "-1"}), "--draft-max"));
    EXPECT_TRUE(contains(err({"--draft-p-min", "1.5"}), "must be between 0 and 1"));
    EXPECT_TRUE(contains(err({"-md", ""}), "must not be empty"));
    EXPECT_TRUE(contains(err({"--spec-ngram-simple-size-n", "0"}), "must be between 1 and 1024"));
}
// ---- LoRA adapters ----

TEST(Options, LoraAdaptersInOrderWithTheirScales) {
    const ServerOptions o = ok({"--lora", "a.gguf", "--lora-scaled", "b.gguf", "0.5", "--lora", "c.gguf,d.gguf",
                                "--lora-scaled", "e.gguf:-1.5,f.gguf:2", "--lora-scaled=g.gguf", "0"});
    ASSERT_EQ(o.engine.lora_adapters.size(), 7u);
    const std::vector<std::pair<std::string, float>> expected = {{"a.gguf", 1.0f},  {"b.gguf", 0.5f}, {"c.gguf", 1.0f},
                                                                 {"d.gguf", 1.0f},  {"e.gguf", -1.5f}, {"f.gguf", 2.0f},
                                                                 {"g.gguf", 0.0f}};
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(o.engine.lora_adapters[i].path, expected[i].first) << i;
        EXPECT_FLOAT_EQ(o.engine.lora_adapters[i].scale, expected[i].second) << i;
    }
}

TEST(Options, LoraScaledTwoValueFormTakesTheNextArgumentEvenIfItLooksLikeAnOption) {
    // The seed's form: FNAME SCALE. A negative scale starts with '-' and is still the scale.
    const ServerOptions o = ok({"--lora-scaled", "x.gguf", "-0.25", "-c", "128"});
    ASSERT_EQ(o.engine.lora_adapters.size(), 1u);
    EXPECT_FLOAT_EQ(o.engine.lora_adapters[0].scale, -0.25f);
    EXPECT_EQ(o.engine.n_ctx, 128);
    // A path with a colon that is not followed by a number still takes a second value.
    const ServerOptions p = ok({"--lora-scaled", "dir:x/a.gguf", "0.5"});
    ASSERT_EQ(p.engine.lora_adapters.size(), 1u);
    EXPECT_EQ(p.engine.lora_adapters[0].path, "dir:x/a.gguf");
}

TEST(Options, LoraErrorsNameTheOption) {
    EXPECT_TRUE(contains(err({"--lora-scaled", "x.gguf"}), "--lora-scaled needs two values (FNAME SCALE)"));
    const std::string bad_scale = err({"--lora-scaled", "x.gguf", "big"});
    EXPECT_TRUE(contains(bad_scale, "--lora-scaled") && contains(bad_scale, "'x.gguf big'") &&
                contains(bad_scale, "not a number"))
        << bad_scale;
    EXPECT_TRUE(contains(err({"--lora-scaled", "a.gguf,b.gguf:1"}), "expected FNAME SCALE, or FNAME:SCALE"));
    EXPECT_TRUE(contains(err({"--lora-scaled", "a.gguf:1,b.gguf"}), "needs two values"));
    EXPECT_TRUE(contains(err({"--lora", "a.gguf,,b.gguf"}), "--lora"));
    EXPECT_TRUE(contains(err({"--lora"}), "--lora needs a value"));
}

TEST(Options, LoraBaseIsAcceptedAndKept) {
    EXPECT_EQ(ok({"--lora", "a.gguf", "--lora-base", "base.gguf"}).lora_base, "base.gguf");
    EXPECT_TRUE(contains(cria::server_options_help(), "libllama now applies adapters"));
}

// ---- self-extend ----

TEST(Options, SelfExtendOptions) {
    const ServerOptions o = ok({"-gan", "4", "-gaw", "256"});
    EXPECT_EQ(o.engine.grp_attn_n, 4);
    EXPECT_EQ(o.engine.grp_attn_w, 256);
    EXPECT_EQ(ok({"--grp-attn-n", "1", "--grp-attn-w", "7"}).engine.grp_attn_w, 7);  // off: any width
    EXPECT_TRUE(contains(err({"--grp-attn-n", "0"}), "--grp-attn-n"));
    EXPECT_TRUE(contains(err({"--grp-attn-w", "0"}), "--grp-attn-w"));
    EXPECT_EQ(err({"--grp-attn-n", "3", "--grp-attn-w", "512"}),
              "--grp-attn-w (512) must be a multiple of --grp-attn-n (3)");
    EXPECT_TRUE(contains(err({"--grp-attn-n", "4", "--kv-unified"}), "--kv-unified"));
    EXPECT_TRUE(contains(err({"--grp-attn-n", "4", "--embedding"}), "--embedding"));
}

// ---- pass-through options ----

TEST(Options, NumaWithOrWithoutAStrategy) {
    EXPECT_EQ(ok({"--numa", "isolate"}).engine.numa, "isolate");
    EXPECT_EQ(ok({"--numa=numactl"}).engine.numa, "numactl");
    // Alone (the seed's older form): distribute; the next option is not taken as its value.
    const ServerOptions o = ok({"--numa", "-c", "256"});
    EXPECT_EQ(o.engine.numa, "distribute");
    EXPECT_EQ(o.engine.n_ctx, 256);
    EXPECT_EQ(ok({"-c", "256", "--numa"}).engine.numa, "distribute");
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_NUMA", "distribute"}}).engine.numa, "distribute");
    EXPECT_TRUE(contains(err({"--numa=sideways"}), "must be one of distribute, isolate, numactl"));
    EXPECT_TRUE(contains(cria::server_options_help(), "--numa [{distribute,isolate,numactl}]"));
}

TEST(Options, SplitMode) {
    EXPECT_EQ(ok({"-sm", "none"}).engine.split_mode, "none");
    EXPECT_EQ(ok({"--split-mode", "ROW"}).engine.split_mode, "row");
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_SPLIT_MODE", "layer"}}).engine.split_mode, "layer");
    EXPECT_TRUE(contains(err({"-sm", "diagonal"}), "--split-mode"));
}

// ---- HTTPS, CORS and log verbosity ----
namespace {

TEST(Options, HttpsNeedsBothKeyAndCertificate) {
    const ServerOptions o = ok({"--ssl-key-file", "k.pem", "--ssl-cert-file", "c.pem"});
    EXPECT_EQ(o.http.ssl_key_file, "k.pem");
    EXPECT_EQ(o.http.ssl_cert_file, "c.pem");
    EXPECT_TRUE(contains(err({"--ssl-key-file", "k.pem"}), "both --ssl-key-file and --ssl-cert-file"));
    EXPECT_TRUE(contains(err({"--ssl-cert-file", "c.pem"}), "both --ssl-key-file and --ssl-cert-file"));
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_SSL_KEY_FILE", "k"}, {"LLAMA_ARG_SSL_CERT_FILE", "c"}}).http.ssl_cert_file, "c");
}

TEST(Options, CorsOptions) {
    const ServerOptions d = ok({});
    EXPECT_EQ(d.http.cors.origins, std::vector<std::string>{"*"});
    EXPECT_TRUE(d.http.cors.credentials);
    const ServerOptions o = ok({"--cors-origins", "https://a.example/, http://b.example:3000", "--cors-methods", "GET",
                                "--cors-headers", "Authorization", "--no-cors-credentials"});
    EXPECT_EQ(o.http.cors.origins, (std::vector<std::string>{"https://a.example", "http://b.example:3000"}));
    EXPECT_EQ(o.http.cors.methods, "GET");
    EXPECT_EQ(o.http.cors.headers, "Authorization");
    EXPECT_FALSE(o.http.cors.credentials);
    EXPECT_TRUE(contains(err({"--cors-origins", ","}), "--cors-origins"));
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_CORS_ORIGINS", "http://x"}}).http.cors.origins, std::vector<std::string>{"http://x"});
}

TEST(Options, LogVerbosity) {
    EXPECT_EQ(ok({}).log_verbosity, 3);
    EXPECT_EQ(ok({"-lv", "5"}).log_verbosity, 5);
    EXPECT_EQ(ok({"--log-verbosity", "0"}).log_verbosity, 0);
    EXPECT_TRUE(contains(err({"-lv", "-1"}), "-lv"));
}

}  // namespace

// ---- RoPE, YaRN and KV-cache options ----
namespace {

TEST(Options, RopeAndYarnPassThrough) {
    const ServerOptions d = ok({});
    EXPECT_EQ(d.engine.tuning.rope_scaling, "");
    EXPECT_EQ(d.engine.tuning.rope_freq_base, 0.0f);
    EXPECT_EQ(d.engine.tuning.yarn_ext_factor, -1.0f);
    const ServerOptions o = ok({"--rope-scaling", "yarn", "--rope-freq-base", "500000", "--yarn-orig-ctx", "4096",
                                "--yarn-ext-factor", "0.5", "--yarn-attn-factor", "1.1", "--yarn-beta-slow", "2",
                                "--yarn-beta-fast", "30"});
    EXPECT_EQ(o.engine.tuning.rope_scaling, "yarn");
    EXPECT_EQ(o.engine.tuning.rope_freq_base, 500000.0f);
    EXPECT_EQ(o.engine.tuning.yarn_orig_ctx, 4096);
    EXPECT_FLOAT_EQ(o.engine.tuning.yarn_ext_factor, 0.5f);
    EXPECT_FLOAT_EQ(o.engine.tuning.yarn_attn_factor, 1.1f);
    EXPECT_EQ(o.engine.tuning.yarn_beta_slow, 2.0f);
    EXPECT_EQ(o.engine.tuning.yarn_beta_fast, 30.0f);
    // --rope-scale N is --rope-freq-scale 1/N; the last one given wins.
    EXPECT_FLOAT_EQ(ok({"--rope-scale", "4"}).engine.tuning.rope_freq_scale, 0.25f);
    EXPECT_FLOAT_EQ(ok({"--rope-scale", "4", "--rope-freq-scale", "0.5"}).engine.tuning.rope_freq_scale, 0.5f);
    EXPECT_TRUE(contains(err({"--rope-scale", "0"}), "--rope-scale"));
    EXPECT_TRUE(contains(err({"--rope-scaling", "longrope"}), "--rope-scaling"));
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_ROPE_FREQ_BASE", "10000"}}).engine.tuning.rope_freq_base, 10000.0f);
}

TEST(Options, KvCacheOptions) {
    const ServerOptions d = ok({});
    EXPECT_EQ(d.engine.tuning.cache_type_k, "f16");
    EXPECT_TRUE(d.engine.tuning.kv_offload);
    EXPECT_FALSE(d.engine.tuning.swa_full);
    EXPECT_TRUE(d.engine.context_shift);
    EXPECT_TRUE(d.defaults.cache_prompt);
    EXPECT_TRUE(d.engine.warmup);
    EXPECT_EQ(d.defaults.n_keep, 0);
    const ServerOptions o = ok({"-ctk", "q8_0", "--cache-type-v", "Q4_0", "-nkvo", "--swa-full", "--no-context-shift",
                                "--keep", "-1", "--no-cache-prompt", "--no-warmup", "-dt", "0.1"});
    EXPECT_EQ(o.engine.tuning.cache_type_k, "q8_0");
    EXPECT_EQ(o.engine.tuning.cache_type_v, "q4_0");
    EXPECT_FALSE(o.engine.tuning.kv_offload);
    EXPECT_TRUE(o.engine.tuning.swa_full);
    EXPECT_FALSE(o.engine.context_shift);
    EXPECT_EQ(o.defaults.n_keep, -1);
    EXPECT_FALSE(o.defaults.cache_prompt);
    EXPECT_FALSE(o.engine.warmup);
    EXPECT_FLOAT_EQ(o.engine.tuning.defrag_thold, 0.1f);
    EXPECT_TRUE(contains(err({"-ctk", "q3_k"}), "-ctk"));
    EXPECT_TRUE(contains(err({"--keep", "-2"}), "--keep"));
    EXPECT_EQ(ok({}, {{"LLAMA_ARG_CACHE_TYPE_K", "bf16"}}).engine.tuning.cache_type_k, "bf16");
    EXPECT_FALSE(ok({}, {{"LLAMA_ARG_CONTEXT_SHIFT", "0"}}).engine.context_shift);
}

}  // namespace

// ---- requests' defaults: --ignore-eos, -l, --grammar, -j, --sampling-seq; model loading ----
namespace {

TEST(Options, DefaultsOptionsAreSupportedAndInTheSupportedPartOfHelp) {
    const std::string help = cria::server_options_help();
    const auto unsupported = help.find("----- accepted for llama-server compatibility");
    for (const std::string s : {"--ignore-eos", "--logit-bias", "--grammar-file", "--json-schema-file", "--sampling-seq",
                                "--check-tensors", "--override-kv"}) {
        const auto at = help.find(" " + s);
        ASSERT_NE(at, std::string::npos) << s;
        EXPECT_LT(at, unsupported) << s;
    }
}

TEST(Options, IgnoreEosAndCheckTensorsAreFlags) {
    const ServerOptions plain = ok({});
    EXPECT_FALSE(plain.defaults.ignore_eos);
    EXPECT_FALSE(plain.engine.check_tensors);
    EXPECT_TRUE(plain.defaults.logit_bias.empty());
    EXPECT_TRUE(plain.defaults.grammar.empty());
    EXPECT_TRUE(plain.engine.kv_overrides.empty());
    const ServerOptions o = ok({"--ignore-eos", "--check-tensors"});
    EXPECT_TRUE(o.defaults.ignore_eos);
    EXPECT_TRUE(o.engine.check_tensors);
}

TEST(Options, LogitBiasIsRepeatableWithSignedBiasesAndInf) {
    const ServerOptions o = ok({"-l", "15043+1", "--logit-bias", "7-0.5", "-l", "2-inf", "--logit-bias=9+inf"});
    ASSERT_EQ(o.defaults.logit_bias.size(), 4u);
    EXPECT_EQ(o.defaults.logit_bias[0].token, 15043);
    EXPECT_FLOAT_EQ(o.defaults.logit_bias[0].bias, 1.0f);
    EXPECT_EQ(o.defaults.logit_bias[1].token, 7);
    EXPECT_FLOAT_EQ(o.defaults.logit_bias[1].bias, -0.5f);
    EXPECT_EQ(o.defaults.logit_bias[2].token, 2);
    EXPECT_TRUE(std::isinf(o.defaults.logit_bias[2].bias) && o.defaults.logit_bias[2].bias < 0);
    EXPECT_TRUE(std::isinf(o.defaults.logit_bias[3].bias) && o.defaults.logit_bias[3].bias > 0);
    for (const std::string bad : {"15043", "abc+1", "-5+1", "15043+x", "15043+", "+1", "15043*2"}) {
        const std::string e = err({"-l", bad});
        EXPECT_TRUE(contains(e, "--logit-bias")) << bad << ": " << e;
    }
}

TEST(Options, GrammarFromTextOrFileIsSyntaxChecked) {
    const ServerOptions o = ok({"--grammar", "root ::= \"yes\" | \"no\""});
    EXPECT_EQ(o.defaults.grammar, "root ::= \"yes\" | \"no\"");
    EXPECT_EQ(o.grammar_option, "--grammar");
    const std::string e = err({"--grammar", "root ::= \"unterminated"});
    EXPECT_TRUE(contains(e, "--grammar")) << e;
    EXPECT_TRUE(contains(e, "invalid grammar")) << e;
    EXPECT_TRUE(contains(err({"--grammar", "start ::= \"x\""}), "root")) << "a grammar needs a root rule";

    TempFile file("root ::= [a-z]+\n");
    const ServerOptions from_file = ok({"--grammar-file", file.path()});
    EXPECT_EQ(from_file.defaults.grammar, "root ::= [a-z]+\n");
    EXPECT_EQ(from_file.grammar_option, "--grammar-file");
    EXPECT_TRUE(contains(err({"--grammar-file", "/nonexistent/g.gbnf"}), "--grammar-file"));
    TempFile broken("root ::= (\n");
    EXPECT_TRUE(contains(err({"--grammar-file", broken.path()}), "--grammar-file"));
}

TEST(Options, JsonSchemaBecomesTheDefaultGrammar) {
    const ServerOptions o = ok({"-j", R"({"type": "object", "properties": {"b": {"type": "integer"}, "a": {"type": "boolean"}}, "required": ["b", "a"]})"});
    ASSERT_FALSE(o.defaults.grammar.empty());
    EXPECT_EQ(o.grammar_option, "--json-schema");
    EXPECT_TRUE(contains(o.defaults.grammar, "root")) << o.defaults.grammar;
    // Written order kept: "b" comes before "a" in the grammar.
    EXPECT_LT(o.defaults.grammar.find("\\\"b\\\""), o.defaults.grammar.find("\\\"a\\\"")) << o.defaults.grammar;
    EXPECT_TRUE(contains(err({"-j", "{not json"}), "--json-schema"));
    EXPECT_TRUE(contains(err({"-j", "42"}), "--json-schema"));
    const std::string unsupported = err({"--json-schema", R"({"type": "string", "not": {}})"});
    EXPECT_TRUE(contains(unsupported, "--json-schema")) << unsupported;
    EXPECT_TRUE(contains(unsupported, "not")) << unsupported;

    TempFile file(R"({"type": "boolean"})");
    const ServerOptions from_file = ok({"-jf", file.path()});
    EXPECT_EQ(from_file.grammar_option, "--json-schema-file");
    EXPECT_TRUE(contains(from_file.defaults.grammar, "true")) << from_file.defaults.grammar;
    EXPECT_TRUE(contains(err({"--json-schema-file", "/nonexistent/s.json"}), "--json-schema-file"));
    // The last of the grammar options wins.
    EXPECT_EQ(ok({"-j", R"({"type": "boolean"})", "--grammar", "root ::= \"x\""}).defaults.grammar, "root ::= \"x\"");
}

TEST(Options, SamplingSeqLettersBecomeTheSamplerOrder) {
    EXPECT_EQ(stage_names(ok({"--sampling-seq", "edskypmxt"}).defaults.sampling.samplers),
              "penalties;dry;top_n_sigma;top_k;typical_p;top_p;min_p;xtc;temperature");
    EXPECT_EQ(stage_names(ok({"--sampler-seq", "kt"}).defaults.sampling.samplers), "top_k;temperature");
    // It and --samplers set the same thing: the last one wins.
    EXPECT_EQ(stage_names(ok({"--samplers", "min_p", "--sampling-seq", "pt"}).defaults.sampling.samplers), "top_p;temperature");
    EXPECT_EQ(stage_names(ok({"--sampling-seq", "pt", "--samplers", "min_p"}).defaults.sampling.samplers), "min_p");
    const std::string e = err({"--sampling-seq", "kqt"});
    EXPECT_TRUE(contains(e, "--sampling-seq")) << e;
    EXPECT_TRUE(contains(e, "'q'")) << e;
    EXPECT_TRUE(contains(err({"--sampling-seq", ""}), "--sampling-seq"));
}

TEST(Options, AdaptivePIsASamplerStageWithItsTargetAndDecay) {
    const ServerOptions o = ok({"--adaptive-target", "0.4", "--adaptive-decay", "0.5", "--sampler-seq", "ka"});
    EXPECT_FLOAT_EQ(o.defaults.sampling.adaptive_target, 0.4f);
    EXPECT_FLOAT_EQ(o.defaults.sampling.adaptive_decay, 0.5f);
    EXPECT_EQ(stage_names(o.defaults.sampling.samplers), "top_k;adaptive_p");
    EXPECT_TRUE(o.notices.empty()) << o.notices.front();
    EXPECT_EQ(stage_names(ok({"--samplers", "min_p;adaptive-p"}).defaults.sampling.samplers), "min_p;adaptive_p");
    EXPECT_FLOAT_EQ(ok({}).defaults.sampling.adaptive_target, -1.0f);  // off
    EXPECT_FLOAT_EQ(ok({}).defaults.sampling.adaptive_decay, 0.9f);
    EXPECT_TRUE(contains(err({"--adaptive-decay", "0.995"}), "--adaptive-decay"));
    EXPECT_TRUE(contains(err({"--adaptive-target", "1.5"}), "--adaptive-target"));
}

TEST(Options, KvUnifiedPerSlotCapsSlotsAndSizesThePoolWithoutCtxSize) {
    const ServerOptions sized = ok({"-np", "3", "--kv-unified-per-slot", "512"});
    EXPECT_EQ(sized.engine.n_ctx_slot_max, 512);
    EXPECT_EQ(sized.engine.n_ctx, 1536);  // -np times N: no -c
    EXPECT_TRUE(sized.notices.empty()) << sized.notices.front();
    // In any order, from the environment too.
    EXPECT_EQ(ok({"--kv-unified-per-slot", "512", "-np", "2"}).engine.n_ctx, 1024);
    EXPECT_EQ(ok({"-np", "2"}, {{"LLAMA_ARG_KV_UNIFIED_PER_SLOT", "256"}}).engine.n_ctx, 512);
    // -c given (even 0, the model's own context): the pool is what -c says; slots are only capped.
    const ServerOptions capped = ok({"-c", "8192", "-np", "2", "--kv-unified-per-slot", "512"});
    EXPECT_EQ(capped.engine.n_ctx, 8192);
    EXPECT_EQ(capped.engine.n_ctx_slot_max, 512);
    EXPECT_EQ(ok({"-c", "0", "--kv-unified-per-slot", "512"}).engine.n_ctx, 0);
    EXPECT_EQ(ok({"-np", "2"}).engine.n_ctx_slot_max, 0);  // unset: no cap
    EXPECT_EQ(ok({"-np", "2"}).engine.n_ctx, 4096);
    EXPECT_TRUE(contains(err({"--kv-unified-per-slot", "0"}), "--kv-unified-per-slot"));
}

TEST(Options, CacheIdleSlotsIsOnByDefault) {
    EXPECT_TRUE(ok({}).engine.prompt_cache.cache_idle_slots);
    const ServerOptions off = ok({"--no-cache-idle-slots"});
    EXPECT_FALSE(off.engine.prompt_cache.cache_idle_slots);
    EXPECT_TRUE(off.notices.empty()) << off.notices.front();
    EXPECT_FALSE(ok({}, {{"LLAMA_ARG_CACHE_IDLE_SLOTS", "false"}}).engine.prompt_cache.cache_idle_slots);
}

TEST(Options, OverrideKvParsesEachType) {
    const ServerOptions o = ok({"--override-kv", "a.int=int:-3,a.float=float:0.5", "--override-kv",
                                "tokenizer.ggml.add_bos_token=bool:false", "--override-kv", "a.str=str:hello"});
    using Type = cria::MetadataOverride::Type;
    ASSERT_EQ(o.engine.kv_overrides.size(), 4u);
    EXPECT_EQ(o.engine.kv_overrides[0].key, "a.int");
    EXPECT_EQ(o.engine.kv_overrides[0].type, Type::integer);
    EXPECT_EQ(o.engine.kv_overrides[0].int_value, -3);
    EXPECT_EQ(o.engine.kv_overrides[1].type, Type::floating);
    EXPECT_DOUBLE_EQ(o.engine.kv_overrides[1].float_value, 0.5);
    EXPECT_EQ(o.engine.kv_overrides[2].key, "tokenizer.ggml.add_bos_token");
    EXPECT_EQ(o.engine.kv_overrides[2].type, Type::boolean);
    EXPECT_FALSE(o.engine.kv_overrides[2].bool_value);
    EXPECT_EQ(o.engine.kv_overrides[3].type, Type::text);
    EXPECT_EQ(o.engine.kv_overrides[3].text_value, "hello");
    for (const std::string& bad : std::vector<std::string>{"novalue", "k=int", "=int:1", "k=int:x", "k=float:y", "k=bool:yes", "k=list:1",
                                  "k=str:" + std::string(128, 'x'), std::string(128, 'k') + "=int:1"}) {
        const std::string e = err({"--override-kv", bad});
        EXPECT_TRUE(contains(e, "--override-kv")) << bad << ": " << e;
    }
}

}  // namespace

// A directory given where a file is read opens as a stream, and its first read throws from inside
// libstdc++: each such option is an error naming it (found by fuzz_options: `-jf /`).
TEST(Options, AFileOptionGivenADirectoryIsAnErrorNotAThrow) {
    for (const char* option : {"-jf", "--grammar-file", "--chat-template-file", "--api-key-file", "--ui-config-file"}) {
        ParseOutcome out;
        ASSERT_NO_THROW(out = parse({"-m", "model.gguf", option, "/"})) << option;
        EXPECT_FALSE(out.options.has_value()) << option;
        EXPECT_NE(out.error.find("a directory"), std::string::npos) << option << ": " << out.error;
        EXPECT_NE(out.error.find(option), std::string::npos) << option << ": " << out.error;
    }
}

namespace cria {
namespace {

TEST(Options, VideoOptionsReachTheProjectorAndTheRequestLimits) {
    const ServerOptions d = ok({});
    EXPECT_FLOAT_EQ(d.engine.backend.video.fps, 4.0f);  // llama-server's defaults
    EXPECT_EQ(d.engine.backend.video.timestamp_interval_ms, 5000);
    EXPECT_EQ(d.engine.backend.video.ffmpeg_dir, "");
    EXPECT_TRUE(d.notices.empty());
    const ServerOptions o = ok({"--video-fps", "2.5", "--video-timestamp-interval", "0", "--video-ffmpeg-dir", "/opt/ff",
                                "--max-video-size", "1000", "--max-videos", "2", "--max-video-frames", "9"});
    EXPECT_FLOAT_EQ(o.engine.backend.video.fps, 2.5f);
    EXPECT_EQ(o.engine.backend.video.timestamp_interval_ms, 0);
    EXPECT_EQ(o.engine.backend.video.ffmpeg_dir, "/opt/ff");
    EXPECT_EQ(o.defaults.limits.max_video_bytes, 1000);
    EXPECT_EQ(o.defaults.limits.max_videos, 2);
    EXPECT_EQ(o.defaults.limits.max_video_frames, 9);
    EXPECT_TRUE(o.notices.empty());
    const ServerOptions env = ok({}, {{"LLAMA_ARG_VIDEO_FPS", "1"}, {"LLAMA_ARG_VIDEO_FFMPEG_DIR", "/x"}});
    EXPECT_FLOAT_EQ(env.engine.backend.video.fps, 1.0f);
    EXPECT_EQ(env.engine.backend.video.ffmpeg_dir, "/x");
    // A data URL never decodes to more than the 32 MiB body limit: a larger limit would mislead.
    EXPECT_NE(err({"--max-video-size", "33554433"}).find("--max-video-size"), std::string::npos);
    EXPECT_NE(err({"--video-fps", "-1"}).find("--video-fps"), std::string::npos);
    EXPECT_NE(err({"--video-ffmpeg-dir", ""}).find("--video-ffmpeg-dir"), std::string::npos);
}

}  // namespace
}  // namespace cria
