// Lookup-cache files (-lcs, -lcd): llama.cpp's format read and written; bad files refused whole
// with the reason.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "engine/ngram_cache_file.h"

using cria::Ngram;
using cria::NgramCounts;

namespace {

std::string temp_path(const std::string& name) {
    return "/tmp/cria-ngram-cache-test-" + std::to_string(::getpid()) + "-" + name;
}

void write_ints(const std::string& path, const std::vector<int32_t>& values) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    for (const int32_t v : values) {
        const auto u = static_cast<uint32_t>(v);
        const char bytes[4] = {static_cast<char>(u & 0xff), static_cast<char>((u >> 8) & 0xff),
                               static_cast<char>((u >> 16) & 0xff), static_cast<char>((u >> 24) & 0xff)};
        out.write(bytes, 4);
    }
}

Ngram ngram(std::initializer_list<int32_t> tokens) {
    Ngram g;
    size_t i = 0;
    for (const int32_t t : tokens) g.tokens[i++] = t;
    return g;
}

// "1 2" followed by 7 (3 times) and 8 (once); "5" followed by 6 (2 times).
const std::vector<int32_t> kValid = {1, 2, -1, -1, 2, 7, 3, 8, 1, 5, -1, -1, -1, 1, 6, 2};

}  // namespace

TEST(NgramCacheFile, ReadsLlamaCppsFormat) {
    const std::string path = temp_path("valid");
    write_ints(path, kValid);
    NgramCounts counts;
    std::string error;
    ASSERT_TRUE(cria::read_ngram_cache_file(path, &counts, &error)) << error;
    EXPECT_EQ(counts.size(), 2u);
    const auto* after_1_2 = counts.find(ngram({1, 2}));
    ASSERT_NE(after_1_2, nullptr);
    EXPECT_EQ(*after_1_2, (cria::TokenCounts{{7, 3}, {8, 1}}));
    ASSERT_NE(counts.find(ngram({5})), nullptr);
    EXPECT_EQ(*counts.find(ngram({5})), (cria::TokenCounts{{6, 2}}));
    std::remove(path.c_str());
}

TEST(NgramCacheFile, WrittenFilesReadBackTheSame) {
    NgramCounts counts;
    counts.add(ngram({3, 4, 5, 6}), 9, 4);
    counts.add(ngram({3}), 1);
    const std::string path = temp_path("roundtrip");
    std::string error;
    ASSERT_TRUE(cria::write_ngram_cache_file(path, counts, &error)) << error;
    NgramCounts back;
    ASSERT_TRUE(cria::read_ngram_cache_file(path, &back, &error)) << error;
    EXPECT_EQ(back.size(), 2u);
    EXPECT_EQ(*back.find(ngram({3, 4, 5, 6})), (cria::TokenCounts{{9, 4}}));
    EXPECT_EQ(*back.find(ngram({3})), (cria::TokenCounts{{1, 1}}));
    std::remove(path.c_str());
}

TEST(NgramCacheFile, AnEmptyFileIsAnEmptyCache) {
    const std::string path = temp_path("empty");
    write_ints(path, {});
    NgramCounts counts;
    std::string error;
    EXPECT_TRUE(cria::read_ngram_cache_file(path, &counts, &error)) << error;
    EXPECT_TRUE(counts.empty());
    std::remove(path.c_str());
}

TEST(NgramCacheFile, TruncatedFilesAreRefused) {
    const std::string path = temp_path("truncated");
    for (const size_t keep : {size_t{3}, size_t{10}, kValid.size() - 1}) {
        write_ints(path, std::vector<int32_t>(kValid.begin(), kValid.begin() + static_cast<std::ptrdiff_t>(keep)));
        NgramCounts counts;
        std::string error;
        EXPECT_FALSE(cria::read_ngram_cache_file(path, &counts, &error)) << keep;
        EXPECT_NE(error.find("ends inside"), std::string::npos) << error;
        EXPECT_TRUE(counts.empty()) << "a bad file adds nothing";
    }
    // A byte short of a whole record.
    {
        write_ints(path, kValid);
        std::ofstream(path, std::ios::binary | std::ios::app).write("x", 1);
        NgramCounts counts;
        std::string error;
        EXPECT_FALSE(cria::read_ngram_cache_file(path, &counts, &error));
    }
    std::remove(path.c_str());
}

TEST(NgramCacheFile, OversizedFilesAreRefused) {
    const std::string path = temp_path("oversized");
    write_ints(path, kValid);
    NgramCounts counts;
    std::string error;
    EXPECT_FALSE(cria::read_ngram_cache_file(path, &counts, &error, 0, kValid.size() * 4 - 1));
    EXPECT_NE(error.find("at most"), std::string::npos) << error;
    EXPECT_TRUE(cria::read_ngram_cache_file(path, &counts, &error, 0, kValid.size() * 4)) << error;
    std::remove(path.c_str());
}

TEST(NgramCacheFile, InvalidRecordsAreRefused) {
    const std::string path = temp_path("invalid");
    const std::vector<std::pair<std::vector<int32_t>, std::string>> cases = {
        {{-1, -1, -1, -1, 1, 7, 1}, "no token"},
        {{1, -1, 2, -1, 1, 7, 1}, "after its unused tail"},
        {{-5, -1, -1, -1, 1, 7, 1}, "token id -5"},
        {{1, -1, -1, -1, 0}, "0 following tokens"},
        {{1, -1, -1, -1, 1, 7, 0}, "count 0"},
        {{1, -1, -1, -1, 1, -2, 3}, "id -2"},
        {{1, -1, -1, -1, 1, 70000, 3}, "id 70000"},  // over n_vocab below
    };
    for (const auto& [ints, why] : cases) {
        write_ints(path, ints);
        NgramCounts counts;
        std::string error;
        EXPECT_FALSE(cria::read_ngram_cache_file(path, &counts, &error, 32000)) << why;
        EXPECT_NE(error.find(why), std::string::npos) << error;
    }
    NgramCounts counts;
    std::string error;
    EXPECT_FALSE(cria::read_ngram_cache_file(temp_path("missing"), &counts, &error));
    EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
    EXPECT_FALSE(cria::read_ngram_cache_file("/", &counts, &error));
    std::remove(path.c_str());
}
