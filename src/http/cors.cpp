#include "http/cors.h"

#include <algorithm>

namespace cria {

bool is_localhost_origin(const std::string& origin) {
    const auto scheme_end = origin.find("://");
    if (scheme_end == std::string::npos) return false;
    std::string host = origin.substr(scheme_end + 3);
    if (host.rfind("[::1]", 0) == 0) {
        host = host.substr(5);
    } else {
        const auto colon = host.find(':');
        const std::string name = host.substr(0, colon);
        if (name != "localhost" && name != "127.0.0.1") return false;
        host = colon == std::string::npos ? "" : host.substr(colon);
    }
    // Nothing but an optional port may follow the host.
    if (host.empty()) return true;
    return host.size() > 1 && host[0] == ':' &&
           host.find_first_not_of("0123456789", 1) == std::string::npos;
}

CorsDecision decide_cors(const CorsPolicy& policy, const std::string& origin, bool preflight,
                         const std::string& requested_headers) {
    CorsDecision d;
    const bool any = std::find(policy.origins.begin(), policy.origins.end(), "*") != policy.origins.end();
    if (origin.empty()) {
        // Not a browser's cross-origin call: nothing to allow or refuse.
        if (any) d.headers.emplace_back("Access-Control-Allow-Origin", "*");
        return d;
    }
    const bool localhost_mode =
        std::find(policy.origins.begin(), policy.origins.end(), "localhost") != policy.origins.end();
    // "localhost" is the mode's keyword, never an origin a browser sends.
    const bool named = origin != "localhost" &&
                       std::find(policy.origins.begin(), policy.origins.end(), origin) != policy.origins.end();
    const bool listed = any || named || (localhost_mode && is_localhost_origin(origin));
    if (!listed) {
        d.allowed = false;
        return d;
    }
    const bool echo = policy.credentials || !any;
    d.headers.emplace_back("Access-Control-Allow-Origin", echo ? origin : "*");
    if (echo) d.headers.emplace_back("Vary", "Origin");
    if (policy.credentials) d.headers.emplace_back("Access-Control-Allow-Credentials", "true");
    if (preflight) {
        d.headers.emplace_back("Access-Control-Allow-Methods", policy.methods);
        const bool echo_headers = policy.headers == "*" && !requested_headers.empty();
        d.headers.emplace_back("Access-Control-Allow-Headers", echo_headers ? requested_headers : policy.headers);
        d.headers.emplace_back("Access-Control-Max-Age", "600");
    }
    return d;
}

}  // namespace cria
