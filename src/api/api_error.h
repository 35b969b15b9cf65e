// ApiError: the one error path. Every failure a client can see is an ApiError, rendered in the
// OpenAI error shape: {"error": {"code": 400, "message": "...", "type": "invalid_request_error",
// "param": "n_predict"}}.
//
// Parsing code throws it; the HTTP layer answers it at the handler's edge (http/server_context.h,
// api_route). It is a std::exception, so code that catches std::exception never loses one, and
// anything else that escapes a handler is turned into one by api_error_from().
#pragma once

#include <exception>
#include <string>

#include <nlohmann/json.hpp>

namespace cria {

struct ApiError : std::exception {
    ApiError() = default;
    ApiError(int status_code, std::string error_type, std::string error_message, std::string error_param)
        : status(status_code), type(std::move(error_type)), message(std::move(error_message)),
          param(std::move(error_param)) {}

    int status = 400;
    std::string type = "invalid_request_error";
    std::string message;
    std::string param;  // the offending field, "" when the error is not about one field
    nlohmann::json details = nlohmann::json::object();  // more members of "error" (e.g. n_ctx)

    const char* what() const noexcept override { return message.c_str(); }
    nlohmann::json to_json() const;
};

ApiError invalid_request(std::string message, std::string param = {});      // 400
ApiError authentication_error(std::string message);                        // 401
ApiError not_found_error(std::string message);                             // 404
ApiError payload_too_large_error(std::string message);                     // 413
ApiError not_supported_error(std::string message);                         // 501
ApiError unavailable_error(std::string message);                           // 503
ApiError server_error(std::string message);                                // 500
// A prompt longer than a slot's context: 400 with llama-server's type and numbers,
// {"type": "exceed_context_size_error", "n_prompt_tokens": N, "n_ctx": M}.
ApiError exceed_context_size_error(int64_t n_prompt_tokens, int64_t n_ctx);

// The error a client sees for an exception that escaped request handling: an ApiError as it is;
// a nlohmann::json exception as 400 (it comes from reading a client's JSON of the wrong shape, a
// client mistake); any other exception as 500 with its message. *unexpected (when given) says
// whether it was something else than an ApiError or a JSON error: a server fault, worth a log line.
ApiError api_error_from(std::exception_ptr error, bool* unexpected = nullptr);

}  // namespace cria
