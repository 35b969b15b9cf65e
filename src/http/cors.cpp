#include "http/cors.h"

#include <algorithm>

namespace cria {

CorsDecision decide_cors(const CorsPolicy& policy, const std::string& origin, bool preflight,
                         const std::string& requested_headers) {
    CorsDecision d;
    const bool any = std::find(policy.origins.begin(), policy.origins.end(), "*") != policy.origins.end();
    if (origin.empty()) {
        // Not a browser's cross-origin call: nothing to allow or refuse.
        if (any) d.headers.emplace_back("Access-Control-Allow-Origin", "*");
        return d;
    }
    const bool listed = any || std::find(policy.origins.begin(), policy.origins.end(), origin) != policy.origins.end();
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
