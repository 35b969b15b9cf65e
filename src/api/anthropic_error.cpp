#include "api/anthropic_error.h"

#include "api/completion_response.h"

namespace cria {

const char* anthropic_error_type(int status) {
    switch (status) {
        case 401: return "authentication_error";
        case 403: return "permission_error";
        case 404: return "not_found_error";
        case 413: return "request_too_large";
        case 429: return "rate_limit_error";
        case 503:
        case 529: return "overloaded_error";
        default: break;
    }
    return status >= 500 ? "api_error" : "invalid_request_error";
}

nlohmann::json anthropic_error_json(const ApiError& error) {
    return {{"type", "error"}, {"error", {{"type", anthropic_error_type(error.status)}, {"message", error.message}}}};
}

std::string anthropic_error_event(const ApiError& error) {
    return "event: error\ndata: " + dump_json(anthropic_error_json(error)) + "\n\n";
}

}  // namespace cria
