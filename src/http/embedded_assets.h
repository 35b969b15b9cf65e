// The files of the built-in web UI, compiled into the binary.
//
// The definition is generated at build time (cmake/embed_assets.cmake) from webui/dist, the output
// of the web build (scripts/build runs it). When that folder is missing the build still works: it
// embeds a placeholder index.html that says how to build the UI, and the plain completion.js.
#pragma once

#include <cstddef>
#include <string_view>

namespace cria {

struct EmbeddedAsset {
    std::string_view path;       // URL path, e.g. "/index.html", "/assets/app-3F2A9C1B.js"
    const unsigned char* data;   // the bytes as stored: gzip-compressed when `gzipped`
    size_t size;
    bool gzipped;
    std::string_view etag;       // a hash of the stored bytes, quoted, ready for the ETag header
};

// Every embedded asset; the pointer stays valid for the whole run.
const EmbeddedAsset* embedded_assets(size_t* count);

// True when webui/dist was missing at build time and "/" is only the placeholder page.
bool embedded_webui_is_placeholder();

}  // namespace cria
