// A thin wrapper over one libcurl request: redirects followed, the final response's status and
// caching headers collected, the body handed to a callback as it arrives.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cria::download {

// What came back. `transport_ok` false means no complete response arrived (no connection, a
// connection dropped mid-body, a timeout, or the caller aborted); `error` then says why.
struct HttpResponse {
    bool transport_ok = false;
    std::string error;
    long status = 0;                // of the final response, after redirects; 0 when none arrived
    std::string etag;               // "" when absent
    std::string last_modified;      // "" when absent
    std::string content_range;      // "" when absent, e.g. "bytes 100-999/1000"
    int64_t content_length = -1;    // -1 when absent
};

struct HttpRequest {
    std::string url;
    std::vector<std::string> headers;  // "Name: value" lines
    bool head_only = false;
    long timeout_s = 0;                // whole transfer; 0 = none (only stalls time out)
    // Called with the final response's status and headers before its first body byte; returning
    // false aborts the transfer. May be empty.
    std::function<bool(const HttpResponse&)> on_response;
    // Called with each piece of the body; returning false aborts. Empty: the body is dropped.
    std::function<bool(const char* data, size_t size)> on_body;
    // Bytes of this response's body received so far and its size (-1 when unknown).
    std::function<void(int64_t received, int64_t total)> on_progress;
    const std::atomic<bool>* cancel = nullptr;  // set: the transfer stops soon
};

// Runs the request. Never throws.
HttpResponse http_perform(const HttpRequest& request);

// A GET of a small text (a JSON document): the body is collected into *body, at most `max_bytes` of
// it (a longer one aborts the transfer: transport_ok false). The request's on_body is replaced.
HttpResponse http_get_text(HttpRequest request, size_t max_bytes, std::string* body);

// The value of a "bytes START-END/TOTAL" Content-Range: start and total (-1 when "*").
// Returns false when the header is not of that form.
bool parse_content_range(const std::string& value, int64_t* start, int64_t* total);

// {"Authorization: Bearer <token>"}, or no header when the token is "".
std::vector<std::string> bearer_headers(const std::string& token);

// "HTTP 404 (not found) from <url>": an error status in words, with a hint for 401/403 (a gated
// model needs a token). The URL is shown without credentials (url_for_log), never the token.
std::string describe_http_status(long status, const std::string& url);

}  // namespace cria::download
