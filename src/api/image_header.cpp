#include "api/image_header.h"

namespace cria {

namespace {

uint32_t big_endian16(std::string_view b, size_t at) {
    return static_cast<uint32_t>(static_cast<unsigned char>(b[at])) << 8 | static_cast<unsigned char>(b[at + 1]);
}

uint32_t big_endian32(std::string_view b, size_t at) { return big_endian16(b, at) << 16 | big_endian16(b, at + 2); }

uint32_t little_endian16(std::string_view b, size_t at) {
    return static_cast<uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8 | static_cast<unsigned char>(b[at]);
}

uint32_t little_endian32(std::string_view b, size_t at) { return little_endian16(b, at + 2) << 16 | little_endian16(b, at); }

std::optional<ImageHeader> make_header(const char* format, uint32_t width, uint32_t height) {
    if (width == 0 || height == 0) return std::nullopt;  // stb_image refuses these too
    return ImageHeader{format, width, height};
}

// Signature, then the first chunk, which must be IHDR (13 bytes: width, height, ...).
std::optional<ImageHeader> read_png(std::string_view b) {
    if (b.size() < 24 || big_endian32(b, 8) != 13 || b.substr(12, 4) != "IHDR") return std::nullopt;
    const uint32_t width = big_endian32(b, 16);
    const uint32_t height = big_endian32(b, 20);
    if (width > 0x7fffffffu || height > 0x7fffffffu) return std::nullopt;  // the format's own limit
    return make_header("PNG", width, height);
}

// Start-of-frame markers: C0..CF except DHT (C4), JPG (C8) and DAC (CC).
bool is_start_of_frame(unsigned char marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

// Walks the marker segments after SOI up to the first SOFn: P (1 byte), height, width (2 each).
// Every step moves forward by at least two bytes, so the walk ends within the input.
std::optional<ImageHeader> read_jpeg(std::string_view b) {
    size_t at = 2;
    while (at + 1 < b.size()) {
        if (static_cast<unsigned char>(b[at]) != 0xFF) return std::nullopt;
        const auto marker = static_cast<unsigned char>(b[at + 1]);
        if (marker == 0xFF) {  // fill byte before a marker
            ++at;
            continue;
        }
        at += 2;
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // TEM, RSTn: no length
        if (marker == 0xD8 || marker == 0xD9 || marker == 0xDA || marker == 0x00) return std::nullopt;  // no frame before
        if (at + 2 > b.size()) return std::nullopt;
        const uint32_t length = big_endian16(b, at);
        if (length < 2) return std::nullopt;
        if (is_start_of_frame(marker)) {
            if (length < 7 || at + 7 > b.size()) return std::nullopt;
            return make_header("JPEG", big_endian16(b, at + 5), big_endian16(b, at + 3));
        }
        at += length;
    }
    return std::nullopt;
}

// "GIF87a" / "GIF89a", then the logical screen's width and height (what stb_image allocates for).
std::optional<ImageHeader> read_gif(std::string_view b) {
    if (b.size() < 10 || (b.substr(0, 6) != "GIF87a" && b.substr(0, 6) != "GIF89a")) return std::nullopt;
    return make_header("GIF", little_endian16(b, 6), little_endian16(b, 8));
}

// "BM", the 14-byte file header, then the DIB header: its size says the layout (12: 16-bit sizes,
// the OS/2 core header; 40 and up: signed 32-bit sizes).
std::optional<ImageHeader> read_bmp(std::string_view b) {
    if (b.size() < 18) return std::nullopt;
    const uint32_t dib_size = little_endian32(b, 14);
    if (dib_size == 12) {
        if (b.size() < 22) return std::nullopt;
        return make_header("BMP", little_endian16(b, 18), little_endian16(b, 20));
    }
    if (dib_size != 40 && dib_size != 52 && dib_size != 56 && dib_size != 64 && dib_size != 108 && dib_size != 124) {
        return std::nullopt;
    }
    if (b.size() < 26) return std::nullopt;
    const auto width = static_cast<int32_t>(little_endian32(b, 18));
    const auto height = static_cast<int32_t>(little_endian32(b, 22));
    if (width < 0) return std::nullopt;
    const uint32_t rows = height < 0 ? 0u - static_cast<uint32_t>(height) : static_cast<uint32_t>(height);
    return make_header("BMP", static_cast<uint32_t>(width), rows);
}

}  // namespace

std::optional<ImageHeader> read_image_header(std::string_view bytes) {
    if (bytes.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return read_png(bytes);
    if (bytes.size() >= 3 && bytes.substr(0, 3) == std::string_view("\xFF\xD8\xFF", 3)) return read_jpeg(bytes);
    if (bytes.substr(0, 3) == "GIF") return read_gif(bytes);
    if (bytes.substr(0, 2) == "BM") return read_bmp(bytes);
    return std::nullopt;
}

}  // namespace cria
