// Static content without the rest of the HTTP layer: the built-in web UI or --path DIR, for any
// server that has an HttpConfig (cria's own, and the router's, src/router/). Llama-free.
#pragma once

#include <string>

#include <httplib.h>

#include "options/http_config.h"

namespace cria {

// --path DIR's canonical form in *root ("" when the option is not given). False with *error when
// DIR is not a readable directory.
bool open_static_dir(const HttpConfig& http, std::string* root, std::string* error);

// Answers a GET or HEAD from static content when there is some for its path (see
// static_routes.h: serve_static, which this is). False, writing nothing, otherwise.
bool serve_static_site(const HttpConfig& http, const std::string& root, const httplib::Request& req,
                       httplib::Response& res);

}  // namespace cria
