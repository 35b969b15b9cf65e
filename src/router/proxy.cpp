#include "router/proxy.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>

#include "api/api_error.h"
#include "http/upstream_relay.h"

namespace cria::router {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Hop-by-hop headers, httplib's own (REMOTE_ADDR ...), compression (the child answers plain; the
// router's server may compress), and CORS (the router answers CORS itself).
bool is_forwarded(const std::string& name) {
    const std::string n = lower(name);
    static const char* const dropped[] = {"host", "content-length", "transfer-encoding", "connection", "keep-alive",
                                          "accept-encoding", "content-encoding", "remote_addr", "remote_port",
                                          "local_addr", "local_port", "origin", "upgrade", "te", "trailer"};
    for (const char* d : dropped) {
        if (n == d) return false;
    }
    return n.rfind("access-control-", 0) != 0;
}

}  // namespace

void forward_to_child(ModelRegistry::Lease lease, const httplib::Request& req, const std::string& target,
                      httplib::Response& res, int timeout_s) {
    const int port = lease.port();
    const std::string model = lease.model();
    httplib::Request upstream;
    upstream.method = req.method;
    upstream.path = target;
    upstream.body = req.body;
    for (const auto& [name, value] : req.headers) {
        if (is_forwarded(name)) upstream.headers.emplace(name, value);
    }
    RelayLimits limits;
    limits.read_timeout_s = timeout_s;
    limits.max_queued_bytes = kMaxQueuedAnswerBytes;
    const auto relay = UpstreamRelay::start("http://127.0.0.1:" + std::to_string(port), std::move(upstream), limits);
    if (!relay->has_head()) {
        const std::string why = relay->error();
        relay->stop();
        throw ApiError{503, "unavailable_error", "model '" + model + "': its process did not answer (" + why +
                                                     "); it loads again on the next request", "model"};
    }
    res.status = relay->status();
    std::string content_type = "application/octet-stream";
    for (const auto& [name, value] : relay->headers()) {
        if (lower(name) == "content-type") {
            content_type = value;
        } else if (is_forwarded(name)) {
            res.set_header(name, value);
        }
    }
    // A stream the child broke off ends with an error event (SSE, as cria streams a failure) or a
    // cut connection (anything else), never with a clean end that would pass for a whole answer.
    const bool event_stream = lower(content_type).find("text/event-stream") != std::string::npos;
    std::function<std::string(const std::string&)> broken_tail;
    if (event_stream) {
        broken_tail = [model](const std::string& error) {
            const ApiError e{503, "unavailable_error", "model '" + model + "': its process stopped answering (" + error + ")", "model"};
            return "data: " + e.to_json().dump() + "\n\n";
        };
    }
    UpstreamRelay::stream_to(relay, res, content_type, std::move(broken_tail),
                             std::make_shared<ModelRegistry::Lease>(std::move(lease)));
}

}  // namespace cria::router
