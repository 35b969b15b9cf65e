#include "http/result_stream.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <variant>

#include "util/log.h"

namespace cria {

namespace {

using std::chrono::milliseconds;

// How often a waiting handler checks whether its client is still there.
constexpr milliseconds kClientCheckInterval{100};

// Hands out the tasks' events, round robin so that no task starves the others. A task is done
// after its last event (a result or a failure).
class EventPump {
public:
    struct Event {
        size_t task;
        TaskEvent event;
    };

    explicit EventPump(std::vector<TaskHandle>& tasks) : tasks_(tasks), done_(tasks.size(), false), left_(tasks.size()) {}

    bool finished() const { return left_ == 0; }

    // The next event of an unfinished task; nullopt when a full round brought none (the caller
    // then checks its client). One round waits about kClientCheckInterval.
    std::optional<Event> next() {
        const milliseconds slice(std::max<int64_t>(1, kClientCheckInterval.count() / static_cast<int64_t>(tasks_.size())));
        for (size_t tried = 0; tried < tasks_.size(); ++tried) {
            const size_t i = cursor_;
            cursor_ = (cursor_ + 1) % tasks_.size();
            if (done_[i]) continue;
            auto event = tasks_[i].next_event(slice);
            if (!event) continue;
            if (!std::holds_alternative<TokenChunk>(*event)) {
                done_[i] = true;
                --left_;
            }
            return Event{i, std::move(*event)};
        }
        return std::nullopt;
    }

private:
    std::vector<TaskHandle>& tasks_;
    std::vector<bool> done_;
    size_t left_;
    size_t cursor_ = 0;
};

// Adds a finished task's tokens to the request's log line.
void note_result(const ResultFormatter& formatter, size_t task, const TaskEvent& event) {
    if (const auto* r = std::get_if<CompletionResult>(&event)) {
        note_request_tokens(formatter.counts_prompt(task) ? r->n_prompt_tokens : 0, r->timings.predicted_n);
    } else if (const auto* e = std::get_if<EmbeddingResult>(&event)) {
        note_request_tokens(e->n_tokens, 0);
    }
}

void respond_whole(const httplib::Request& req, httplib::Response& res, std::vector<TaskHandle>& tasks,
                   ResultFormatter& formatter) {
    EventPump pump(tasks);
    while (!pump.finished()) {
        auto next = pump.next();
        if (!next) {
            if (req.is_connection_closed()) return;  // no answer; the caller drops the tasks
            continue;
        }
        note_result(formatter, next->task, next->event);
        // Thrown, so that the route's wrapper (api_route) answers it in its dialect's error shape.
        if (const auto* failure = std::get_if<TaskFailure>(&next->event)) throw task_failure_error(*failure);
        if (const auto* r = std::get_if<CompletionResult>(&next->event)) {
            formatter.take_result(next->task, tasks[next->task].request(), *r);
        } else if (auto* e = std::get_if<EmbeddingResult>(&next->event)) {
            formatter.take_embedding(next->task, std::move(*e));
        }
        // TokenChunks only come for streaming requests; nothing to do with one here.
    }
    send_json(res, formatter.whole_response());
}

bool write_text(httplib::DataSink& sink, const std::string& text) {
    return text.empty() || sink.write(text.data(), text.size());
}

// --sse-ping-interval: sends the formatter's keep-alive once the stream has written nothing for
// the interval (a prompt being evaluated, a request queued behind busy slots). Every write of the
// stream restarts the interval, so pings only fill silences.
class KeepAlive {
public:
    KeepAlive(int32_t interval_s, std::string text)
        : interval_(std::chrono::seconds(interval_s)), text_(std::move(text)), enabled_(interval_s > 0 && !text_.empty()) {}

    void wrote() { last_write_ = std::chrono::steady_clock::now(); }

    // Writes the keep-alive if one is due; false when the client is gone.
    bool ping_if_due(httplib::DataSink& sink) {
        if (!enabled_ || std::chrono::steady_clock::now() - last_write_ < interval_) return true;
        wrote();
        return write_text(sink, text_);
    }

private:
    std::chrono::steady_clock::duration interval_;
    std::string text_;
    bool enabled_;
    std::chrono::steady_clock::time_point last_write_ = std::chrono::steady_clock::now();
};

// The stream's whole life. Returns false when the client left (the provider's "abort").
bool stream_results(std::vector<TaskHandle>& tasks, ResultFormatter& formatter, httplib::DataSink& sink,
                    int32_t ping_interval_s) {
    KeepAlive keepalive(ping_interval_s, formatter.stream_keepalive());
    if (!write_text(sink, formatter.stream_opening())) return false;
    EventPump pump(tasks);
    while (!pump.finished()) {
        auto next = pump.next();
        if (!next) {
            // client gone while nothing was generated
            if (!sink.is_writable() || !keepalive.ping_if_due(sink)) return false;
            continue;
        }
        note_result(formatter, next->task, next->event);
        std::string text;
        if (const auto* chunk = std::get_if<TokenChunk>(&next->event)) {
            text = formatter.stream_token(next->task, *chunk);
        } else if (const auto* r = std::get_if<CompletionResult>(&next->event)) {
            text = formatter.stream_end(next->task, tasks[next->task].request(), *r);
        } else if (const auto* failure = std::get_if<TaskFailure>(&next->event)) {
            write_text(sink, formatter.stream_failure(task_failure_error(*failure)));
            sink.done();
            return true;
        }
        if (!write_text(sink, text)) return false;
        if (!text.empty()) keepalive.wrote();
    }
    write_text(sink, formatter.stream_closing());
    sink.done();
    return true;
}

// stream_results, with whatever it throws (a formatter's fault, memory) turned into the stream's
// error event: an exception must not leave a content provider, where httplib would end the process.
bool stream_results_guarded(std::vector<TaskHandle>& tasks, ResultFormatter& formatter, httplib::DataSink& sink,
                            int32_t ping_interval_s) {
    try {
        return stream_results(tasks, formatter, sink, ping_interval_s);
    } catch (...) {
        bool unexpected = false;
        const ApiError error = api_error_from(std::current_exception(), &unexpected);
        if (unexpected) log_error("unhandled exception in a stream: " + error.message);
        try {
            write_text(sink, formatter.stream_failure(error));
            sink.done();
            return true;
        } catch (...) {
            return false;  // not even the error event could be written: the connection is dropped
        }
    }
}

struct StreamState {
    std::vector<TaskHandle> tasks;
    std::shared_ptr<ResultFormatter> formatter;
};

}  // namespace

std::vector<TaskHandle> submit_all(Engine& engine, std::vector<GenerationRequest> requests) {
    const size_t n = requests.size();
    Engine::Submission submission = engine.submit(std::move(requests));
    const std::string capacity = std::to_string(submission.queue_capacity);
    switch (submission.admission) {
        case QueueAdmission::queued: return std::move(submission.tasks);
        case QueueAdmission::full:  // send_error adds Retry-After to a 503
            throw unavailable_error("the server is busy: its queue of " + capacity +
                                    " waiting requests (--max-queued-requests) is full; try again later");
        case QueueAdmission::too_large:
            throw invalid_request("this request makes " + std::to_string(n) + " generation tasks (prompts x n), more " +
                                  "than the " + capacity + " the server queues (--max-queued-requests)");
        case QueueAdmission::closed: break;
    }
    throw unavailable_error("the server is shutting down");
}

void respond_with_results(const httplib::Request& req, httplib::Response& res, std::vector<TaskHandle> tasks,
                          std::shared_ptr<ResultFormatter> formatter, bool stream, int32_t sse_ping_interval_s) {
    if (!stream) return respond_whole(req, res, tasks, *formatter);
    const char* content_type = formatter->stream_content_type();
    auto state = std::make_shared<StreamState>(StreamState{std::move(tasks), std::move(formatter)});
    send_event_stream(
        res,
        [state, sse_ping_interval_s](size_t, httplib::DataSink& sink) {
            const bool ok = stream_results_guarded(state->tasks, *state->formatter, sink, sse_ping_interval_s);
            state->tasks.clear();  // cancels whatever still runs (the client left, or a task failed)
            return ok;
        },
        [state](bool) { state->tasks.clear(); }, content_type);
}

}  // namespace cria
