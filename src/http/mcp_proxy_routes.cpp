// GET and POST /cors-proxy?url=URL (--ui-mcp-proxy, --agent): the web UI's way to reach MCP
// servers that send no CORS headers. The request goes to URL with its body, its Content-Type and
// the headers it sent as x-llama-server-proxy-header-NAME (as NAME), as llama-server 0.7 forwards
// them; the answer comes back with its status and headers. Off unless enabled (403
// feature_disabled). The URL is whatever the caller names, so the answer is bounded in size and
// time: it is read whole (up to kMaxProxyAnswerBytes) before it is sent on.
#include <algorithm>
#include <cctype>

#include "http/server_context.h"
#include "util/log.h"

namespace cria {

namespace {

constexpr size_t kMaxProxyAnswerBytes = 16 * 1024 * 1024;
constexpr int kProxyConnectTimeoutS = 10;
constexpr int kProxyReadTimeoutS = 60;
constexpr size_t kMaxUrlBytes = 8192;
const std::string kHeaderPrefix = "x-llama-server-proxy-header-";

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
                                          "content-encoding", "upgrade", "te", "trailer", "content-type"};
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
    const ProxyTarget target = parse_target(req.get_param_value("url"));
    httplib::Client client(target.origin);
    if (!client.is_valid()) throw invalid_request("invalid URL: " + target.origin, "url");
    client.set_connection_timeout(kProxyConnectTimeoutS, 0);
    client.set_read_timeout(kProxyReadTimeoutS, 0);
    client.set_write_timeout(kProxyReadTimeoutS, 0);
    client.set_keep_alive(false);
    client.set_follow_location(false);
    httplib::Request upstream;
    upstream.method = req.method;
    upstream.path = target.path;
    upstream.headers = forwarded_headers(req);
    if (req.method == "POST") {
        upstream.body = req.body;
        if (!upstream.has_header("Content-Type")) {
            upstream.set_header("Content-Type", req.get_header_value("Content-Type", "application/octet-stream"));
        }
    }
    std::string body;
    bool too_large = false;
    upstream.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
        if (body.size() + size > kMaxProxyAnswerBytes) {
            too_large = true;
            return false;
        }
        body.append(data, size);
        return true;
    };
    httplib::Response answer;
    httplib::Error error = httplib::Error::Success;
    if (!client.send(upstream, answer, error)) {
        if (too_large) throw ApiError{502, "server_error", "proxy error: the answer is larger than 16 MiB", "url"};
        throw ApiError{502, "server_error", "proxy error: " + httplib::to_string(error), "url"};
    }
    res.status = answer.status;
    for (const auto& [name, value] : answer.headers) {
        if (passes_back(name)) res.set_header(name, value);
    }
    res.set_content(std::move(body), answer.get_header_value("Content-Type", "application/octet-stream"));
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
