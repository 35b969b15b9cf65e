// UpstreamRelay: sends a request to another HTTP server and hands its answer to our client as it
// comes (SSE and NDJSON chunk by chunk, never buffered whole). Used by the router's reverse proxy
// (router/proxy.cpp) and the MCP CORS proxy (mcp_proxy_routes.cpp).
//
// A producer thread reads the upstream answer with cpp-httplib's client; httplib's content
// provider on the client's thread writes it. At most max_queued_bytes wait for a slow client: the
// upstream socket is not read further until the client takes some (backpressure), so a stalled
// client costs bounded memory. A client that leaves stops the producer (its blocked read is
// interrupted), which closes the upstream connection.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <httplib.h>

namespace cria {

struct RelayLimits {
    int connect_timeout_s = 5;
    int read_timeout_s = 600;                // how long the upstream may stay silent
    size_t max_queued_bytes = 4u << 20;      // answer bytes waiting for the client
    size_t max_total_bytes = 0;              // the answer is cut after this many bytes (0 = no limit)
    bool follow_redirects = false;
};

class UpstreamRelay {
public:
    // Sends `request` to `origin` ("http://127.0.0.1:8081", "https://host") and waits until the
    // answer's status line and headers arrive or the request fails.
    static std::shared_ptr<UpstreamRelay> start(const std::string& origin, httplib::Request request, const RelayLimits& limits);

    bool has_head() const;                  // false: the upstream gave no answer (see error())
    int status() const;
    const httplib::Headers& headers() const;  // valid once has_head()
    std::string error() const;              // why the request failed ("" while it has not)

    // Sets `res` to stream the body with `content_type`. When the upstream breaks off mid-answer,
    // `broken_tail(error)` is written last if it returns text (an SSE error event), else the
    // connection is cut, so a broken answer never passes for a whole one. `keep` is held until
    // the answer has been written or the client left (the router's lease on its child).
    static void stream_to(const std::shared_ptr<UpstreamRelay>& relay, httplib::Response& res,
                          const std::string& content_type, std::function<std::string(const std::string&)> broken_tail,
                          std::shared_ptr<void> keep = nullptr);

    // Stops the producer and waits for it (the answer is not sent: for an answer refused after
    // its head arrived).
    void stop();

    struct State;
    explicit UpstreamRelay(std::shared_ptr<State> state) : state_(std::move(state)) {}

private:
    std::shared_ptr<State> state_;
};

}  // namespace cria
