#include "api/media_file.h"

#include <sys/stat.h>

#include <cctype>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>

#include "api/api_error.h"
#include "api/image_input.h"

namespace cria {

namespace {

const std::string kScheme = "file://";

std::optional<int> hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return std::nullopt;
}

// "%20" and the like, decoded; nullopt for a malformed escape.
std::optional<std::string> percent_decoded(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        const auto hi = i + 2 < text.size() ? hex_value(text[i + 1]) : std::nullopt;
        const auto lo = i + 2 < text.size() ? hex_value(text[i + 2]) : std::nullopt;
        if (!hi || !lo) return std::nullopt;
        out += static_cast<char>(*hi * 16 + *lo);
        i += 2;
    }
    return out;
}

// The canonical form of `path` (every link and `..` resolved); nullopt when it does not exist.
std::optional<std::string> resolved(const std::string& path) {
    std::unique_ptr<char, decltype(&std::free)> real(realpath(path.c_str(), nullptr), &std::free);
    if (!real) return std::nullopt;
    return std::string(real.get());
}

ApiError refused(const std::string& field, const std::string& what) {
    return invalid_request("'" + field + "' " + what, field);
}

// The resolved file `path` names under the media directory `root`; throws when it leaves it.
std::string file_inside(const std::string& root, const std::string& path, const std::string& field) {
    const auto real_root = resolved(root);
    if (!real_root) throw refused(field, "cannot be read: the media directory (--media-path) is missing");
    // An absolute path is taken as it is and must lie inside the directory like any other.
    const std::string joined = path.front() == '/' ? path : *real_root + "/" + path;
    const auto real = resolved(joined);
    if (!real) throw refused(field, "names a file that does not exist under --media-path: " + path);
    const std::string prefix = *real_root == "/" ? "/" : *real_root + "/";
    if (real->compare(0, prefix.size(), prefix) != 0 || real->size() == prefix.size()) {
        throw refused(field, "names a file outside the media directory (--media-path): " + path);
    }
    return *real;
}

}  // namespace

bool is_file_url(const std::string& url) {
    if (url.size() < kScheme.size()) return false;
    for (size_t i = 0; i < kScheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(url[i])) != kScheme[i]) return false;
    }
    return true;
}

std::string read_media_bytes(const std::string& url, const std::string& field, const RequestLimits& limits,
                             const MediaSizeLimit& size) {
    if (limits.media_path.empty()) {
        throw refused(field, "is a file:// URL, but this server reads no local files (start it with --media-path DIR)");
    }
    const auto path = percent_decoded(url.substr(kScheme.size()));
    if (!path || path->empty() || path->find('\0') != std::string::npos) {
        throw refused(field, "must name a file under the media directory: file://<relative path>");
    }
    const std::string real = file_inside(limits.media_path, *path, field);
    struct stat info {};
    if (stat(real.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
        throw refused(field, "does not name a regular file: " + *path);
    }
    check_media_size(static_cast<size_t>(info.st_size), size.max_bytes, field, size.what, size.option);
    std::ifstream in(real, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) throw refused(field, "could not be read: " + *path);
    // Read again against the limit: the file may have grown since stat().
    check_media_size(bytes.size(), size.max_bytes, field, size.what, size.option);
    if (bytes.empty()) throw refused(field, "names an empty file: " + *path);
    return bytes;
}

std::string read_media_file(const std::string& url, const std::string& field, const RequestLimits& limits) {
    std::string bytes = read_media_bytes(url, field, limits, {limits.max_image_bytes, "an image", "--max-image-size"});
    check_image_header(bytes, limits.max_image_pixels, field);
    return bytes;
}

std::string image_url_bytes(const std::string& url, const std::string& field, const RequestLimits& limits) {
    if (is_file_url(url)) return read_media_file(url, field, limits);
    return decode_data_url(url, field, limits.max_image_bytes, limits.max_image_pixels);
}

}  // namespace cria
