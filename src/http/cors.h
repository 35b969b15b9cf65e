// CORS: which browser origins may call the API, and the headers that say so. Pure logic (no HTTP
// library), so the rules are unit-tested directly.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cria {

struct CorsPolicy {
    std::vector<std::string> origins = {"*"};  // --cors-origins; "*" = any origin
    std::string methods = "GET, POST, OPTIONS"; // --cors-methods
    std::string headers = "*";                  // --cors-headers
    bool credentials = true;                    // --cors-credentials / --no-cors-credentials
};

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
CorsDecision decide_cors(const CorsPolicy& policy, const std::string& origin, bool preflight,
                         const std::string& requested_headers = "");

}  // namespace cria
