// Model discovery in --models-dir: names, projectors and draft models paired by name, shards,
// one-model directories, and what is skipped.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "router/model_catalog.h"

namespace {

namespace fs = std::filesystem;
using cria::router::ModelSpec;
using cria::router::discover_models;

class RouterCatalog : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("cria-router-catalog-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    void touch(const std::string& relative) {
        fs::create_directories((dir_ / relative).parent_path());
        std::ofstream(dir_ / relative) << "x";
    }
    std::string at(const std::string& relative) const { return (dir_ / relative).string(); }
    fs::path dir_;
};

const ModelSpec* named(const std::vector<ModelSpec>& models, const std::string& name) {
    for (const auto& m : models) {
        if (m.name == name) return &m;
    }
    return nullptr;
}

TEST_F(RouterCatalog, FilesAreModelsNamedByTheirStemWithCompanionsPaired) {
    for (const char* f : {"tiny.gguf", "mmproj-tiny.gguf", "draft-tiny.gguf", "small.gguf", "notes.txt",
                          "big-00001-of-00002.gguf", "big-00002-of-00002.gguf"}) {
        touch(f);
    }
    std::vector<std::string> warnings;
    const auto models = discover_models(dir_.string(), &warnings);
    ASSERT_EQ(models.size(), 3u);
    EXPECT_EQ(models[0].name, "big");  // sorted by name
    EXPECT_EQ(models[0].model_path, at("big-00001-of-00002.gguf"));
    const ModelSpec* tiny = named(models, "tiny");
    ASSERT_NE(tiny, nullptr);
    EXPECT_EQ(tiny->model_path, at("tiny.gguf"));
    EXPECT_EQ(tiny->mmproj_path, at("mmproj-tiny.gguf"));
    EXPECT_EQ(tiny->draft_path, at("draft-tiny.gguf"));
    EXPECT_EQ(tiny->source, "models_dir");
    EXPECT_TRUE(named(models, "small")->mmproj_path.empty());
    EXPECT_TRUE(warnings.empty());
}

TEST_F(RouterCatalog, ADirectoryIsOneModelWithWhatLiesBesideIt) {
    touch("vision/model-q8.gguf");
    touch("vision/mmproj-f16.gguf");
    touch("vision/draft-small.gguf");
    touch("crowded/a.gguf");
    touch("crowded/b.gguf");
    std::vector<std::string> warnings;
    const auto models = discover_models(dir_.string(), &warnings);
    ASSERT_EQ(models.size(), 1u);
    EXPECT_EQ(models[0].name, "vision");
    EXPECT_EQ(models[0].model_path, at("vision/model-q8.gguf"));
    EXPECT_EQ(models[0].mmproj_path, at("vision/mmproj-f16.gguf"));
    EXPECT_EQ(models[0].draft_path, at("vision/draft-small.gguf"));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("crowded"), std::string::npos);
}

TEST_F(RouterCatalog, OrphanCompanionsAreSkippedWithAWarning) {
    touch("mmproj-ghost.gguf");
    touch("draft-ghost.gguf");
    touch("real.gguf");
    std::vector<std::string> warnings;
    const auto models = discover_models(dir_.string(), &warnings);
    ASSERT_EQ(models.size(), 1u);
    EXPECT_EQ(models[0].name, "real");
    EXPECT_EQ(warnings.size(), 2u);
}

TEST_F(RouterCatalog, AMissingDirectoryIsAnError) {
    std::vector<std::string> warnings;
    EXPECT_THROW(discover_models(at("nope"), &warnings), std::runtime_error);
}

}  // namespace
