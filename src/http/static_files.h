// Static content helpers: safe lookup of files under --path DIR, content types, gzip negotiation
// and conditional requests. No httplib here, so each rule is testable alone.
#pragma once

#include <cstddef>
#include <string>

namespace cria {

enum class StaticLookup { found, not_found, forbidden };

struct StaticPath {
    StaticLookup result = StaticLookup::not_found;
    std::string file;  // canonical path of the regular file to serve, when found
};

// Maps a request's path, exactly as sent (still percent-encoded, without the query), to a regular
// file under `root`, which must already be canonical (realpath, no trailing slash).
// Forbidden: an empty, "." or ".." segment (after decoding), an encoded "/" or "\" (%2f, %5c), a
// backslash, a NUL or control character, a malformed escape, and any path whose canonical form
// (symbolic links followed) is not inside root. A directory answers with its index.html.
// Not found: nothing there, or not a regular file.
StaticPath resolve_static_path(const std::string& root, const std::string& raw_path);

// The Content-Type for a file name, from its extension (application/octet-stream when unknown).
std::string content_type_for(const std::string& path);

// Whether an Accept-Encoding header value allows gzip ("gzip" or "*" listed without q=0).
bool accepts_gzip(const std::string& accept_encoding);

// Decompresses a gzip stream into *out. False if the data is not a whole, valid gzip stream.
bool gunzip(const unsigned char* data, size_t size, std::string* out);

// Whether an If-None-Match header value names `etag` (a quoted tag; "*" and weak tags match).
bool etag_matches(const std::string& if_none_match, const std::string& etag);

}  // namespace cria
