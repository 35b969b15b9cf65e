// Static content over HTTP: the built-in web UI (embedded at build time), or the files of --path DIR
// instead; /completion.js is served either way (DIR's own wins). API routes are registered first,
// so a static path never shadows one.
#pragma once

#include <string>

#include "http/server_context.h"

namespace cria {

// Checks --path and sets context.static_root to its canonical form. False with *error when the
// option names something that is not a readable directory.
bool open_static_root(ServerContext& context, std::string* error);

// Answers a GET or HEAD from static content when there is some for its path: the file (or 304
// Not Modified), or 403 for a path that tries to leave DIR. False, writing nothing, otherwise.
// Needs no API key: the pre-routing handler calls it for requests without one.
bool serve_static(const ServerContext& context, const httplib::Request& req, httplib::Response& res);

}  // namespace cria
