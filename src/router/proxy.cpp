#include "router/proxy.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "api/api_error.h"

namespace cria::router {

namespace {

// The state one forwarded request shares between the thread that talks to the child (the
// producer) and httplib's content provider on the client's thread (the consumer).
struct AnswerPipe {
    std::mutex mutex;
    std::condition_variable changed;
    bool head = false;                 // the child's status line and headers have arrived
    int status = 0;
    httplib::Headers headers;
    std::deque<std::string> chunks;    // body bytes not yet written to the client
    size_t queued = 0;
    bool done = false;                 // the child's answer ended (error says whether it broke)
    std::string error;
    bool cancelled = false;            // the client left: stop reading the child
    httplib::Client* client = nullptr; // while the producer runs: stop() interrupts a blocked read
    std::thread producer;
    std::unique_ptr<ModelRegistry::Lease> lease;
};

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

void produce(const std::shared_ptr<AnswerPipe>& pipe, int port, httplib::Request upstream, int timeout_s) {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(timeout_s, 0);
    client.set_write_timeout(timeout_s, 0);
    client.set_path_encode(false);  // the target is forwarded exactly as the client sent it
    client.set_keep_alive(false);
    {
        std::lock_guard<std::mutex> lock(pipe->mutex);
        if (pipe->cancelled) return;
        pipe->client = &client;
    }
    upstream.response_handler = [pipe](const httplib::Response& head) {
        std::lock_guard<std::mutex> lock(pipe->mutex);
        pipe->status = head.status;
        pipe->headers = head.headers;
        pipe->head = true;
        pipe->changed.notify_all();
        return !pipe->cancelled;
    };
    upstream.content_receiver = [pipe](const char* data, size_t size, uint64_t, uint64_t) {
        std::unique_lock<std::mutex> lock(pipe->mutex);
        pipe->changed.wait(lock, [&] { return pipe->cancelled || pipe->queued < kMaxQueuedAnswerBytes; });
        if (pipe->cancelled) return false;
        pipe->chunks.emplace_back(data, size);
        pipe->queued += size;
        pipe->changed.notify_all();
        return true;
    };
    httplib::Response answer;
    httplib::Error error = httplib::Error::Success;
    const bool ok = client.send(upstream, answer, error);
    std::lock_guard<std::mutex> lock(pipe->mutex);
    pipe->client = nullptr;
    pipe->done = true;
    if (!ok) pipe->error = httplib::to_string(error);
    pipe->changed.notify_all();
}

// The content provider: hands the child's chunks to the client as they come. A stream the child
// broke off ends with an error event (SSE) or a cut connection (anything else), never with a
// clean end that would pass for a whole answer.
bool write_next(AnswerPipe& pipe, const std::string& model, bool event_stream, httplib::DataSink& sink) {
    std::unique_lock<std::mutex> lock(pipe.mutex);
    pipe.changed.wait(lock, [&] { return !pipe.chunks.empty() || pipe.done; });
    if (!pipe.chunks.empty()) {
        std::string chunk = std::move(pipe.chunks.front());
        pipe.chunks.pop_front();
        pipe.queued -= chunk.size();
        pipe.changed.notify_all();
        lock.unlock();
        return sink.write(chunk.data(), chunk.size());
    }
    if (!pipe.error.empty()) {
        if (!event_stream) return false;
        const ApiError e{503, "unavailable_error", "model '" + model + "': its process stopped answering (" + pipe.error + ")", "model"};
        const std::string event = "data: " + e.to_json().dump() + "\n\n";  // as cria streams a failure
        lock.unlock();
        sink.write(event.data(), event.size());
    }
    sink.done();
    return true;
}

void stop_producer(AnswerPipe& pipe) {
    {
        std::lock_guard<std::mutex> lock(pipe.mutex);
        pipe.cancelled = true;
        if (pipe.client != nullptr) pipe.client->stop();
        pipe.changed.notify_all();
    }
    if (pipe.producer.joinable()) pipe.producer.join();
    pipe.lease.reset();
}

}  // namespace

void forward_to_child(ModelRegistry::Lease lease, const httplib::Request& req, const std::string& target,
                      httplib::Response& res, int timeout_s) {
    const int port = lease.port();
    const std::string model = lease.model();
    auto pipe = std::make_shared<AnswerPipe>();
    pipe->lease = std::make_unique<ModelRegistry::Lease>(std::move(lease));
    httplib::Request upstream;
    upstream.method = req.method;
    upstream.path = target;
    upstream.body = req.body;
    for (const auto& [name, value] : req.headers) {
        if (is_forwarded(name)) upstream.headers.emplace(name, value);
    }
    pipe->producer = std::thread(produce, pipe, port, std::move(upstream), timeout_s);
    {
        std::unique_lock<std::mutex> lock(pipe->mutex);
        pipe->changed.wait(lock, [&] { return pipe->head || pipe->done; });
    }
    if (!pipe->head) {
        const std::string why = pipe->error;
        stop_producer(*pipe);
        throw ApiError{503, "unavailable_error", "model '" + model + "': its process did not answer (" + why +
                                                     "); it loads again on the next request", "model"};
    }
    res.status = pipe->status;
    std::string content_type = "application/octet-stream";
    for (const auto& [name, value] : pipe->headers) {
        if (lower(name) == "content-type") {
            content_type = value;
        } else if (is_forwarded(name)) {
            res.set_header(name, value);
        }
    }
    const bool event_stream = lower(content_type).find("text/event-stream") != std::string::npos;
    res.set_chunked_content_provider(
        content_type,
        [pipe, model, event_stream](size_t, httplib::DataSink& sink) { return write_next(*pipe, model, event_stream, sink); },
        [pipe](bool) { stop_producer(*pipe); });
}

}  // namespace cria::router
