#include "api/video_input.h"

#include "api/api_error.h"

namespace cria {

namespace {

bool at(std::string_view bytes, size_t offset, std::string_view magic) {
    return bytes.size() >= offset + magic.size() && bytes.substr(offset, magic.size()) == magic;
}

bool is_mpeg_ts(std::string_view bytes) {
    constexpr size_t kPacket = 188;
    if (bytes.size() < kPacket || bytes[0] != 0x47) return false;
    // A second sync byte where the next packet starts, when there is one, tells it from chance.
    return bytes.size() <= kPacket || bytes[kPacket] == 0x47;
}

}  // namespace

const char* video_container(std::string_view bytes) {
    for (const char* box : {"ftyp", "moov", "mdat", "wide", "free"}) {
        if (at(bytes, 4, box)) return "MP4/QuickTime";
    }
    if (at(bytes, 0, "\x1A\x45\xDF\xA3")) return "Matroska/WebM";
    if (at(bytes, 0, "RIFF") && at(bytes, 8, "AVI ")) return "AVI";
    if (at(bytes, 0, std::string_view("\x00\x00\x01\xBA", 4))) return "MPEG-PS";
    if (is_mpeg_ts(bytes)) return "MPEG-TS";
    return nullptr;
}

void check_video_container(std::string_view bytes, const std::string& field) {
    if (video_container(bytes) != nullptr) return;
    throw invalid_request("'" + field + "' does not hold a video: its first bytes are not those of an MP4/QuickTime, " +
                              "Matroska/WebM, AVI, MPEG-PS or MPEG-TS file",
                          field);
}

}  // namespace cria
