// Anthropic's error shape, for the Messages routes (/v1/messages, /v1/messages/count_tokens):
//   {"type": "error", "error": {"type": "invalid_request_error", "message": "..."}}
// with the ApiError's HTTP status. Anthropic's bodies have no `param`: the message names the field.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/api_error.h"

namespace cria {

// Anthropic's error type for an HTTP status: 400 invalid_request_error, 401 authentication_error,
// 403 permission_error, 404 not_found_error, 413 request_too_large, 429 rate_limit_error,
// 503 and 529 overloaded_error, any other 5xx api_error (other 4xx: invalid_request_error).
const char* anthropic_error_type(int status);

// The body of an error response.
nlohmann::json anthropic_error_json(const ApiError& error);

// A stream's error event: "event: error\ndata: <anthropic_error_json>\n\n".
std::string anthropic_error_event(const ApiError& error);

}  // namespace cria
