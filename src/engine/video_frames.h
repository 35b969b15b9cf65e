// Videos in prompts: a video file's frames and timestamp texts, read through libmtmd's video
// helper (mtmd-helper.h), which runs ffprobe and ffmpeg as child processes.
//
// Why our own loop instead of mtmd_helper_bitmap_init_from_buf: the server must bound what one
// request costs. read_video() checks the frame size and the frame count the helper announces
// before reading any frame, and stops at the frame limit even when the announcement was wrong or
// missing, so no request makes the server read an unbounded number of frames.
//
// Thread safety: call on an HTTP thread (it waits for ffmpeg), never on the engine thread; the
// projector context is only read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <mtmd-helper.h>
#include <mtmd.h>

#include "engine/media_prompt.h"

namespace cria {

// One item of a video, in order: a frame (mergeable, its id the hash of its pixels, so the same
// frame gives the same cache placeholders) or a timestamp text.
struct VideoItem {
    mtmd::bitmap_ptr frame;  // null for a text item
    std::string text;
};

struct VideoFrames {
    std::vector<VideoItem> items;
    int32_t n_frames = 0;  // frames among the items
    int64_t pixels_held = 0;  // width x height summed over its frames
    std::string error;  // "" on success; else why, phrased to follow "the video ..."
    bool ok() const { return error.empty(); }
};

// Whether ffprobe and ffmpeg are executable programs in `ffmpeg_dir`, or on PATH when it is "".
bool video_tools_found(const std::string& ffmpeg_dir);

// Reads `file` (the video's bytes) into frames and timestamps. Every bitmap and the helper's
// context are freed on every path; on failure no items are returned.
VideoFrames read_video(const mtmd_context* ctx, std::string_view file, const VideoSettings& settings,
                       const VideoLimits& limits);

}  // namespace cria
