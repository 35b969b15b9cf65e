// Prompts with images as plain data: what the HTTP side hands the vision projector
// (engine/multimodal.h) and what it gets back. No libllama or libmtmd here, so the request
// parsers in api/ can split prompts into these parts without seeing the projector.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/generation_request.h"

namespace cria {

// One piece of a prompt with images: text (image < 0), or images[image] of the request.
struct MediaPromptPart {
    std::string text;
    int32_t image = -1;
};

// How videos are sampled (server options: engine/backend_config.h).
struct VideoSettings {
    float fps = 4.0f;                       // --video-fps: frames taken per second of video
    int32_t timestamp_interval_ms = 5000;   // --video-timestamp-interval: a "[0m5.0s]" text this often (<= 0: none)
    std::string ffmpeg_dir;                 // --video-ffmpeg-dir: where ffmpeg and ffprobe are ("" = PATH)
};

// What one video may cost (request limits, api/request_limits.h), checked while it is read.
struct VideoLimits {
    int32_t max_frames = 64;                // --max-video-frames (for a request's videos together)
    int64_t max_frame_pixels = 32 << 20;    // --max-image-pixels: width x height of each frame
    // The frames' pixels held at once, for a request's videos together: they are all decoded
    // before libmtmd tokenizes them, 3 bytes each (64 Mi pixels: 192 MiB; e.g. 64 frames of 1280 x 720
    // fit, 64 of 1920 x 1080 do not). Not an option: --max-video-frames and --video-fps are the knobs.
    int64_t max_pixels_held = int64_t{64} << 20;
};

// One media file of a prompt: an image, or a video (its frames and timestamps take its place).
struct MediaFile {
    std::string_view bytes;
    bool video = false;
    VideoLimits video_limits;  // for a video
};

// What MediaProjector::tokenize() returns. On failure `error` says why, and bad_image names the
// media file at fault (-1 when it is not one image's fault); tokens and images are then empty.
struct MediaPrompt {
    std::vector<Token> tokens;
    std::vector<PromptImage> images;
    std::string error;
    int32_t bad_image = -1;
    bool ok() const { return error.empty(); }
};

}  // namespace cria
