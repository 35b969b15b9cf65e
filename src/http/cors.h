// CORS: which browser origins may call the API, and the headers that say so. Pure logic (no HTTP
// library), so the rules are unit-tested directly.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "options/http_config.h"  // CorsPolicy

namespace cria {

struct CorsDecision {
    bool allowed = true;  // false: the origin is not on the list (no CORS headers; preflight refused)
    std::vector<std::pair<std::string, std::string>> headers;
};

// The response headers for a request from `origin` ("" when the request has no Origin header, as
// from curl or a server). `preflight`: an OPTIONS request asking what is allowed, with the headers
// it named in Access-Control-Request-Headers.
// With credentials on, the request's origin (and, for "*" headers, the requested headers) are
// echoed back: browsers read "*" literally on a request with credentials, and never let it cover
// Authorization.
// --cors-origins localhost (llama-server's special value): only pages served from this machine,
// http(s)://localhost, 127.0.0.1 or [::1], any port, and their origin is echoed back.
bool is_localhost_origin(const std::string& origin);

CorsDecision decide_cors(const CorsPolicy& policy, const std::string& origin, bool preflight,
                         const std::string& requested_headers = "");

}  // namespace cria
