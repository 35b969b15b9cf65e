#include "engine/video_frames.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "engine/bitmap_id.h"

namespace cria {

namespace {

bool executable_in(const std::string& dir, const char* name) {
    const std::string path = (dir.empty() ? std::string(".") : dir) + "/" + name;
    return access(path.c_str(), X_OK) == 0;
}

bool on_path(const char* name) {
    const char* path = std::getenv("PATH");
    if (path == nullptr) return false;
    std::string list = path;
    size_t from = 0;
    while (from <= list.size()) {
        const size_t colon = list.find(':', from);
        const std::string dir = list.substr(from, colon == std::string::npos ? std::string::npos : colon - from);
        if (executable_in(dir, name)) return true;
        if (colon == std::string::npos) break;
        from = colon + 1;
    }
    return false;
}

struct FreeText {
    void operator()(char* p) const { std::free(p); }
};

}  // namespace

bool video_tools_found(const std::string& ffmpeg_dir) {
    for (const char* tool : {"ffprobe", "ffmpeg"}) {
        if (ffmpeg_dir.empty() ? !on_path(tool) : !executable_in(ffmpeg_dir, tool)) return false;
    }
    return true;
}

VideoFrames read_video(const mtmd_context* ctx, std::string_view file, const VideoSettings& settings,
                       const VideoLimits& limits) {
    VideoFrames out;
    // The helper says only "failed" when ffprobe is missing; a request deserves to know that the
    // fault is the server's setup, not its video.
    if (!video_tools_found(settings.ffmpeg_dir)) {
        out.error = "cannot be decoded: this server has no ffmpeg and ffprobe to read videos with (" +
                    std::string(settings.ffmpeg_dir.empty() ? "none on PATH" : "none in --video-ffmpeg-dir") + ")";
        return out;
    }
    mtmd_helper_video_init_params params = mtmd_helper_video_init_params_default();
    params.fps_target = settings.fps;
    params.timestamp_interval_ms = settings.timestamp_interval_ms;
    params.ffmpeg_bin_dir = settings.ffmpeg_dir.empty() ? nullptr : settings.ffmpeg_dir.c_str();
    const auto* data = reinterpret_cast<const unsigned char*>(file.data());
    mtmd_helper::video_ptr video(mtmd_helper_video_init_from_buf(ctx, data, file.size(), params));
    if (!video) {
        out.error = "could not be decoded: ffprobe found no video stream it can read (the file is damaged, cut short, "
                    "or of an unsupported format)";
        return out;
    }
    const mtmd_helper_video_info info = mtmd_helper_video_get_info(video.get());
    const uint64_t pixels = static_cast<uint64_t>(info.width) * info.height;
    if (limits.max_frame_pixels >= 0 && pixels > static_cast<uint64_t>(limits.max_frame_pixels)) {
        out.error = "has frames of " + std::to_string(info.width) + " x " + std::to_string(info.height) +
                    " pixels; at most " + std::to_string(limits.max_frame_pixels) +
                    " pixels are accepted (--max-image-pixels)";
        return out;
    }
    char fps[32];
    std::snprintf(fps, sizeof(fps), "%g", static_cast<double>(info.fps));
    const std::string too_many = "has more than " + std::to_string(limits.max_frames) + " frames at " + fps +
                                 " frames per second (--max-video-frames, for a request's " +
                                 "videos together): send a shorter video, or lower --video-fps";
    if (info.n_frames > limits.max_frames) {
        out.error = too_many;
        return out;
    }
    const std::string too_large = "has frames of " + std::to_string(info.width) + " x " + std::to_string(info.height) +
                                  " pixels: more frames of that size than a request may hold at once (" +
                                  std::to_string(limits.max_pixels_held) + " pixels for its videos together): " +
                                  "send a smaller or shorter video, or lower --video-fps";
    if (info.n_frames > 0 && static_cast<uint64_t>(info.n_frames) * pixels > static_cast<uint64_t>(limits.max_pixels_held)) {
        out.error = too_large;
        return out;
    }
    int32_t n_frames = 0;
    for (;;) {
        mtmd_bitmap* raw_frame = nullptr;
        char* raw_text = nullptr;
        const int32_t status = mtmd_helper_video_read_next(video.get(), &raw_frame, &raw_text);
        mtmd::bitmap_ptr frame(raw_frame);
        std::unique_ptr<char, FreeText> text(raw_text);
        if (status == -1) break;
        if (status != 0) {
            out.items.clear();
            out.error = "could not be decoded: ffmpeg failed while reading its frames (the file is damaged or cut short)";
            return out;
        }
        VideoItem item;
        if (frame) {
            // The announced count is an estimate (or -1): the limit holds whatever it said.
            if (++n_frames > limits.max_frames) {
                out.items.clear();
                out.error = too_many;
                return out;
            }
            out.pixels_held += static_cast<int64_t>(mtmd_bitmap_get_nx(frame.get())) * mtmd_bitmap_get_ny(frame.get());
            if (out.pixels_held > limits.max_pixels_held) {
                out.items.clear();
                out.error = too_large;
                return out;
            }
            mtmd_bitmap_set_mergeable(frame.get(), true);
            set_pixel_hash_id(frame.get());
            item.frame = std::move(frame);
        } else if (text) {
            item.text = text.get();
        } else {
            continue;
        }
        out.items.push_back(std::move(item));
    }
    if (n_frames == 0) out.error = "could not be decoded: ffmpeg read no frame from it";
    if (!out.ok()) out.items.clear();
    out.n_frames = out.ok() ? n_frames : 0;
    if (!out.ok()) out.pixels_held = 0;
    return out;
}

}  // namespace cria
