// The router's preset file (llama-server's INI format) and how its entries become a child's
// command-line arguments.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "router/model_catalog.h"
#include "router/option_arguments.h"
#include "router/preset_ini.h"

namespace {

using cria::router::ModelSpec;
using cria::router::PresetError;
using cria::router::apply_preset;
using cria::router::parse_preset_ini;
using cria::router::preset_entry_arguments;
using cria::router::without_options;
using Args = std::vector<std::string>;

TEST(RouterPresetIni, SectionsEntriesCommentsAndQuotes) {
    const auto sections = parse_preset_ini(
        "version = 1\n"
        "; a comment\n# another\n\n"
        "[*]\n  c = 512 \n"
        "[my/model:Q8]\r\nmodel = \"/m/a b.gguf\"\ntemp='0.5'\njinja = true\n");
    ASSERT_EQ(sections.size(), 3u);
    EXPECT_EQ(sections[0].name, "");
    ASSERT_EQ(sections[0].entries.size(), 1u);
    EXPECT_EQ(sections[0].entries[0], (std::pair<std::string, std::string>{"version", "1"}));
    EXPECT_EQ(sections[1].name, "*");
    EXPECT_EQ(sections[1].entries[0], (std::pair<std::string, std::string>{"c", "512"}));
    EXPECT_EQ(sections[2].name, "my/model:Q8");
    EXPECT_EQ(sections[2].line, 7);
    EXPECT_EQ(sections[2].entries[0].second, "/m/a b.gguf");
    EXPECT_EQ(sections[2].entries[1].second, "0.5");
}

TEST(RouterPresetIni, MalformedFilesNameTheLine) {
    const auto error_of = [](const std::string& text) {
        try {
            parse_preset_ini(text);
        } catch (const PresetError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(error_of("[a]\njust words\n"), "line 2: expected `key = value`, `[section]` or a comment");
    EXPECT_EQ(error_of("[a\n"), "line 1: a section name must end with ']'");
    EXPECT_EQ(error_of("[ ]\n"), "line 1: empty section name");
    EXPECT_EQ(error_of("[a]\n[b]\n[a]\n"), "line 3: section [a] appears twice");
    EXPECT_EQ(error_of("[a]\n = 3\n"), "line 2: a key is missing before '='");
    EXPECT_NE(error_of(std::string(cria::router::kMaxPresetBytes + 1, ';')), "no error");
}

TEST(RouterPresetArguments, KeysBecomeTheOptionsCriaAccepts) {
    EXPECT_EQ(preset_entry_arguments("ctx-size", "512"), (Args{"--ctx-size", "512"}));
    EXPECT_EQ(preset_entry_arguments("c", "512"), (Args{"--ctx-size", "512"}));
    EXPECT_EQ(preset_entry_arguments("LLAMA_ARG_CTX_SIZE", "512"), (Args{"--ctx-size", "512"}));
    EXPECT_EQ(preset_entry_arguments("mmap", "false"), (Args{"--no-mmap"}));
    EXPECT_EQ(preset_entry_arguments("no-mmap", "true"), (Args{"--no-mmap"}));
    EXPECT_EQ(preset_entry_arguments("mmap", "on"), (Args{"--mmap"}));
    EXPECT_THROW(preset_entry_arguments("no-such-option", "1"), std::invalid_argument);
    EXPECT_THROW(preset_entry_arguments("port", "80"), std::invalid_argument);  // the router's own
    EXPECT_THROW(preset_entry_arguments("models-dir", "/x"), std::invalid_argument);
    EXPECT_THROW(preset_entry_arguments("mmap", "perhaps"), std::invalid_argument);
}

TEST(RouterPreset, AppliesToDiscoveredModelsAndAddsNewOnes) {
    std::vector<ModelSpec> models(1);
    models[0].name = "tiny";
    models[0].model_path = "/d/tiny.gguf";
    models[0].source = "models_dir";
    apply_preset(parse_preset_ini("[*]\nc = 256\n[tiny]\nc = 512\nload-on-startup = true\n"
                                  "[extra]\nmodel = /elsewhere/x.gguf\nmmproj = /elsewhere/p.gguf\nstop-timeout = 3\n"),
                 &models);
    ASSERT_EQ(models.size(), 2u);
    // [*] first, the model's own section after it: the child's parser keeps the last value.
    EXPECT_EQ(models[0].preset_args, (Args{"--ctx-size", "256", "--ctx-size", "512"}));
    EXPECT_TRUE(models[0].load_on_startup);
    EXPECT_EQ(models[1].name, "extra");
    EXPECT_EQ(models[1].source, "preset");
    EXPECT_EQ(models[1].model_path, "/elsewhere/x.gguf");
    EXPECT_EQ(models[1].mmproj_path, "/elsewhere/p.gguf");
    EXPECT_EQ(models[1].stop_timeout_s, 3);
    EXPECT_EQ(models[1].preset_args, (Args{"--ctx-size", "256"}));
    EXPECT_FALSE(models[1].load_on_startup);
}

TEST(RouterPreset, RefusesASectionWithoutAModelAndBadKeys) {
    std::vector<ModelSpec> models;
    EXPECT_THROW(apply_preset(parse_preset_ini("[ghost]\nc = 1\n"), &models), PresetError);
    models.clear();
    EXPECT_THROW(apply_preset(parse_preset_ini("[m]\nmodel = /x.gguf\nhost = 0.0.0.0\n"), &models), PresetError);
    models.clear();
    EXPECT_NO_THROW(apply_preset(parse_preset_ini("[m]\nhf-repo = someone/some-model\n"), &models));
}

TEST(RouterChildArguments, RouterOptionsAreDroppedInEveryForm) {
    const Args args = {"--port", "8080", "-c", "512", "--host=0.0.0.0", "--models-dir", "/m", "--no-models-autoload",
                       "--models-max", "1", "-np", "2", "--sleep-idle-seconds", "5", "--alias", "x", "--metrics"};
    EXPECT_EQ(without_options(args, cria::router::router_only_options()),
              (Args{"-c", "512", "-np", "2", "--metrics"}));
    // An option with an optional value (--numa) keeps exactly its own arguments.
    EXPECT_EQ(without_options({"--numa", "--port", "1", "-c", "8"}, {"--port"}), (Args{"--numa", "-c", "8"}));
    EXPECT_EQ(without_options({"--numa", "isolate", "--port", "1"}, {"--port"}), (Args{"--numa", "isolate"}));
}

}  // namespace
