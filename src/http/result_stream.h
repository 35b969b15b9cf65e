// The one result stream: the tasks of a request answered as one response through the dialect's
// ResultFormatter (api/result_format.h), whole JSON or a server-sent-event stream.
//
// This is the only place that waits on engine tasks. It also owns the two ways a request ends
// early: a client that goes away (checked whenever no task has an event for a while) and a task
// that fails (an error response, or the stream's error event). Either way the tasks' handles are
// dropped, which cancels whatever still runs.
#pragma once

#include <memory>
#include <vector>

#include "api/result_format.h"
#include "http/server_context.h"

namespace cria {

// Submits every request, or none: 503 when the engine is shutting down or its queue is full (the
// client may retry), 400 when they are more tasks than the queue ever holds.
std::vector<TaskHandle> submit_all(Engine& engine, std::vector<GenerationRequest> requests);

// Answers with the tasks' results, streamed when `stream`. Returns once the whole response is
// written, or (streaming) once the stream's provider is installed; the stream keeps the tasks.
// A stream that has written nothing for `sse_ping_interval_s` seconds (--sse-ping-interval; -1 =
// never) sends its formatter's keep-alive (ResultFormatter::stream_keepalive).
// A task that fails a whole response is thrown as its ApiError, for the route's wrapper
// (api_route) to answer in its dialect's shape.
void respond_with_results(const httplib::Request& req, httplib::Response& res, std::vector<TaskHandle> tasks,
                          std::shared_ptr<ResultFormatter> formatter, bool stream, int32_t sse_ping_interval_s);

}  // namespace cria
