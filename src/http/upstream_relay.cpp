#include "http/upstream_relay.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace cria {

// What the producer (the thread that talks to the upstream) shares with the consumer (httplib's
// content provider on the client's thread).
struct UpstreamRelay::State {
    std::mutex mutex;
    std::condition_variable changed;
    RelayLimits limits;
    bool head = false;                 // the status line and headers have arrived
    int status = 0;
    httplib::Headers headers;
    std::deque<std::string> chunks;    // body bytes not yet written to the client
    size_t queued = 0;
    size_t total = 0;                  // body bytes received
    bool too_large = false;            // max_total_bytes was passed
    bool done = false;                 // the answer ended (error says whether it broke)
    std::string error;
    bool cancelled = false;            // the client left: stop reading the upstream
    httplib::Client* client = nullptr; // while the producer runs: stop() interrupts a blocked read
    std::thread producer;
    std::shared_ptr<void> keep;
};

namespace {

using State = UpstreamRelay::State;

void produce(const std::shared_ptr<State>& state, const std::string& origin, httplib::Request upstream) {
    httplib::Client client(origin);
    client.set_connection_timeout(state->limits.connect_timeout_s, 0);
    client.set_read_timeout(state->limits.read_timeout_s, 0);
    client.set_write_timeout(state->limits.read_timeout_s, 0);
    client.set_path_encode(false);  // the target is forwarded exactly as given
    client.set_keep_alive(false);
    client.set_follow_location(state->limits.follow_redirects);
    {
        std::lock_guard<std::mutex> lock(state->mutex);
        if (state->cancelled) return;
        state->client = &client;
    }
    upstream.response_handler = [state](const httplib::Response& head) {
        std::lock_guard<std::mutex> lock(state->mutex);
        state->status = head.status;
        state->headers = head.headers;
        state->head = true;
        state->changed.notify_all();
        return !state->cancelled;
    };
    upstream.content_receiver = [state](const char* data, size_t size, uint64_t, uint64_t) {
        std::unique_lock<std::mutex> lock(state->mutex);
        state->changed.wait(lock, [&] { return state->cancelled || state->queued < state->limits.max_queued_bytes; });
        if (state->cancelled) return false;
        state->total += size;
        if (state->limits.max_total_bytes > 0 && state->total > state->limits.max_total_bytes) {
            state->too_large = true;
            return false;
        }
        state->chunks.emplace_back(data, size);
        state->queued += size;
        state->changed.notify_all();
        return true;
    };
    httplib::Response answer;
    httplib::Error error = httplib::Error::Success;
    const bool ok = client.is_valid() && client.send(upstream, answer, error);
    std::lock_guard<std::mutex> lock(state->mutex);
    state->client = nullptr;
    state->done = true;
    if (state->too_large) state->error = "the answer is larger than " + std::to_string(state->limits.max_total_bytes) + " bytes";
    else if (!ok) state->error = client.is_valid() ? httplib::to_string(error) : "invalid URL";
    state->changed.notify_all();
}

// The content provider: hands the upstream's chunks to the client as they come.
bool write_next(State& state, const std::function<std::string(const std::string&)>& broken_tail, httplib::DataSink& sink) {
    std::unique_lock<std::mutex> lock(state.mutex);
    state.changed.wait(lock, [&] { return !state.chunks.empty() || state.done; });
    if (!state.chunks.empty()) {
        std::string chunk = std::move(state.chunks.front());
        state.chunks.pop_front();
        state.queued -= chunk.size();
        state.changed.notify_all();
        lock.unlock();
        return sink.write(chunk.data(), chunk.size());
    }
    if (!state.error.empty()) {
        const std::string tail = broken_tail ? broken_tail(state.error) : "";
        if (tail.empty()) return false;
        lock.unlock();
        sink.write(tail.data(), tail.size());
    }
    sink.done();
    return true;
}

void stop_state(State& state) {
    {
        std::lock_guard<std::mutex> lock(state.mutex);
        state.cancelled = true;
        if (state.client != nullptr) state.client->stop();
        state.changed.notify_all();
    }
    if (state.producer.joinable()) state.producer.join();
    state.keep.reset();
}

}  // namespace

std::shared_ptr<UpstreamRelay> UpstreamRelay::start(const std::string& origin, httplib::Request request,
                                                    const RelayLimits& limits) {
    auto state = std::make_shared<State>();
    state->limits = limits;
    state->producer = std::thread(produce, state, origin, std::move(request));
    {
        std::unique_lock<std::mutex> lock(state->mutex);
        state->changed.wait(lock, [&] { return state->head || state->done; });
    }
    return std::make_shared<UpstreamRelay>(state);
}

bool UpstreamRelay::has_head() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->head;
}

int UpstreamRelay::status() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->status;
}

const httplib::Headers& UpstreamRelay::headers() const { return state_->headers; }  // written once, before head

std::string UpstreamRelay::error() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->error;
}

void UpstreamRelay::stop() { stop_state(*state_); }

void UpstreamRelay::stream_to(const std::shared_ptr<UpstreamRelay>& relay, httplib::Response& res,
                              const std::string& content_type, std::function<std::string(const std::string&)> broken_tail,
                              std::shared_ptr<void> keep) {
    std::shared_ptr<State> state = relay->state_;
    state->keep = std::move(keep);
    res.set_chunked_content_provider(
        content_type,
        [state, broken_tail = std::move(broken_tail)](size_t, httplib::DataSink& sink) {
            return write_next(*state, broken_tail, sink);
        },
        [state](bool) { stop_state(*state); });
}

}  // namespace cria
