// Images in requests, before any model sees them:
//   /completion and /embedding: `image_data: [{"data": "<base64>", "id": 12}]`, placed in the
//     prompt by `[img-12]` references (the seed's form);
//   /v1/chat/completions: content parts {"type": "image_url", "image_url": {"url": "data:..."}}.
// Everything here checks shapes, decodes base64 and reads the image's header (its declared size);
// whether the rest of the bytes are a valid image is for the
// projector to say (engine/multimodal.h, through frontend/). Errors are ApiErrors naming the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/request_limits.h"
#include "engine/media_prompt.h"

namespace cria {

// One image a request sends: its file bytes (PNG, JPEG, ...) and the field they came from, which
// errors about the image name ("image_data", "messages[1].content[0].image_url").
struct ImageFile {
    int64_t id = -1;  // image_data's id; the order of appearance for chat images
    std::string bytes;
    std::string field;
    std::string description;  // how an error message names it, field included
    bool video = false;        // a video (api/video_input.h): its frames take its place
    VideoLimits video_limits;  // for a video: what reading it may cost
};

// The text a chat message's image part leaves in its content, where the image goes (libmtmd's
// default media marker, so /apply-template shows what llama.cpp's server shows).
inline constexpr const char* kImageMarker = "<__media__>";

// `image_data`: absent, null or [] gives no images. Each entry needs a base64 `data` string and a
// non-negative integer `id`, unique in the array. More than limits.max_images entries, or an image
// over limits.max_image_bytes or with a header that
// check_image_header() refuses (limits.max_image_pixels): 400 naming image_data (the count is checked before any decoding).
std::vector<ImageFile> parse_image_data(const nlohmann::json& body, const RequestLimits& limits = RequestLimits{});

// Splits a prompt at its `[img-N]` references into text and image parts (image = index into
// `images`). Every reference must name an image of `images`, and every image must be referenced
// at least once; otherwise 400 naming `prompt_field`, or `image_data` for an unused image.
std::vector<MediaPromptPart> split_image_references(const std::string& prompt, const std::vector<ImageFile>& images,
                                                    const char* prompt_field);

// Splits rendered chat text at kImageMarker: the i-th marker is image i. 400 naming `field` when
// the number of markers is not n_images (a message's text holds the marker itself).
std::vector<MediaPromptPart> split_image_markers(const std::string& text, size_t n_images, const char* field);

// An image_url's bytes. Only data URLs ("data:image/png;base64,...") are accepted: this server
// fetches nothing. 400 naming `field` otherwise, or when the image is over `max_bytes` decoded.
// Its header must also pass check_image_header() with `max_pixels`.
std::string decode_data_url(const std::string& url, const std::string& field,
                            int32_t max_bytes = RequestLimits{}.max_image_bytes,
                            int32_t max_pixels = RequestLimits{}.max_image_pixels);

// The bytes of a base64 data URL ("data:<any type>;base64,..."): the type is not looked at, the
// content's own first bytes are. 400 naming `field` when `url` is not a base64 data URL or holds
// invalid or empty base64. `example` shows the expected form in the message.
std::string data_url_bytes(const std::string& url, const std::string& field,
                           const char* example = "data:image/png;base64,...");

// 400 naming `field` when a file of `decoded_size` bytes is over `max_bytes`: "'field' holds
// <a what> of N bytes; at most M bytes are accepted (<option>)".
void check_media_size(size_t decoded_size, int32_t max_bytes, const std::string& field, const char* what,
                      const char* option);

// 400 naming `field` when an image of `decoded_size` bytes is over `max_bytes`. (Decoding itself is
// bounded by the body limit; this bounds what a request keeps and hands to the projector.)
void check_image_size(size_t decoded_size, int32_t max_bytes, const std::string& field);

// 400 naming `field` when `bytes` are not a PNG, JPEG, GIF or BMP whose header can be read
// (api/image_header.h), or when the header declares more than `max_pixels` pixels: the decoder
// would allocate for all of them before decoding any (--max-image-pixels).
void check_image_header(const std::string& bytes, int32_t max_pixels, const std::string& field);

// Standard base64 (RFC 4648, "+/"; also the URL-safe "-_"); whitespace is skipped and padding is
// optional. nullopt if anything else is in the way.
std::optional<std::string> decode_base64(const std::string& text);

}  // namespace cria
