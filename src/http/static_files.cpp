#include "http/static_files.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cctype>
#include <climits>
#include <cstdlib>
#include <vector>

namespace cria {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decodes one path segment. False for anything a file name under root must never contain.
bool decode_segment(const std::string& raw, std::string* out) {
    out->clear();
    for (size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '%') {
            if (i + 2 >= raw.size()) return false;
            const int hi = hex_value(raw[i + 1]);
            const int lo = hex_value(raw[i + 2]);
            if (hi < 0 || lo < 0) return false;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        const unsigned char u = static_cast<unsigned char>(c);
        // An encoded separator would let one segment name a path in another directory.
        if (c == '/' || c == '\\' || u < 0x20 || u == 0x7f) return false;
        out->push_back(c);
    }
    return !out->empty() && *out != "." && *out != "..";
}

std::string canonical(const std::string& path) {
    char resolved[PATH_MAX];
    if (realpath(path.c_str(), resolved) == nullptr) return std::string();
    return resolved;
}

bool inside(const std::string& root, const std::string& path) {
    if (root == "/") return path.size() > 1 && path[0] == '/';
    return path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/';
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

std::vector<std::string> split(const std::string& s, char separator) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
        const size_t cut = s.find(separator, start);
        parts.push_back(s.substr(start, cut == std::string::npos ? std::string::npos : cut - start));
        if (cut == std::string::npos) return parts;
        start = cut + 1;
    }
}

}  // namespace

StaticPath resolve_static_path(const std::string& root, const std::string& raw_path) {
    StaticPath out;
    if (raw_path.empty() || raw_path[0] != '/') {
        out.result = StaticLookup::forbidden;
        return out;
    }
    std::string relative;
    const std::vector<std::string> segments = split(raw_path.substr(1), '/');
    for (size_t i = 0; i < segments.size(); ++i) {
        // One trailing slash names a directory ("/docs/"); any other empty segment is refused.
        if (segments[i].empty() && i + 1 == segments.size()) break;
        std::string name;
        if (!decode_segment(segments[i], &name)) {
            out.result = StaticLookup::forbidden;
            return out;
        }
        relative += "/" + name;
    }
    std::string target = canonical(root + relative);
    if (target.empty()) return out;  // nothing there (or a dangling link): not found
    if (target != root && !inside(root, target)) {
        out.result = StaticLookup::forbidden;  // a symbolic link out of root
        return out;
    }
    struct stat info {};
    if (stat(target.c_str(), &info) != 0) return out;
    if (S_ISDIR(info.st_mode)) {
        const std::string index = canonical(target + "/index.html");
        if (index.empty()) return out;
        if (!inside(root, index)) {
            out.result = StaticLookup::forbidden;
            return out;
        }
        target = index;
        if (stat(target.c_str(), &info) != 0) return out;
    }
    if (!S_ISREG(info.st_mode)) return out;
    out.result = StaticLookup::found;
    out.file = target;
    return out;
}

std::string content_type_for(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    const size_t dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "application/octet-stream";
    const std::string ext = lower(path.substr(dot + 1));
    struct Type {
        const char* ext;
        const char* type;
    };
    static const Type types[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json; charset=utf-8"},
        {"map", "application/json; charset=utf-8"},
        {"txt", "text/plain; charset=utf-8"},
        {"md", "text/markdown; charset=utf-8"},
        {"csv", "text/csv; charset=utf-8"},
        {"xml", "application/xml"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"avif", "image/avif"},
        {"ico", "image/x-icon"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"ttf", "font/ttf"},
        {"otf", "font/otf"},
        {"wasm", "application/wasm"},
        {"pdf", "application/pdf"},
        {"mp3", "audio/mpeg"},
        {"wav", "audio/wav"},
        {"mp4", "video/mp4"},
        {"webm", "video/webm"},
        {"webmanifest", "application/manifest+json"},
    };
    for (const auto& t : types) {
        if (ext == t.ext) return t.type;
    }
    return "application/octet-stream";
}

bool accepts_gzip(const std::string& accept_encoding) {
    bool star = false;
    for (const std::string& item : split(accept_encoding, ',')) {
        const std::vector<std::string> parts = split(item, ';');
        const std::string coding = lower(trim(parts[0]));
        if (coding != "gzip" && coding != "x-gzip" && coding != "*") continue;
        bool refused = false;
        for (size_t i = 1; i < parts.size(); ++i) {
            const std::string param = lower(trim(parts[i]));
            if (param.compare(0, 2, "q=") == 0) refused = std::strtod(param.c_str() + 2, nullptr) <= 0.0;
        }
        if (coding == "*") {
            star = !refused;
        } else {
            return !refused;  // named explicitly: that decides, whatever "*" says
        }
    }
    return star;
}

bool gunzip(const unsigned char* data, size_t size, std::string* out) {
    out->clear();
    z_stream stream{};
    // 16 + MAX_WBITS: a gzip header and trailer, checked.
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) return false;
    stream.next_in = const_cast<unsigned char*>(data);
    stream.avail_in = static_cast<uInt>(size);
    unsigned char buffer[16384];
    int status = Z_OK;
    while (status == Z_OK) {
        stream.next_out = buffer;
        stream.avail_out = sizeof(buffer);
        status = inflate(&stream, Z_NO_FLUSH);
        if (status != Z_OK && status != Z_STREAM_END) break;
        out->append(reinterpret_cast<const char*>(buffer), sizeof(buffer) - stream.avail_out);
        if (status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) break;  // truncated input
    }
    inflateEnd(&stream);
    return status == Z_STREAM_END && stream.avail_in == 0;
}

bool etag_matches(const std::string& if_none_match, const std::string& etag) {
    for (const std::string& item : split(if_none_match, ',')) {
        std::string tag = trim(item);
        if (tag == "*") return true;
        if (tag.compare(0, 2, "W/") == 0) tag = tag.substr(2);
        if (tag == etag) return true;
    }
    return false;
}

}  // namespace cria
