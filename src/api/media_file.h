// Local media named by file:// URLs (--media-path): a request may send
// "file://photos/cat.png" wherever it may send an image's or a video's data URL, and the server reads
// <media path>/photos/cat.png. Only files inside the media directory are ever read: the path is
// resolved (symbolic links and `..` included) and refused unless it stays inside the directory's
// own resolved path. Without --media-path every file:// URL is refused, as any other non-data URL.
#pragma once

#include <cstdint>
#include <string>

#include "api/request_limits.h"

namespace cria {

// The size a file read from the media directory may have, and how an error names it.
struct MediaSizeLimit {
    int32_t max_bytes;
    const char* what;    // "an image", "a video"
    const char* option;  // "--max-image-size"
};

// Whether `url` is a file:// URL (the scheme compared without case, as URL schemes are).
bool is_file_url(const std::string& url);

// The bytes of the file `url` names under limits.media_path. 400 naming `field` when
// --media-path is not set, when the path (percent-decoded) is empty, holds a NUL, resolves outside
// the media directory or to something other than a regular file, when the file cannot be read,
// when it is over limits.max_image_bytes (checked before reading), or when its header fails
// check_image_header() with limits.max_image_pixels. The message never shows where the media
// directory is, only the path the client sent.
std::string read_media_file(const std::string& url, const std::string& field, const RequestLimits& limits);

// The same without the image checks: the bytes of any regular file under the media directory, at
// most size.max_bytes (checked before reading and after).
std::string read_media_bytes(const std::string& url, const std::string& field, const RequestLimits& limits,
                             const MediaSizeLimit& size);

// An image URL as requests may send it: a base64 data URL (decode_data_url()), or a file:// URL
// under --media-path (read_media_file()). Anything else is refused with a 400 naming `field`.
std::string image_url_bytes(const std::string& url, const std::string& field, const RequestLimits& limits);

}  // namespace cria
