// GET and POST /cors-proxy?url=URL (--ui-mcp-proxy, --agent): the web UI's way to reach MCP
// servers that send no CORS headers. The request goes to URL with its body, its Content-Type and
// the headers it sent as x-llama-server-proxy-header-NAME (as NAME), as llama-server 0.7 forwards
// them; the answer comes back with its status and headers. Off unless enabled (403
// feature_disabled). The answer is relayed as it comes (an MCP server's SSE stream too), bounded:
// the URL is whatever the caller names, so it may send at most kMaxProxyAnswerBytes and stay
// silent at most kProxyReadTimeoutS.
#include <algorithm>
#include <cctype>

#include "http/server_context.h"
#include "http/upstream_relay.h"
#include "util/log.h"

namespace cria {

namespace {

constexpr size_t kMaxProxyAnswerBytes = 64 * 1024 * 1024;
constexpr int kProxyConnectTimeoutS = 10;
constexpr int kProxyReadTimeoutS = 60;
constexpr size_t kMaxUrlBytes = 8192;
const std::string kHeaderPrefix = "x-llama-server-proxy-header-";
// Set on what the proxy sends: a request that carries it came through a proxy of ours (perhaps
// this one, pointed at itself) and is refused, so a loop cannot tie up every HTTP thread.
const char* const kHopHeader = "X-Cria-Cors-Proxy";

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

struct ProxyTarget {
    std::string origin;  // scheme://host[:port]
    std::string path;    // path and query, at least "/"
};

ProxyTarget parse_target(const std::string& url) {
    if (url.empty() || url.size() > kMaxUrlBytes) throw invalid_request("'url' must be an http(s) URL of at most 8192 bytes", "url");
    const size_t scheme_end = url.find("://");
    if (scheme_end == std::string::npos) throw invalid_request("invalid URL: no scheme", "url");
    const std::string scheme = lower(url.substr(0, scheme_end));
    if (scheme != "http" && scheme != "https") throw invalid_request("unsupported URL scheme: " + scheme, "url");
    const size_t path_start = url.find_first_of("/?#", scheme_end + 3);
    const std::string authority = url.substr(scheme_end + 3, path_start == std::string::npos ? std::string::npos : path_start - scheme_end - 3);
    if (authority.empty() || authority.find('@') != std::string::npos ||
        authority.find_first_of(" \t\r\n\\") != std::string::npos) {
        throw invalid_request("invalid URL: bad host", "url");
    }
    std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
    if (path[0] != '/') path = "/" + path;
    const size_t fragment = path.find('#');
    if (fragment != std::string::npos) path.erase(fragment);
    if (path.find_first_of(" \r\n") != std::string::npos) throw invalid_request("invalid URL: bad path", "url");
    return {scheme + "://" + authority, path};
}

// Hop-by-hop headers and CORS (this server answers CORS itself) are not passed back.
bool passes_back(const std::string& name) {
    const std::string n = lower(name);
    static const char* const dropped[] = {"content-length", "transfer-encoding", "connection", "keep-alive",
                                          "content-encoding", "upgrade", "te", "trailer", "server"};
    for (const char* d : dropped) {
        if (n == d) return false;
    }
    return n.rfind("access-control-", 0) != 0;
}

httplib::Headers forwarded_headers(const httplib::Request& req) {
    httplib::Headers out;
    for (const auto& [name, value] : req.headers) {
        const std::string n = lower(name);
        if (n.size() > kHeaderPrefix.size() && n.rfind(kHeaderPrefix, 0) == 0) out.emplace(name.substr(kHeaderPrefix.size()), value);
    }
    return out;
}

void handle_proxy(const httplib::Request& req, httplib::Response& res) {
    if (req.has_header(kHopHeader)) throw invalid_request("the URL leads back to a CORS proxy", "url");
    const ProxyTarget target = parse_target(req.get_param_value("url"));
    httplib::Request upstream;
    upstream.method = req.method;
    upstream.path = target.path;
    upstream.headers = forwarded_headers(req);
    upstream.set_header(kHopHeader, "1");
    if (req.method == "POST") {
        upstream.body = req.body;
        if (!upstream.has_header("Content-Type")) {
            upstream.set_header("Content-Type", req.get_header_value("Content-Type", "application/octet-stream"));
        }
    }
    RelayLimits limits;
    limits.connect_timeout_s = kProxyConnectTimeoutS;
    limits.read_timeout_s = kProxyReadTimeoutS;
    limits.max_total_bytes = kMaxProxyAnswerBytes;
    const auto relay = UpstreamRelay::start(target.origin, std::move(upstream), limits);
    if (!relay->has_head()) {
        const std::string why = relay->error();
        relay->stop();
        throw ApiError{502, "server_error", "proxy error: " + why, "url"};
    }
    res.status = relay->status();
    std::string content_type = "application/octet-stream";
    for (const auto& [name, value] : relay->headers()) {
        if (lower(name) == "content-type") content_type = value;
        else if (passes_back(name)) res.set_header(name, value);
    }
    res.set_header("X-Accel-Buffering", "no");
    // An answer broken off (or cut at the size limit) ends with a cut connection.
    UpstreamRelay::stream_to(relay, res, content_type, nullptr);
}

}  // namespace

void register_mcp_proxy_routes(Routes& routes, ServerContext& context) {
    const bool enabled = context.options.agent.mcp_proxy;
    if (enabled) log_warn("security: the MCP CORS proxy is enabled (experimental): do not expose this server to untrusted clients");
    const auto handle = [enabled](ServerContext&, const httplib::Request& req, httplib::Response& res) {
        if (!enabled) return send_feature_disabled(res);
        handle_proxy(req, res);
    };
    routes.Get("/cors-proxy", api_route(context, handle));
    routes.Post("/cors-proxy", api_route(context, handle));
}

}  // namespace cria
