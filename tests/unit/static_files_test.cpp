// Static content rules: path resolution under a root (traversal, encodings, symbolic links),
// content types, gzip negotiation, ETags, and the embedded web UI.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <string>

#include "http/embedded_assets.h"
#include "http/static_files.h"

namespace {

using cria::StaticLookup;

// root/ (the served folder) and outside/ beside it, removed at the end.
class StaticTree : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/cria-static-unit-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        char resolved[PATH_MAX];
        ASSERT_NE(realpath(pattern, resolved), nullptr);
        base_ = resolved;
        root_ = base_ + "/root";
        mkdir(root_.c_str(), 0755);
        mkdir((root_ + "/docs").c_str(), 0755);
        mkdir((base_ + "/outside").c_str(), 0755);
        write(root_ + "/index.html", "home");
        write(root_ + "/docs/index.html", "docs");
        write(root_ + "/docs/a b.txt", "spaced");
        write(base_ + "/outside/secret.txt", "secret");
        ASSERT_EQ(symlink((root_ + "/docs/a b.txt").c_str(), (root_ + "/inside-link").c_str()), 0);
        ASSERT_EQ(symlink((base_ + "/outside/secret.txt").c_str(), (root_ + "/outside-link").c_str()), 0);
        ASSERT_EQ(symlink((base_ + "/outside").c_str(), (root_ + "/outside-dir").c_str()), 0);
        ASSERT_EQ(symlink("../outside/secret.txt", (root_ + "/relative-out").c_str()), 0);
        ASSERT_EQ(symlink((root_ + "/missing").c_str(), (root_ + "/dangling").c_str()), 0);
    }
    void TearDown() override { std::system(("rm -rf '" + base_ + "'").c_str()); }

    static void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

    cria::StaticPath resolve(const std::string& raw) { return cria::resolve_static_path(root_, raw); }

    std::string base_;
    std::string root_;
};

TEST_F(StaticTree, FindsFilesAndFolderIndexes) {
    EXPECT_EQ(resolve("/").file, root_ + "/index.html");
    EXPECT_EQ(resolve("/index.html").file, root_ + "/index.html");
    EXPECT_EQ(resolve("/docs").file, root_ + "/docs/index.html");
    EXPECT_EQ(resolve("/docs/").file, root_ + "/docs/index.html");
    EXPECT_EQ(resolve("/docs/a%20b.txt").file, root_ + "/docs/a b.txt");
    EXPECT_EQ(resolve("/docs/a%20b%2Etxt").file, root_ + "/docs/a b.txt");
    EXPECT_EQ(resolve("/inside-link").result, StaticLookup::found);
    EXPECT_EQ(resolve("/inside-link").file, root_ + "/docs/a b.txt");
}

TEST_F(StaticTree, MissingIsNotFound) {
    EXPECT_EQ(resolve("/nothing").result, StaticLookup::not_found);
    EXPECT_EQ(resolve("/docs/nothing.txt").result, StaticLookup::not_found);
    EXPECT_EQ(resolve("/dangling").result, StaticLookup::not_found);
    std::remove((root_ + "/index.html").c_str());
    EXPECT_EQ(resolve("/").result, StaticLookup::not_found) << "a folder without index.html";
}

TEST_F(StaticTree, TraversalIsForbidden) {
    for (const std::string raw :
         {"/..", "/../outside/secret.txt", "/docs/../../outside/secret.txt", "/docs/..", "/%2e%2e/outside/secret.txt",
          "/%2E%2E/outside/secret.txt", "/.%2e/outside/secret.txt", "/..%2foutside%2fsecret.txt",
          "/docs%2F..%2F..%2Foutside", "/..%5coutside%5csecret.txt", "/docs\\..\\..\\outside", "/./index.html",
          "/%2e/index.html", "//outside/secret.txt", "/docs//a%20b.txt", "/index.html%00", "/index%00.html",
          "/a%0ab", "/%zz", "/%2", "/%", "relative", ""}) {
        EXPECT_EQ(resolve(raw).result, StaticLookup::forbidden) << raw;
        EXPECT_EQ(resolve(raw).file, "") << raw;
    }
}

TEST_F(StaticTree, SymbolicLinksOutOfTheRootAreForbidden) {
    EXPECT_EQ(resolve("/outside-link").result, StaticLookup::forbidden);
    EXPECT_EQ(resolve("/relative-out").result, StaticLookup::forbidden);
    EXPECT_EQ(resolve("/outside-dir/secret.txt").result, StaticLookup::forbidden);
    EXPECT_EQ(resolve("/outside-dir").result, StaticLookup::forbidden);
    EXPECT_EQ(resolve("/outside-dir/").result, StaticLookup::forbidden);
}

TEST_F(StaticTree, AFolderWhoseIndexLinksOutIsForbidden) {
    std::remove((root_ + "/docs/index.html").c_str());
    ASSERT_EQ(symlink((base_ + "/outside/secret.txt").c_str(), (root_ + "/docs/index.html").c_str()), 0);
    EXPECT_EQ(resolve("/docs/").result, StaticLookup::forbidden);
}

TEST(StaticFiles, ContentTypes) {
    EXPECT_EQ(cria::content_type_for("/index.html"), "text/html; charset=utf-8");
    EXPECT_EQ(cria::content_type_for("/a/b.JS"), "text/javascript; charset=utf-8");
    EXPECT_EQ(cria::content_type_for("/x.mjs"), "text/javascript; charset=utf-8");
    EXPECT_EQ(cria::content_type_for("/x.css"), "text/css; charset=utf-8");
    EXPECT_EQ(cria::content_type_for("/x.svg"), "image/svg+xml");
    EXPECT_EQ(cria::content_type_for("/x.png"), "image/png");
    EXPECT_EQ(cria::content_type_for("/x.woff2"), "font/woff2");
    EXPECT_EQ(cria::content_type_for("/x.json"), "application/json; charset=utf-8");
    EXPECT_EQ(cria::content_type_for("/x.unknown"), "application/octet-stream");
    EXPECT_EQ(cria::content_type_for("/a.dir/noext"), "application/octet-stream");
    EXPECT_EQ(cria::content_type_for("/Makefile"), "application/octet-stream");
}

TEST(StaticFiles, AcceptEncoding) {
    EXPECT_TRUE(cria::accepts_gzip("gzip"));
    EXPECT_TRUE(cria::accepts_gzip("gzip, deflate, br, zstd"));
    EXPECT_TRUE(cria::accepts_gzip("br;q=1.0, GZIP;q=0.5"));
    EXPECT_TRUE(cria::accepts_gzip("x-gzip"));
    EXPECT_TRUE(cria::accepts_gzip("*"));
    EXPECT_FALSE(cria::accepts_gzip(""));
    EXPECT_FALSE(cria::accepts_gzip("identity"));
    EXPECT_FALSE(cria::accepts_gzip("br, deflate"));
    EXPECT_FALSE(cria::accepts_gzip("gzip;q=0"));
    EXPECT_FALSE(cria::accepts_gzip("gzip; q=0.000, *"));
    EXPECT_FALSE(cria::accepts_gzip("*;q=0"));
    EXPECT_TRUE(cria::accepts_gzip("*;q=0, gzip"));
    EXPECT_FALSE(cria::accepts_gzip("gzipped"));
}

TEST(StaticFiles, ETags) {
    EXPECT_TRUE(cria::etag_matches("\"abc\"", "\"abc\""));
    EXPECT_TRUE(cria::etag_matches("\"x\", W/\"abc\"", "\"abc\""));
    EXPECT_TRUE(cria::etag_matches("*", "\"abc\""));
    EXPECT_FALSE(cria::etag_matches("\"abd\"", "\"abc\""));
    EXPECT_FALSE(cria::etag_matches("abc", "\"abc\""));
    EXPECT_FALSE(cria::etag_matches("", "\"abc\""));
}

TEST(StaticFiles, GunzipRejectsDamage) {
    // "hello\n", gzip-compressed.
    const unsigned char hello[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48, 0xcd,
                                   0xc9, 0xc9, 0xe7, 0x02, 0x00, 0x20, 0x30, 0x3a, 0x36, 0x06, 0x00, 0x00, 0x00};
    std::string out;
    ASSERT_TRUE(cria::gunzip(hello, sizeof(hello), &out));
    EXPECT_EQ(out, "hello\n");
    EXPECT_FALSE(cria::gunzip(hello, sizeof(hello) - 4, &out)) << "truncated";
    unsigned char damaged[sizeof(hello)];
    std::copy(hello, hello + sizeof(hello), damaged);
    damaged[sizeof(hello) - 6] ^= 0xff;  // the CRC
    EXPECT_FALSE(cria::gunzip(damaged, sizeof(damaged), &out));
    const unsigned char plain[] = {'h', 'i'};
    EXPECT_FALSE(cria::gunzip(plain, sizeof(plain), &out));
}

TEST(EmbeddedAssets, ThePageAndTheLibraryAreThereAndWhole) {
    size_t count = 0;
    const cria::EmbeddedAsset* assets = cria::embedded_assets(&count);
    ASSERT_GE(count, 2u);
    bool index = false, library = false;
    for (size_t i = 0; i < count; ++i) {
        const auto& a = assets[i];
        EXPECT_EQ(a.path.substr(0, 1), "/");
        EXPECT_EQ(a.etag.front(), '"');
        EXPECT_EQ(a.etag.back(), '"');
        std::string text(reinterpret_cast<const char*>(a.data), a.size);
        if (a.gzipped) {
            ASSERT_TRUE(cria::gunzip(a.data, a.size, &text)) << a.path;
        }
        if (a.path == "/index.html") {
            index = true;
            EXPECT_NE(text.find("<html"), std::string::npos);
        }
        if (a.path == "/completion.js") {
            library = true;
            EXPECT_NE(text.find("export async function* llama("), std::string::npos);
        }
    }
    EXPECT_TRUE(index);
    EXPECT_TRUE(library);
}

}  // namespace
