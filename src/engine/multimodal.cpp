#include "engine/multimodal.h"

#include <ggml-backend.h>

#include <llama.h>
#include <mtmd-helper.h>
#include <mtmd.h>

#include <algorithm>
#include <atomic>
#include <deque>

#include "engine/bitmap_id.h"
#include "engine/video_frames.h"

namespace cria {

// An image's chunk (owned: a copy of what mtmd_tokenize made) and, once encoded, its embeddings,
// n_positions rows of the text model's input width.
struct ImageChunk {
    mtmd::input_chunk_ptr chunk;
    std::vector<float> embeddings;
};

namespace {

// The placeholder token of the i-th position of an image whose content hashes to `h`: a negative
// id, in [-2^30, -1], different at every position so that a cache ending inside an image is
// recognized as such.
Token placeholder(uint64_t h, size_t i) {
    const uint64_t mixed = (h + (i + 1) * 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
    return -1 - static_cast<Token>(mixed >> 34);
}

// The content hash of an image chunk: its id (set_pixel_hash_id(): the pixels' hash) and its
// size.
uint64_t chunk_hash(const mtmd_input_chunk* chunk) {
    const char* id = mtmd_input_chunk_get_id(chunk);
    const size_t n = mtmd_input_chunk_get_n_tokens(chunk);
    uint64_t h = fnv1a(&n, sizeof(n));
    if (id != nullptr) return fnv1a(id, std::char_traits<char>::length(id), h);
    // No id: never equal to another image, so no cache is ever taken for it.
    static std::atomic<uint64_t> unique{0};
    const uint64_t k = unique.fetch_add(1) + 1;
    return fnv1a(&k, sizeof(k), ~h);
}

// The image formats libmtmd decodes itself (stb_image), by their first bytes. Anything else is
// refused before libmtmd sees it: its helper would try the bytes as audio, then as video through
// an external ffprobe, neither of which a request for an image should start.
bool looks_like_image(std::string_view f) {
    auto starts = [&](std::string_view magic) { return f.substr(0, magic.size()) == magic; };
    return starts("\x89PNG\r\n\x1a\n") || starts("\xFF\xD8\xFF") || starts("GIF87a") || starts("GIF89a") ||
           starts("BM");
}

// Where the helper is told to find ffmpeg: nowhere, so that a damaged image file (which it would
// try as a video next) never starts a program.
constexpr const char* kNoFfmpegDir = "/nonexistent/cria-does-not-run-ffmpeg";

mtmd::bitmap_ptr decode_image_file(const mtmd_context* ctx, std::string_view file) {
    if (!looks_like_image(file)) return nullptr;
    mtmd_helper_init_opt opt = mtmd_helper_init_opt_default();
    opt.video_params.ffmpeg_bin_dir = kNoFfmpegDir;
    const auto* data = reinterpret_cast<const unsigned char*>(file.data());
    mtmd_helper_bitmap_wrapper w = mtmd_helper_bitmap_init_from_buf(ctx, data, file.size(), /*placeholder=*/false, opt);
    mtmd::bitmap_ptr bitmap(w.bitmap);
    if (w.video_ctx != nullptr) {
        mtmd_helper_video_free(w.video_ctx);
        return nullptr;
    }
    if (!bitmap || mtmd_bitmap_is_audio(bitmap.get())) return nullptr;
    // The id libmtmd gives the image's chunks, which the placeholders are made from: the decoded
    // pixels' hash, so the same picture is recognized whatever file it came in.
    set_pixel_hash_id(bitmap.get());
    return bitmap;
}

}  // namespace

struct MediaProjector::Impl {
    mtmd::context_ptr ctx;
    int32_t n_embd = 0;  // the text model's input width: one embedding row
    VideoSettings video;
};

MediaProjector::MediaProjector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MediaProjector::~MediaProjector() = default;

std::unique_ptr<MediaProjector> MediaProjector::load(const MediaProjectorConfig& config, const llama_model* model,
                                                     std::string* error) {
    mtmd_context_params params = mtmd_context_params_default();
    params.use_gpu = config.use_gpu;
    params.n_threads = std::max(1, config.n_threads);
    params.print_timings = false;
    if (config.device == "none") params.use_gpu = false;
    if (!config.device.empty() && config.device != "none") {
        params.device = ggml_backend_dev_by_name(config.device.c_str());
        if (params.device == nullptr) {
            *error = "--mmproj-device: no device named '" + config.device + "' (see --list-devices)";
            return nullptr;
        }
    }
    if (config.image_min_tokens > 0) params.image_min_tokens = config.image_min_tokens;
    if (config.image_max_tokens > 0) params.image_max_tokens = config.image_max_tokens;
    params.batch_max_tokens = std::max(1, config.batch_max_tokens);
    auto impl = std::make_unique<Impl>();
    // libmtmd checks that the projector's output width is the model's, and says so when not.
    impl->ctx.reset(mtmd_init_from_file(config.path.c_str(), model, params));
    if (!impl->ctx) {
        *error = "failed to load the multimodal projector '" + config.path +
                 "' (--mmproj): not a projector file, or not one for this model";
        return nullptr;
    }
    if (!mtmd_support_vision(impl->ctx.get())) {
        *error = "the multimodal projector '" + config.path + "' takes no images (audio is not supported yet)";
        return nullptr;
    }
    if (mtmd_decode_use_mrope(impl->ctx.get())) {
        *error = "the multimodal projector '" + config.path +
                 "' needs M-RoPE positions (Qwen-VL style), which cria does not support yet";
        return nullptr;
    }
    impl->n_embd = llama_model_n_embd_inp(model);
    impl->video = config.video;
    return std::unique_ptr<MediaProjector>(new MediaProjector(std::move(impl)));
}

bool MediaProjector::supports_vision() const { return mtmd_support_vision(impl_->ctx.get()); }

bool MediaProjector::supports_video() const {
    return supports_vision() && mtmd_helper_support_video(impl_->ctx.get());
}

namespace {

// Appends the tokenized chunks to `out`: text as tokens, each image as placeholders and a
// PromptImage. False when a chunk is neither (audio).
bool append_chunks(const mtmd_input_chunks* chunks, MediaPrompt* out) {
    for (size_t i = 0; i < mtmd_input_chunks_size(chunks); ++i) {
        const mtmd_input_chunk* chunk = mtmd_input_chunks_get(chunks, i);
        const auto type = mtmd_input_chunk_get_type(chunk);
        if (type == MTMD_INPUT_CHUNK_TYPE_TEXT) {
            size_t n = 0;
            const llama_token* tokens = mtmd_input_chunk_get_tokens_text(chunk, &n);
            out->tokens.insert(out->tokens.end(), tokens, tokens + n);
            continue;
        }
        if (type != MTMD_INPUT_CHUNK_TYPE_IMAGE) return false;
        PromptImage image;
        image.position = out->tokens.size();
        image.n_positions = mtmd_input_chunk_get_n_tokens(chunk);
        image.chunk = std::make_shared<ImageChunk>();
        image.chunk->chunk.reset(mtmd_input_chunk_copy(chunk));
        const uint64_t h = chunk_hash(chunk);
        for (size_t k = 0; k < image.n_positions; ++k) out->tokens.push_back(placeholder(h, k));
        out->images.push_back(std::move(image));
    }
    return true;
}

}  // namespace

namespace {

// A prompt's media, decoded: each image one bitmap, each video its frames and timestamp texts.
struct DecodedMedia {
    std::vector<mtmd::bitmap_ptr> images;  // per file; null for a video
    std::vector<VideoFrames> videos;       // per file; empty for an image
};

// Decodes every file into `media`; on failure sets out->error and out->bad_image.
bool decode_media(const mtmd_context* ctx, const std::vector<MediaFile>& files, const VideoSettings& video,
                  DecodedMedia* media, MediaPrompt* out) {
    media->images.resize(files.size());
    media->videos.resize(files.size());
    int32_t frames_read = 0;  // --max-video-frames bounds a request's videos together
    int64_t pixels_held = 0;  // and so does VideoLimits::max_pixels_held
    for (size_t i = 0; i < files.size(); ++i) {
        const MediaFile& file = files[i];
        if (file.video && !mtmd_helper_support_video(ctx)) {
            out->error = "cannot be read: this server's libmtmd was built without video support";
        } else if (file.video) {
            VideoLimits limits = file.video_limits;
            limits.max_frames = std::max(0, limits.max_frames - frames_read);
            limits.max_pixels_held = std::max<int64_t>(0, limits.max_pixels_held - pixels_held);
            media->videos[i] = read_video(ctx, file.bytes, video, limits);
            frames_read += media->videos[i].n_frames;
            pixels_held += media->videos[i].pixels_held;
            if (media->videos[i].ok()) continue;
            out->error = media->videos[i].error;
        } else {
            media->images[i] = decode_image_file(ctx, file.bytes);
            if (media->images[i]) continue;
            out->error = looks_like_image(file.bytes) ? "could not be decoded: the image file is damaged or truncated"
                                                      : "is not a PNG, JPEG, GIF or BMP image";
        }
        out->bad_image = static_cast<int32_t>(i);
        return false;
    }
    return true;
}

}  // namespace

MediaPrompt MediaProjector::tokenize(const std::vector<MediaPromptPart>& parts, const std::vector<MediaFile>& files,
                                     bool add_special) const {
    MediaPrompt out;
    const mtmd_context* ctx = impl_->ctx.get();

    DecodedMedia media;
    if (!decode_media(ctx, files, impl_->video, &media, &out)) return out;

    // The parts below point into `texts`: a deque keeps them where they are as it grows.
    std::deque<mtmd_input_text> texts;
    std::vector<mtmd_input_part> inputs;
    auto add_text = [&](const std::string& text) {
        texts.push_back({text.c_str(), text.size(), false, /*parse_special=*/true});
        inputs.push_back({&texts.back(), nullptr});
    };
    for (const auto& part : parts) {
        if (part.image < 0) {
            if (!part.text.empty()) add_text(part.text);
            continue;
        }
        if (static_cast<size_t>(part.image) >= files.size()) {
            out.error = "a prompt part refers to an image that was not given";
            return out;
        }
        const auto index = static_cast<size_t>(part.image);
        if (!files[index].video) {
            inputs.push_back({nullptr, media.images[index].get()});
            continue;
        }
        for (const VideoItem& item : media.videos[index].items) {
            if (item.frame) {
                inputs.push_back({nullptr, item.frame.get()});
            } else if (!item.text.empty()) {
                add_text(item.text);
            }
        }
    }
    std::vector<const mtmd_input_part*> input_ptrs;
    for (const auto& input : inputs) input_ptrs.push_back(&input);

    mtmd::input_chunks_ptr chunks(mtmd_input_chunks_init());
    const int32_t status = mtmd_tokenize_from_parts(ctx, chunks.get(), input_ptrs.data(), input_ptrs.size(), add_special);
    if (status != 0) {
        out.error = "the vision projector could not process the images (libmtmd status " + std::to_string(status) + ")";
        if (files.size() == 1) out.bad_image = 0;
        return out;
    }
    if (!append_chunks(chunks.get(), &out)) {
        out = MediaPrompt{};
        out.error = "the prompt holds media other than images, which cria does not support yet";
    }
    return out;
}

void MediaProjector::encode_images(const std::vector<const PromptImage*>& images) {
    struct BatchFree {
        void operator()(mtmd_batch* b) const { mtmd_batch_free(b); }
    };
    std::unique_ptr<mtmd_batch, BatchFree> batch(mtmd_batch_init(impl_->ctx.get()));
    if (!batch) return;
    std::vector<ImageChunk*> taken;
    for (const PromptImage* image : images) {
        ImageChunk* chunk = image->chunk.get();
        if (!chunk->embeddings.empty() || std::find(taken.begin(), taken.end(), chunk) != taken.end()) continue;
        // 2: over the token budget; 3: not batchable with those in: the batch is complete.
        if (mtmd_batch_add_chunk(batch.get(), chunk->chunk.get()) != 0) break;
        taken.push_back(chunk);
    }
    if (taken.size() < 2) return;  // one image alone: decode_image() encodes it as ever
    if (mtmd_batch_encode(batch.get()) != 0) return;
    const size_t row = static_cast<size_t>(impl_->n_embd);
    for (ImageChunk* chunk : taken) {
        const float* embd = mtmd_batch_get_output_embd(batch.get(), chunk->chunk.get());
        if (embd == nullptr) continue;  // left to decode_image()
        chunk->embeddings.assign(embd, embd + mtmd_input_chunk_get_n_tokens(chunk->chunk.get()) * row);
    }
}

bool MediaProjector::decode_image(llama_context* ctx, const PromptImage& image, int32_t seq, int32_t pos,
                                  int32_t n_batch, ImageOutputs outputs, std::string* error) {
    ImageChunk& chunk = *image.chunk;
    const auto n = static_cast<int32_t>(image.n_positions);
    const size_t row = static_cast<size_t>(impl_->n_embd);
    if (chunk.embeddings.empty()) {
        if (mtmd_encode_chunk(impl_->ctx.get(), chunk.chunk.get()) != 0) {
            *error = "the vision encoder failed on an image";
            return false;
        }
        const float* embd = mtmd_get_output_embd(impl_->ctx.get());
        chunk.embeddings.assign(embd, embd + static_cast<size_t>(n) * row);
    }
    // Some projectors (Gemma 3) want the image's positions to attend to each other both ways:
    // then the whole image must go in one batch.
    const bool non_causal = mtmd_decode_use_non_causal(impl_->ctx.get(), chunk.chunk.get());
    if (non_causal && n > n_batch) {
        *error = "an image takes " + std::to_string(n) + " positions, more than one batch (" + std::to_string(n_batch) +
                 "); raise --ubatch-size";
        return false;
    }
    if (non_causal) llama_set_causal_attn(ctx, false);
    std::vector<llama_pos> positions(static_cast<size_t>(n_batch));
    std::vector<int32_t> n_seq_id(static_cast<size_t>(n_batch), 1);
    llama_seq_id seq_id = seq;
    std::vector<llama_seq_id*> seq_ids(static_cast<size_t>(n_batch), &seq_id);
    std::vector<int8_t> logits(static_cast<size_t>(n_batch), 0);
    bool ok = true;
    for (int32_t first = 0; first < n && ok; first += n_batch) {
        const int32_t count = std::min(n_batch, n - first);
        for (int32_t i = 0; i < count; ++i) {
            positions[static_cast<size_t>(i)] = pos + first + i;
            const bool last = first + i == n - 1;
            logits[static_cast<size_t>(i)] = outputs == ImageOutputs::all || (outputs == ImageOutputs::last && last) ? 1 : 0;
        }
        llama_batch batch{};
        batch.n_tokens = count;
        batch.embd = chunk.embeddings.data() + static_cast<size_t>(first) * row;
        batch.pos = positions.data();
        batch.n_seq_id = n_seq_id.data();
        batch.seq_id = seq_ids.data();
        batch.logits = logits.data();
        const int32_t status = llama_decode(ctx, batch);
        if (status != 0) {
            *error = "llama_decode failed on an image with status " + std::to_string(status);
            ok = false;
        }
    }
    if (non_causal) llama_set_causal_attn(ctx, true);
    return ok;
}

}  // namespace cria
