// --media-path: file:// image URLs read only inside the media directory (api/media_file.h).
#include "api/media_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "api/api_error.h"
#include "api_error_of.h"

namespace cria {
namespace {

namespace fs = std::filesystem;

// A 2x2 PNG as short as its header (signature and IHDR chunk): what the checks read.
const std::string kPng("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9a\x73",
                       33);

void write_file(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

class MediaFile : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "cria-media-XXXXXX").string();
        root_ = fs::path(mkdtemp(pattern.data()));
        media_ = root_ / "media";
        fs::create_directories(media_ / "photos");
        write_file(media_ / "photos" / "cat.png", kPng);
        write_file(root_ / "secret.png", kPng);
        fs::create_symlink(root_ / "secret.png", media_ / "out.png");
        fs::create_symlink(media_ / "photos" / "cat.png", media_ / "in.png");
        limits_.media_path = media_.string();
    }
    void TearDown() override { fs::remove_all(root_); }

    std::string refusal(const std::string& url) {
        const ApiError e = error_of([&] { read_media_file(url, "field", limits_); });
        EXPECT_EQ(e.status, 400) << url;
        EXPECT_EQ(e.param, "field") << url;
        EXPECT_EQ(e.message.find(media_.string()), std::string::npos) << "the directory leaks: " << e.message;
        return e.message;
    }

    fs::path root_;
    fs::path media_;
    RequestLimits limits_;
};

TEST_F(MediaFile, ReadsFilesInsideTheDirectory) {
    EXPECT_EQ(read_media_file("file://photos/cat.png", "field", limits_), kPng);
    EXPECT_EQ(read_media_file("FILE://photos/cat.png", "field", limits_), kPng);
    EXPECT_EQ(read_media_file("file://photos/../photos/c%61t.png", "field", limits_), kPng);
    EXPECT_EQ(read_media_file("file://in.png", "field", limits_), kPng);  // a link that stays inside
    EXPECT_EQ(read_media_file("file://" + (media_ / "photos" / "cat.png").string(), "field", limits_), kPng);
    EXPECT_EQ(image_url_bytes("file://photos/cat.png", "field", limits_), kPng);
}

TEST_F(MediaFile, RefusesEverythingOutsideIt) {
    EXPECT_NE(refusal("file://../secret.png").find("outside"), std::string::npos);
    EXPECT_NE(refusal("file://" + (root_ / "secret.png").string()).find("outside"), std::string::npos);
    EXPECT_NE(refusal("file://out.png").find("outside"), std::string::npos);
    EXPECT_NE(refusal("file:///etc/passwd").find("outside"), std::string::npos);
    EXPECT_NE(refusal("file://photos/%2e%2e/%2e%2e/secret.png").find("outside"), std::string::npos);
    EXPECT_NE(refusal("file://.").find("outside"), std::string::npos);  // the directory itself
    EXPECT_NE(refusal("file://photos").find("regular file"), std::string::npos);
    EXPECT_NE(refusal("file://nothing.png").find("does not exist"), std::string::npos);
    EXPECT_NE(refusal("file://").find("must name a file"), std::string::npos);
    EXPECT_NE(refusal("file://%4").find("must name a file"), std::string::npos);
    EXPECT_NE(refusal("file://a%00b").find("must name a file"), std::string::npos);
}

TEST_F(MediaFile, AppliesTheImageLimits) {
    limits_.max_image_bytes = static_cast<int32_t>(kPng.size()) - 1;
    refusal("file://photos/cat.png");
    limits_.max_image_bytes = 1 << 20;
    limits_.max_image_pixels = 3;  // the PNG declares 4
    refusal("file://photos/cat.png");
    write_file(media_ / "text.png", "not an image at all");
    limits_.max_image_pixels = 1 << 20;
    refusal("file://text.png");
}

TEST_F(MediaFile, WithoutAMediaPathFileUrlsAreRefused) {
    limits_.media_path.clear();
    EXPECT_NE(refusal("file://photos/cat.png").find("--media-path"), std::string::npos);
    EXPECT_TRUE(is_file_url("file://x"));
    EXPECT_FALSE(is_file_url("data:image/png;base64,"));
    EXPECT_FALSE(is_file_url("http://127.0.0.1/x.png"));
}

}  // namespace
}  // namespace cria
