// The image header reader (api/image_header.h): the declared size of PNG, JPEG, GIF and BMP files,
// read without decoding; cut-short, zero-sized and unknown files give nothing.
#include "api/image_header.h"

#include <gtest/gtest.h>

#include <string>

namespace cria {
namespace {

std::string be32(uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}
std::string be16(uint32_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v)}; }
std::string le16(uint32_t v) { return {static_cast<char>(v), static_cast<char>(v >> 8)}; }
std::string le32(uint32_t v) { return le16(v & 0xFFFF) + le16(v >> 16); }

// Signature and IHDR chunk (the CRC is not checked, so zeros do).
std::string png(uint32_t width, uint32_t height) {
    return std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + "IHDR" + be32(width) + be32(height) +
           std::string("\x08\x02\x00\x00\x00", 5) + be32(0);
}

// SOI, an APP0 segment and a DQT segment to skip, then SOF (`marker`).
std::string jpeg(uint32_t width, uint32_t height, unsigned char marker = 0xC0) {
    std::string app0 = std::string("\xFF\xE0", 2) + be16(16) + std::string("JFIF\0\x01\x01\0\0\x01\0\x01\0\0", 14);
    std::string dqt = std::string("\xFF\xDB", 2) + be16(67) + std::string(65, '\x04');
    std::string sof = std::string("\xFF", 1) + static_cast<char>(marker) + be16(17) + "\x08" + be16(height) + be16(width) +
                      std::string("\x03\x01\x11\x00\x02\x11\x00\x03\x11\x00", 10);
    return std::string("\xFF\xD8", 2) + app0 + dqt + sof + std::string("\xFF\xD9", 2);
}

std::string gif(uint32_t width, uint32_t height) { return "GIF89a" + le16(width) + le16(height) + std::string(3, '\0'); }

std::string bmp(int32_t width, int32_t height) {
    return "BM" + le32(54) + le32(0) + le32(54) + le32(40) + le32(static_cast<uint32_t>(width)) +
           le32(static_cast<uint32_t>(height)) + std::string(28, '\0');
}

void expect_size(const std::string& bytes, const char* format, uint32_t width, uint32_t height) {
    const auto header = read_image_header(bytes);
    ASSERT_TRUE(header.has_value()) << format;
    EXPECT_STREQ(header->format, format);
    EXPECT_EQ(header->width, width) << format;
    EXPECT_EQ(header->height, height) << format;
}

TEST(ImageHeader, ReadsEachFormatsDeclaredSize) {
    expect_size(png(640, 480), "PNG", 640, 480);
    expect_size(jpeg(3, 2), "JPEG", 3, 2);
    expect_size(jpeg(1024, 768, 0xC2), "JPEG", 1024, 768);  // progressive
    expect_size(gif(7, 5), "GIF", 7, 5);
    expect_size(bmp(2, 3), "BMP", 2, 3);
    expect_size(bmp(2, -3), "BMP", 2, 3);  // top-down rows
    // The OS/2 core header: 16-bit sizes.
    expect_size("BM" + le32(26) + le32(0) + le32(26) + le32(12) + le16(9) + le16(4) + le16(1) + le16(24), "BMP", 9, 4);
}

TEST(ImageHeader, HugeDeclaredSizesAreReadNotAllocated) {
    const auto header = read_image_header(png(20000, 20000));
    ASSERT_TRUE(header.has_value());
    EXPECT_EQ(header->pixels(), 400000000u);
    EXPECT_EQ(read_image_header(png(0x7fffffff, 0x7fffffff))->pixels(), 0x7fffffffull * 0x7fffffffull);
    EXPECT_EQ(read_image_header(jpeg(65535, 65535))->pixels(), 65535ull * 65535ull);
    EXPECT_FALSE(read_image_header(png(0x80000000u, 1)).has_value());  // over PNG's own limit
}

TEST(ImageHeader, ZeroSizesAreRefused) {
    EXPECT_FALSE(read_image_header(png(0, 10)).has_value());
    EXPECT_FALSE(read_image_header(png(10, 0)).has_value());
    EXPECT_FALSE(read_image_header(jpeg(10, 0)).has_value());  // height from a DNL marker: not supported
    EXPECT_FALSE(read_image_header(gif(0, 1)).has_value());
    EXPECT_FALSE(read_image_header(bmp(0, 1)).has_value());
}

TEST(ImageHeader, CutShortFilesGiveNothing) {
    for (const std::string& file : {png(2, 2), jpeg(2, 2), gif(2, 2), bmp(2, 2)}) {
        const auto whole = read_image_header(file);
        ASSERT_TRUE(whole.has_value());
        // Every prefix that ends before the size fields is refused, never read past its end.
        size_t needed = 0;
        while (!read_image_header(file.substr(0, needed)).has_value()) ++needed;
        for (size_t n = 0; n < needed; ++n) EXPECT_FALSE(read_image_header(file.substr(0, n)).has_value()) << n;
        EXPECT_LE(needed, file.size());
    }
}

TEST(ImageHeader, OtherBytesGiveNothing) {
    EXPECT_FALSE(read_image_header("").has_value());
    EXPECT_FALSE(read_image_header("definitely not an image").has_value());
    EXPECT_FALSE(read_image_header(std::string("\xFF\xD8\xFF\xE0\x01\x02\x03", 7)).has_value());  // a JPEG that stops
    // A JPEG whose scan starts before any frame header, or whose segment length is below 2.
    EXPECT_FALSE(read_image_header(std::string("\xFF\xD8\xFF\xDA\x00\x08", 6) + std::string(8, '\0')).has_value());
    EXPECT_FALSE(read_image_header(std::string("\xFF\xD8\xFF\xE0\x00\x01", 6) + std::string(20, '\0')).has_value());
    // PNG whose first chunk is not IHDR; BMP with an unknown DIB header size.
    std::string not_ihdr = png(2, 2);
    not_ihdr.replace(12, 4, "IDAT");
    EXPECT_FALSE(read_image_header(not_ihdr).has_value());
    std::string odd_bmp = bmp(2, 2);
    odd_bmp.replace(14, 4, le32(41));
    EXPECT_FALSE(read_image_header(odd_bmp).has_value());
    EXPECT_FALSE(read_image_header(bmp(-2, 2)).has_value());
}

}  // namespace
}  // namespace cria
