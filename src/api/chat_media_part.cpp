#include "api/chat_media_part.h"

#include <algorithm>

#include "api/api_error.h"
#include "api/image_header.h"
#include "api/media_file.h"
#include "api/video_input.h"

namespace cria {

namespace {

using nlohmann::json;

// The part's URL, or its base64 data (input_video only); both null when the shape is wrong.
struct Source {
    const json* url = nullptr;
    const json* data = nullptr;
};

Source source_of(const json& part, const std::string& type) {
    Source s;
    const auto it = part.find(type);
    if (it == part.end()) return s;
    if (it->is_string() && type == "image_url") s.url = &*it;
    if (!it->is_object()) return s;
    if (it->contains("url") && (*it)["url"].is_string()) s.url = &(*it)["url"];
    if (type == "input_video" && it->contains("data") && (*it)["data"].is_string()) s.data = &(*it)["data"];
    return s;
}

std::string shape_message(const std::string& where, const std::string& type) {
    if (type == "image_url") return "'" + where + "' must be {\"url\": \"data:image/...;base64,...\"}";
    return "'" + where + "' must be " +
           (type == "input_video" ? "{\"data\": \"<base64>\", \"format\": \"mp4\"} or " : "") +
           "{\"url\": \"data:video/mp4;base64,...\"}";
}

// The file's bytes, bounded by the larger of the two size limits until its kind is known.
std::string bytes_of(const Source& s, const std::string& type, const std::string& where, const RequestLimits& limits) {
    if (s.data != nullptr && s.url == nullptr) {
        auto bytes = decode_base64(s.data->get<std::string>());
        if (!bytes || bytes->empty()) throw invalid_request("'" + where + ".data' is not valid base64", where);
        return std::move(*bytes);
    }
    const std::string url = s.url->get<std::string>();
    if (is_file_url(url)) {
        const int32_t larger = std::max(limits.max_image_bytes, limits.max_video_bytes);
        return read_media_bytes(url, where, limits, {larger, "a media file", "--max-image-size, --max-video-size"});
    }
    return data_url_bytes(url, where, type == "image_url" ? "data:image/png;base64,..." : "data:video/mp4;base64,...");
}

size_t count_videos(const std::vector<ImageFile>& files) {
    return static_cast<size_t>(std::count_if(files.begin(), files.end(), [](const ImageFile& f) { return f.video; }));
}

}  // namespace

void check_media_count(size_t n_before, const RequestLimits& limits, const char* field) {
    const int64_t most = int64_t{std::max(limits.max_images, 0)} + std::max(limits.max_videos, 0);
    if (static_cast<int64_t>(n_before) + 1 > most) {
        throw invalid_request("the request has more than " + std::to_string(most) +
                                  " media files; at most --max-images images and --max-videos videos are accepted",
                              field);
    }
}

ImageFile media_file(std::string bytes, const std::string& field, MediaCount before, const RequestLimits& limits,
                     bool image_unless_video, const char* count_field) {
    ImageFile file;
    file.id = static_cast<int64_t>(before.images + before.videos);
    file.bytes = std::move(bytes);
    file.field = field;
    file.description = "'" + field + "'";
    if (video_container(file.bytes) == nullptr && (image_unless_video || read_image_header(file.bytes))) {
        check_limit(before.images + 1, limits.max_images, count_field, "images or more", "--max-images");
        check_image_size(file.bytes.size(), limits.max_image_bytes, field);
        check_image_header(file.bytes, limits.max_image_pixels, field);
        return file;
    }
    check_limit(before.videos + 1, limits.max_videos, count_field, "videos or more", "--max-videos");
    check_media_size(file.bytes.size(), limits.max_video_bytes, field, "a video", "--max-video-size");
    check_video_container(file.bytes, field);
    file.video = true;
    file.video_limits = {limits.max_video_frames, limits.max_image_pixels};
    return file;
}

ImageFile chat_media_part(const json& part, const std::string& type, const std::string& field,
                          const std::vector<ImageFile>& before, const RequestLimits& limits) {
    // Before anything is decoded: no request holds more files than both limits allow together.
    check_media_count(before.size(), limits, "messages");
    const std::string where = field + "." + type;
    const Source source = source_of(part, type);
    if (source.url == nullptr && source.data == nullptr) throw invalid_request(shape_message(where, type), where);
    const size_t videos = count_videos(before);
    return media_file(bytes_of(source, type, where, limits), where, {before.size() - videos, videos}, limits,
                      type == "image_url", "messages");
}

}  // namespace cria
