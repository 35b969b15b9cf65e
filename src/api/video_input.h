// Whether a file is a video, by its container's first bytes: chat media parts (api/chat_media_part.h)
// take a file as a video only when it passes, so that ffprobe and ffmpeg (engine/video_frames.h)
// only ever see a file that claims to be a video and is within the request's limits.
#pragma once

#include <string>
#include <string_view>

namespace cria {

// The container a video file's first bytes announce: "MP4/QuickTime" (an ftyp, moov, mdat, wide
// or free box first), "Matroska/WebM" (EBML), "AVI" (RIFF....AVI ), "MPEG-PS" (a pack header) or
// "MPEG-TS" (0x47 sync bytes 188 bytes apart); nullptr for anything else.
const char* video_container(std::string_view bytes);

// 400 naming `field` when video_container() finds no video container.
void check_video_container(std::string_view bytes, const std::string& field);

}  // namespace cria
