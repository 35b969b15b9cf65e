// The router's reverse proxy: a request goes to the child that serves its model, and the child's
// answer comes back as it is written (SSE and NDJSON streams chunk by chunk, never buffered
// whole). Errors of the child (its status and body) pass through unchanged; only a child that
// cannot be reached or dies before answering gets the router's own 503.
#pragma once

#include <string>

#include <httplib.h>

#include "router/model_registry.h"

namespace cria::router {

// At most this many bytes of a child's answer wait for a slow client; the child's socket is not
// read further until the client takes some (backpressure, so a stalled client costs bounded memory).
inline constexpr size_t kMaxQueuedAnswerBytes = 4u << 20;

// Forwards `req` (its method, headers and body; `target` is its path and query without the
// --api-prefix) to the child behind `lease`, and sets `res` to stream the child's answer. The
// lease is held until the answer has been written or the client left; a client that leaves
// closes the connection to the child, which cancels its work. `timeout_s`: how long the child
// may stay silent. Throws ApiError 503 when the child gives no answer at all.
void forward_to_child(ModelRegistry::Lease lease, const httplib::Request& req, const std::string& target,
                      httplib::Response& res, int timeout_s);

}  // namespace cria::router
