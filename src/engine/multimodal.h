// MediaProjector: images in prompts, through libmtmd and a vision projector file (--mmproj).
//
// A prompt with images is a list of parts, text and images in order. tokenize() decodes the image
// files (PNG, JPEG, BMP, GIF: whatever libmtmd's decoder reads) and the videos (each becomes its
// frames, as images, and timestamp texts: engine/video_frames.h), lets the projector say how many
// positions each image takes, and returns the prompt the engine runs: text tokens, and for each
// image a run of placeholder tokens (is_image_position) with a PromptImage saying where it is.
// The placeholders are derived from the image's content, so the same image at the same place in
// two prompts compares equal and a slot's cache of it is reused like any text prefix.
//
// The engine thread encodes an image (the vision encoder, once per PromptImage) and decodes its
// embeddings into a sequence with decode_image(), in a batch of their own: a llama_batch carries
// tokens or embeddings, never both.
//
// Thread safety: tokenize() may run on any thread (libmtmd's image decoding and tokenizing take
// the context as const); decode_image() only on the engine thread.
//
// Not supported yet (refused when loading): projectors whose text model uses M-RoPE positions
// (Qwen-VL: an image's positions there are not one per embedding), and audio-only projectors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/generation_request.h"
#include "engine/media_prompt.h"

struct llama_context;
struct llama_model;

namespace cria {

// Which of an image's positions decode_image() asks outputs (logits, or embeddings) for.
enum class ImageOutputs { none, last, all };

struct MediaProjectorConfig {
    std::string path;
    bool use_gpu = true;   // --no-mmproj-offload: run the vision encoder on the CPU
    int32_t n_threads = 1;
    std::string device;    // -mmdev: a backend device's name ("" = libmtmd's choice; "none" = the CPU)
    int32_t image_min_tokens = -1;  // --image-min-tokens (-1 = the projector's)
    int32_t image_max_tokens = -1;  // --image-max-tokens (-1 = the projector's)
    int32_t batch_max_tokens = 1024;  // --mtmd-batch-max-tokens: image tokens per encoder batch
    VideoSettings video;              // --video-fps, --video-timestamp-interval, --video-ffmpeg-dir
};

class MediaProjector {
public:
    // Loads the projector for `model`. Returns null with *error on failure, including a projector
    // whose width does not match the model's, or one of the kinds above that cria does not run.
    static std::unique_ptr<MediaProjector> load(const MediaProjectorConfig& config, const llama_model* model,
                                                std::string* error);
    ~MediaProjector();
    MediaProjector(const MediaProjector&) = delete;
    MediaProjector& operator=(const MediaProjector&) = delete;

    bool supports_vision() const;
    // Vision, and a libmtmd built with video support (it runs ffmpeg and ffprobe, which may still
    // be missing: a video request then fails with a message saying so).
    bool supports_video() const;

    // Any HTTP thread, never the engine thread (a video waits for ffmpeg). `files` are the images'
    // and videos' bytes, referred to by index from `parts`. Text parts are tokenized with special
    // tokens parsed; add_special puts the model's BOS first.
    MediaPrompt tokenize(const std::vector<MediaPromptPart>& parts, const std::vector<MediaFile>& files,
                         bool add_special) const;

    // Engine thread. Encodes the image unless done before, then decodes its embeddings into
    // sequence `seq` at positions pos .. pos + n_positions - 1, at most n_batch per llama_decode.
    // Outputs, where asked for, are those of the last llama_decode, in position order (the last
    // position's is then output (n_positions - 1) % n_batch). Returns false with *error on
    // failure; the sequence may then hold part of the image.
    bool decode_image(llama_context* ctx, const PromptImage& image, int32_t seq, int32_t pos, int32_t n_batch,
                      ImageOutputs outputs, std::string* error);

    // Engine thread. Encodes, in one vision-encoder batch, the longest prefix of `images` that
    // libmtmd takes together: at most batch_max_tokens image tokens (the first image always), and
    // only images the projector can batch (libmtmd 0.7: InternVL, Gemma 4 vision, DeepSeek-OCR; any
    // other takes one image per batch). Images already encoded are skipped. Each encoded image
    // keeps its embeddings, which decode_image() then uses. Nothing is encoded when the batch
    // fails: decode_image() then encodes each image alone. The embeddings are the same either way.
    void encode_images(const std::vector<const PromptImage*>& images);

private:
    struct Impl;
    explicit MediaProjector(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace cria
