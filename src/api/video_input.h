// Videos in chat requests, before any model sees them:
//   {"type": "video_url", "video_url": {"url": "data:video/mp4;base64,..."}}  (or "file://..." under --media-path)
//   {"type": "input_video", "input_video": {"data": "<base64>", "format": "mp4"}}  (or {"url": ...})
// as llama-server 0.7 takes them. Everything here checks shapes, decodes base64 and looks at the
// container's first bytes, so that ffprobe and ffmpeg (engine/video_frames.h) only ever see a
// file that claims to be a video and is within the request's limits. Errors are ApiErrors naming
// the field.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/image_input.h"
#include "api/request_limits.h"

namespace cria {

// The container a video file's first bytes announce: "MP4/QuickTime" (an ftyp, moov, mdat, wide
// or free box first), "Matroska/WebM" (EBML), "AVI" (RIFF....AVI ), "MPEG-PS" (a pack header) or
// "MPEG-TS" (0x47 sync bytes 188 bytes apart); nullptr for anything else.
const char* video_container(std::string_view bytes);

// 400 naming `field` when video_container() finds no video container.
void check_video_container(std::string_view bytes, const std::string& field);

// A video URL's bytes: a base64 data URL, or a file:// URL under --media-path. 400 naming `field`
// when it is neither, when the video is over limits.max_video_bytes, or is not a video container.
std::string video_url_bytes(const std::string& url, const std::string& field, const RequestLimits& limits);

// A chat content part of type "video_url" or "input_video" (`type`), the request's
// `n_videos_before` + 1-th video: more than limits.max_videos gives a 400 naming "messages"
// before anything is decoded. `field` is the part's path ("messages[0].content[1]"); errors about
// its content name field + "." + type.
ImageFile video_part(const nlohmann::json& part, const std::string& type, const std::string& field,
                     size_t n_videos_before, const RequestLimits& limits);

}  // namespace cria
