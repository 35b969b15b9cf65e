#include "api/video_input.h"

#include "api/api_error.h"
#include "api/media_file.h"

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

std::string video_url_bytes(const std::string& url, const std::string& field, const RequestLimits& limits) {
    std::string bytes = is_file_url(url)
                            ? read_media_bytes(url, field, limits, {limits.max_video_bytes, "a video", "--max-video-size"})
                            : data_url_bytes(url, field, "data:video/mp4;base64,...");
    check_media_size(bytes.size(), limits.max_video_bytes, field, "a video", "--max-video-size");
    check_video_container(bytes, field);
    return bytes;
}

ImageFile video_part(const nlohmann::json& part, const std::string& type, const std::string& field,
                     size_t n_videos_before, const RequestLimits& limits) {
    check_limit(n_videos_before + 1, limits.max_videos, "messages", "videos (video_url or input_video parts) or more",
                "--max-videos");
    const std::string where = field + "." + type;
    const auto it = part.find(type);
    const nlohmann::json* url = nullptr;
    const nlohmann::json* data = nullptr;
    if (it != part.end() && it->is_object()) {
        if (it->contains("url") && (*it)["url"].is_string()) url = &(*it)["url"];
        if (type == "input_video" && it->contains("data") && (*it)["data"].is_string()) data = &(*it)["data"];
    }
    if (url == nullptr && data == nullptr) {
        throw invalid_request("'" + where + "' must be " +
                                  (type == "input_video" ? "{\"data\": \"<base64>\", \"format\": \"mp4\"} or " : "") +
                                  "{\"url\": \"data:video/mp4;base64,...\"}",
                              where);
    }
    ImageFile video;
    video.video = true;
    video.video_limits = {limits.max_video_frames, limits.max_image_pixels};
    video.field = where;
    video.description = "'" + where + "'";
    if (url != nullptr) {
        video.bytes = video_url_bytes(url->get<std::string>(), where, limits);
        return video;
    }
    auto bytes = decode_base64(data->get<std::string>());
    if (!bytes || bytes->empty()) throw invalid_request("'" + where + ".data' is not valid base64", where);
    check_media_size(bytes->size(), limits.max_video_bytes, where, "a video", "--max-video-size");
    check_video_container(*bytes, where);
    video.bytes = std::move(*bytes);
    return video;
}

}  // namespace cria
