// What the generating routes share after the front end: installing a request's pending change of
// the system prompt, and the native /completion answer (also /infill's).
#pragma once

#include "frontend/request_pipeline.h"
#include "http/model_frontend.h"
#include "http/server_context.h"

namespace cria {

// Installs the request's own system prompt, if it has one. Call only once the whole request
// passed the front end, before submitting it.
void install_system_prompt(ServerContext& context, const PreparedRequest& prepared);

// Installs the pending change, submits the one prompt and answers in the native /completion shape
// (whole, or SSE when the request streams), n_cmpl times. `frontend` renders tokens for n_probs.
void answer_native_completion(ServerContext& context, const httplib::Request& req, httplib::Response& res,
                              const ModelFrontend& frontend, PreparedRequest prepared,
                              const CompletionResponseOptions& response = {});

}  // namespace cria
