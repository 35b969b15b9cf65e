// A chat content part that carries a media file: {"type": "image_url"}, {"type": "video_url"} or
// {"type": "input_video"}.
//
// Why the file's own first bytes decide, not the part's type: llama-server 0.7 does so (an image
// sent as video_url is read as an image, a video sent as image_url as a video), and clients that
// put every attachment in image_url rely on it. Each file then counts against the limits of what
// it is (--max-images / --max-image-size / --max-image-pixels, or --max-videos / --max-video-size),
// so no limit can be dodged by choosing the other type. Errors are ApiErrors naming the field.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/image_input.h"
#include "api/request_limits.h"

namespace cria {

// The file of `part`, a content part of type `type` at `field` ("messages[0].content[1]"), placed
// after the request's media files `before` (its id is before.size()). The part's shape is
//   image_url:   {"url": "data:...;base64,..." | "file://..."} or the url as a string
//   video_url:   {"url": ...}
//   input_video: {"url": ...} or {"data": "<base64>", "format": "mp4"}
// (file:// only under --media-path). 400 naming "messages" when the request would hold more media
// files than --max-images and --max-videos together allow (checked before decoding), or more
// images or videos than their own limit; 400 naming field + "." + type for a bad shape, bad base64,
// a file over its size limit, or bytes that are neither a video container (api/video_input.h) nor
// an image whose header check_image_header() accepts.
ImageFile chat_media_part(const nlohmann::json& part, const std::string& type, const std::string& field,
                          const std::vector<ImageFile>& before, const RequestLimits& limits);

// The request's media files so far, by kind.
struct MediaCount {
    size_t images = 0;
    size_t videos = 0;
};

// What chat_media_part() does once it has a file's bytes, for every route that takes media: the
// file, placed after `before` (its id is their number), as a video when its container says so,
// else as an image (always, with `image_unless_video`; otherwise only when it has an image header,
// and the video check's message answers). Count limits name `count_field`, the rest `field`.
ImageFile media_file(std::string bytes, const std::string& field, MediaCount before, const RequestLimits& limits,
                     bool image_unless_video, const char* count_field);

// 400 naming `field` when one more file than `n_before` would exceed --max-images and
// --max-videos together: checked before a file is decoded.
void check_media_count(size_t n_before, const RequestLimits& limits, const char* field);

}  // namespace cria
