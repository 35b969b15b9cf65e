// Image input before any decoder sees it. The first byte chooses what the rest is:
//   0: file bytes for the header reader (api/image_header.h): it must stay inside the bytes and
//      answer either nothing or a format with both sizes above zero;
//   1: base64 text for decode_base64;
//   2: a data URL (decode_data_url, with the header check behind it);
//   3: raw file bytes sent as /completion's image_data (base64-encoded here), through
//      parse_image_data, which checks sizes and headers.
#include <string>

#include <nlohmann/json.hpp>

#include "api/image_header.h"
#include "api/image_input.h"
#include "fuzz_common.h"

namespace {

using namespace cria;

std::string base64(const std::string& bytes) {
    static const char* const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (const char c : bytes) {
        acc = (acc << 8) | static_cast<unsigned char>(c);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(alphabet[(acc >> bits) & 63]);
        }
    }
    if (bits > 0) out.push_back(alphabet[(acc << (6 - bits)) & 63]);
    while (out.size() % 4 != 0) out.push_back('=');
    return out;
}

void check_header(const std::string& bytes) {
    const auto header = read_image_header(bytes);
    if (header && (header->width == 0 || header->height == 0)) fuzz::report("a header with a zero size", header->format);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::ByteReader in(data, size);
    const uint8_t mode = in.byte() % 4;
    const std::string text = in.rest();
    fuzz::expect_only([&] {
        switch (mode) {
            case 0: check_header(text); break;
            case 1: {
                const auto bytes = decode_base64(text);
                // Decoding never makes more than 3 bytes of 4 characters.
                if (bytes && bytes->size() > text.size() / 4 * 3 + 3) fuzz::report("decode_base64 grew", text);
                break;
            }
            case 2: decode_data_url(text, "messages[0].content[0].image_url"); break;
            default: {
                const nlohmann::json body = {{"image_data", {{{"data", base64(text)}, {"id", 1}}}}};
                const auto images = parse_image_data(body);
                if (images.size() != 1 || images[0].bytes != text) fuzz::report("image_data lost bytes", text);
                break;
            }
        }
    });
    return 0;
}
