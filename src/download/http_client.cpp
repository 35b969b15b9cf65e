#include "download/http_client.h"

#include <cctype>
#include <cstdlib>
#include <memory>
#include <mutex>

#include <curl/curl.h>

#include "download/model_source.h"

namespace cria::download {

namespace {

std::string trim(const std::string& s) {
    size_t b = 0;
    size_t e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// What the callbacks share during one transfer.
struct Transfer {
    const HttpRequest* request = nullptr;
    CURL* curl = nullptr;
    HttpResponse headers;      // of the response being received (reset at each status line)
    bool response_announced = false;
    bool aborted_by_caller = false;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    const std::string line = trim(std::string(data, n));
    if (line.rfind("HTTP/", 0) == 0) {
        // A new response (the first, or one after a redirect or a "100 Continue").
        t->headers = HttpResponse{};
        const auto space = line.find(' ');
        if (space != std::string::npos) t->headers.status = std::strtol(line.c_str() + space + 1, nullptr, 10);
        return n;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) return n;
    const std::string name = lower(trim(line.substr(0, colon)));
    const std::string value = trim(line.substr(colon + 1));
    if (name == "etag") {
        t->headers.etag = value;
    } else if (name == "last-modified") {
        t->headers.last_modified = value;
    } else if (name == "content-range") {
        t->headers.content_range = value;
    } else if (name == "content-length") {
        char* end = nullptr;
        const long long length = std::strtoll(value.c_str(), &end, 10);
        if (end != value.c_str() && length >= 0) t->headers.content_length = length;
    }
    return n;
}

size_t on_write(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    if (!t->response_announced) {
        t->response_announced = true;
        long status = 0;
        curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
        if (status != 0) t->headers.status = status;
        if (t->request->on_response && !t->request->on_response(t->headers)) {
            t->aborted_by_caller = true;
            return 0;
        }
    }
    if (t->request->on_body && !t->request->on_body(data, n)) {
        t->aborted_by_caller = true;
        return 0;
    }
    return n;
}

int on_progress(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t, curl_off_t) {
    auto* t = static_cast<Transfer*>(user);
    if (t->request->cancel && t->request->cancel->load()) return 1;
    if (t->request->on_progress && t->response_announced) {
        t->request->on_progress(static_cast<int64_t>(dlnow), dltotal > 0 ? static_cast<int64_t>(dltotal) : -1);
    }
    return 0;
}

struct CurlDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

HttpResponse http_perform(const HttpRequest& request) {
    // curl_global_init is not thread-safe: do it once, whoever comes first.
    static std::once_flag global_init;
    std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });

    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) {
        HttpResponse r;
        r.error = "cannot initialise libcurl";
        return r;
    }
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    for (const auto& h : request.headers) {
        curl_slist* grown = curl_slist_append(headers.get(), h.c_str());
        if (grown) {
            (void)headers.release();
            headers.reset(grown);
        }
    }

    Transfer t;
    t.request = &request;
    t.curl = curl.get();
    char error_text[CURL_ERROR_SIZE] = {0};
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "cria/0.1.0");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    // A stalled connection (under 1 byte/s for a minute) fails, so a retry can resume it.
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    if (request.timeout_s > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT, request.timeout_s);
    if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    if (request.head_only) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);

    const CURLcode code = curl_easy_perform(c);

    HttpResponse out = t.headers;
    long status = 0;
    if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status != 0) out.status = status;
    if (code == CURLE_OK) {
        out.transport_ok = true;
    } else if (code == CURLE_ABORTED_BY_CALLBACK) {
        out.error = "cancelled";
    } else if (t.aborted_by_caller) {
        out.error = "stopped by cria";
    } else {
        out.error = error_text[0] ? std::string(error_text) : std::string(curl_easy_strerror(code));
    }
    return out;
}

HttpResponse http_get_text(HttpRequest request, size_t max_bytes, std::string* body) {
    body->clear();
    request.on_body = [body, max_bytes](const char* data, size_t size) {
        if (body->size() + size > max_bytes) return false;
        body->append(data, size);
        return true;
    };
    return http_perform(request);
}

bool parse_content_range(const std::string& value, int64_t* start, int64_t* total) {
    const std::string v = trim(value);
    if (lower(v.substr(0, 6)) != "bytes ") return false;
    const char* p = v.c_str() + 6;
    char* end = nullptr;
    const long long s = std::strtoll(p, &end, 10);
    if (end == p || *end != '-' || s < 0) return false;
    p = end + 1;
    const long long e = std::strtoll(p, &end, 10);
    if (end == p || *end != '/' || e < s) return false;
    p = end + 1;
    if (*p == '*' && p[1] == '\0') {
        *total = -1;
    } else {
        const long long t = std::strtoll(p, &end, 10);
        if (end == p || *end != '\0' || t <= e) return false;
        *total = t;
    }
    *start = s;
    return true;
}

std::vector<std::string> bearer_headers(const std::string& token) {
    if (token.empty()) return {};
    return {"Authorization: Bearer " + token};
}

std::string describe_http_status(long status, const std::string& url) {
    std::string why = "HTTP " + std::to_string(status);
    if (status == 401 || status == 403) why += " (access denied: a gated or private model needs --hf-token or HF_TOKEN)";
    if (status == 404) why += " (not found)";
    return why + " from " + url_for_log(url);
}

}  // namespace cria::download
