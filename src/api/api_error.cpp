#include "api/api_error.h"

namespace cria {

nlohmann::json ApiError::to_json() const {
    nlohmann::json error = {{"code", status}, {"message", message}, {"type", type}};
    error["param"] = param.empty() ? nlohmann::json(nullptr) : nlohmann::json(param);
    return {{"error", error}};
}

namespace {
ApiError make_error(int status, const char* type, std::string message, std::string param = {}) {
    return ApiError{status, type, std::move(message), std::move(param)};
}
}  // namespace

ApiError invalid_request(std::string message, std::string param) {
    return make_error(400, "invalid_request_error", std::move(message), std::move(param));
}
ApiError authentication_error(std::string message) { return make_error(401, "authentication_error", std::move(message)); }
ApiError not_found_error(std::string message) { return make_error(404, "not_found_error", std::move(message)); }
ApiError not_supported_error(std::string message) { return make_error(501, "not_supported_error", std::move(message)); }
ApiError unavailable_error(std::string message) { return make_error(503, "unavailable_error", std::move(message)); }
ApiError server_error(std::string message) { return make_error(500, "server_error", std::move(message)); }

}  // namespace cria
