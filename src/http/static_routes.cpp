// GET of static content: the catch-all route, registered after every API route.
#include "http/static_routes.h"

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "http/embedded_assets.h"
#include "http/static_files.h"
#include "http/static_site.h"
#include "util/log.h"

namespace cria {

namespace {

// Hashed build outputs never change under their name; everything else is revalidated each time.
constexpr const char* kImmutable = "public, max-age=31536000, immutable";
constexpr const char* kRevalidate = "no-cache";

// The request's path as sent (still percent-encoded), without the query.
std::string raw_path(const httplib::Request& req) {
    const std::string& target = req.target.empty() ? req.path : req.target;
    return target.substr(0, target.find_first_of("?#"));
}

const EmbeddedAsset* find_asset(const std::string& path) {
    const std::string wanted = path == "/" ? "/index.html" : path;
    size_t count = 0;
    const EmbeddedAsset* assets = embedded_assets(&count);
    for (size_t i = 0; i < count; ++i) {
        if (assets[i].path == wanted) return &assets[i];
    }
    return nullptr;
}

bool not_modified(const httplib::Request& req, httplib::Response& res, const std::string& etag) {
    res.set_header("ETag", etag);
    if (!req.has_header("If-None-Match") || !etag_matches(req.get_header_value("If-None-Match"), etag)) return false;
    res.status = 304;
    return true;
}

void serve_asset(const EmbeddedAsset& asset, const httplib::Request& req, httplib::Response& res) {
    const std::string path(asset.path);
    const std::string type = content_type_for(path);
    res.set_header("Cache-Control", path.rfind("/assets/", 0) == 0 ? kImmutable : kRevalidate);
    res.set_header("Vary", "Accept-Encoding");
    res.set_header("X-Content-Type-Options", "nosniff");
    if (not_modified(req, res, std::string(asset.etag))) return;
    if (asset.gzipped && accepts_gzip(req.get_header_value("Accept-Encoding"))) {
        res.set_header("Content-Encoding", "gzip");
        // A sized content provider: httplib compresses set_content bodies itself, and these bytes
        // are compressed already.
        const unsigned char* data = asset.data;
        res.set_content_provider(asset.size, type,
                                 [data](size_t offset, size_t length, httplib::DataSink& sink) {
                                     return sink.write(reinterpret_cast<const char*>(data) + offset, length);
                                 });
        return;
    }
    if (asset.gzipped) {
        std::string plain;
        if (!gunzip(asset.data, asset.size, &plain)) {
            send_error(res, server_error("embedded asset " + path + " is corrupt"));
            return;
        }
        res.set_content(std::move(plain), type);
        return;
    }
    res.set_content(std::string(reinterpret_cast<const char*>(asset.data), asset.size), type);
}

void serve_file(const std::string& file, const httplib::Request& req, httplib::Response& res) {
    struct stat info {};
    auto stream = std::make_shared<std::ifstream>(file, std::ios::binary);
    if (stat(file.c_str(), &info) != 0 || !*stream) {
        send_error(res, not_found_error("no file at " + req.path));
        return;
    }
    char etag[64];
    std::snprintf(etag, sizeof(etag), "\"%llx-%llx\"", static_cast<unsigned long long>(info.st_size),
                  static_cast<unsigned long long>(info.st_mtim.tv_sec) * 1000000000ull +
                      static_cast<unsigned long long>(info.st_mtim.tv_nsec));
    res.set_header("Cache-Control", kRevalidate);
    res.set_header("X-Content-Type-Options", "nosniff");
    if (not_modified(req, res, etag)) return;
    // Streamed in pieces, so a large file never sits whole in memory.
    res.set_content_provider(static_cast<size_t>(info.st_size), content_type_for(file),
                             [stream](size_t offset, size_t length, httplib::DataSink& sink) {
                                 char buffer[65536];
                                 stream->clear();
                                 stream->seekg(static_cast<std::streamoff>(offset));
                                 const size_t want = std::min(length, sizeof(buffer));
                                 stream->read(buffer, static_cast<std::streamsize>(want));
                                 const std::streamsize got = stream->gcount();
                                 if (got <= 0) return false;
                                 return sink.write(buffer, static_cast<size_t>(got));
                             });
}

void send_forbidden(httplib::Response& res, const std::string& path) {
    send_error(res, ApiError{403, "invalid_request_error", "the path " + path + " is not allowed", ""});
}

}  // namespace

bool open_static_root(ServerContext& context, std::string* error) {
    if (!open_static_dir(context.options.http, &context.static_root, error)) return false;
    if (!context.static_root.empty()) log_info("serving static files from " + context.static_root);
    return true;
}

bool open_static_dir(const HttpConfig& http, std::string* root, std::string* error) {
    const std::string& dir = http.static_path;
    if (dir.empty()) return true;
    char resolved[PATH_MAX];
    struct stat info {};
    if (realpath(dir.c_str(), resolved) == nullptr || stat(resolved, &info) != 0 || !S_ISDIR(info.st_mode)) {
        *error = "--path " + dir + ": not a directory";
        return false;
    }
    *root = resolved;
    return true;
}

bool serve_static(const ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    return serve_static_site(context.options.http, context.static_root, req, res);
}

bool serve_static_site(const HttpConfig& http, const std::string& static_root, const httplib::Request& req,
                       httplib::Response& res) {
    if (req.method != "GET" && req.method != "HEAD") return false;
    // Static paths are looked up without the --api-prefix; a path outside it has no file.
    const std::string& prefix = http.api_prefix;
    const std::string path = path_under_prefix(req.path, prefix);
    if (path.empty()) return false;
    if (!static_root.empty()) {
        const std::string raw = path_under_prefix(raw_path(req), prefix);
        if (raw.empty()) return false;
        const StaticPath found = resolve_static_path(static_root, raw);
        if (found.result == StaticLookup::forbidden) {
            send_forbidden(res, req.path);
            return true;
        }
        if (found.result == StaticLookup::found) {
            serve_file(found.file, req, res);
            return true;
        }
        // The seed's example pages import /completion.js from the server beside their own files.
        const EmbeddedAsset* library = path == "/completion.js" ? find_asset(path) : nullptr;
        if (library == nullptr) return false;
        serve_asset(*library, req, res);
        return true;
    }
    if (!http.webui) return false;
    const EmbeddedAsset* asset = find_asset(path);
    if (asset == nullptr) return false;
    serve_asset(*asset, req, res);
    return true;
}

void register_static_routes(Routes& routes, ServerContext& context) {
    if (context.options.http.webui && context.options.http.static_path.empty() && embedded_webui_is_placeholder()) {
        log_warn("the web UI was not built into this binary: / shows a placeholder page (run scripts/build)");
    }
    if (!context.options.http.api_prefix.empty()) {
        // The UI's page is prefix/: its relative URLs (assets/..., props) then resolve under the
        // prefix, which they would not from the bare prefix.
        routes.Get("", api_route(context, [](ServerContext& c, const httplib::Request&, httplib::Response& res) {
            res.set_redirect(c.options.http.api_prefix + "/");
        }));
    }
    routes.Get(R"(/.*)", api_route(context, [](ServerContext& c, const httplib::Request& req, httplib::Response& res) {
        if (!serve_static(c, req, res)) throw not_found_error("no route for " + req.method + " " + req.path);
    }));
}

}  // namespace cria
