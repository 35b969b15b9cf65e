// ApiError: the one error path. Every failure a client can see is an ApiError, rendered in the
// OpenAI error shape: {"error": {"code": 400, "message": "...", "type": "invalid_request_error",
// "param": "n_predict"}}.
//
// Parsing code throws it; the HTTP layer catches it at the handler's edge. Nothing else throws
// past a handler.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cria {

struct ApiError {
    int status = 400;
    std::string type = "invalid_request_error";
    std::string message;
    std::string param;  // the offending field, "" when the error is not about one field

    nlohmann::json to_json() const;
};

ApiError invalid_request(std::string message, std::string param = {});      // 400
ApiError authentication_error(std::string message);                        // 401
ApiError not_found_error(std::string message);                             // 404
ApiError not_supported_error(std::string message);                         // 501
ApiError unavailable_error(std::string message);                           // 503
ApiError server_error(std::string message);                                // 500

}  // namespace cria
