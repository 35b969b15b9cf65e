// The declared size of an image, read from its file header without decoding it.
//
// Why: libmtmd decodes images with stb_image, which allocates width × height × channels before it
// decodes a single pixel. A small, highly compressed file can declare 16384 × 16384 pixels and cost
// the server a gigabyte and seconds of work; reading the header first lets a request be refused
// (api/image_input.h, --max-image-pixels) before any of that happens.
//
// Contract: reads at most the bytes given, scans a bounded number of them (JPEG: marker segments,
// each skipped by its length, so the scan is linear in the input), allocates nothing, and never
// trusts a declared length beyond the bytes that are there.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace cria {

struct ImageHeader {
    const char* format = "";  // "PNG", "JPEG", "GIF" or "BMP"
    uint32_t width = 0;       // both > 0 in a header that was read
    uint32_t height = 0;
    uint64_t pixels() const { return static_cast<uint64_t>(width) * height; }
};

// The format and the declared width and height of a PNG (IHDR), JPEG (the first SOFn marker),
// GIF (the logical screen) or BMP (the DIB header; a negative height means top-down rows). nullopt
// when the bytes are none of these formats, when the header is cut short or malformed, or when it
// declares a zero width or height.
std::optional<ImageHeader> read_image_header(std::string_view bytes);

}  // namespace cria
