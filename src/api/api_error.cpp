#include "api/api_error.h"

namespace cria {

nlohmann::json ApiError::to_json() const {
    nlohmann::json error = {{"code", status}, {"message", message}, {"type", type}};
    error["param"] = param.empty() ? nlohmann::json(nullptr) : nlohmann::json(param);
    if (details.is_object()) error.update(details);
    return {{"error", error}};
}

namespace {
ApiError make_error(int status, const char* type, std::string message, std::string param = {}) {
    return ApiError{status, type, std::move(message), std::move(param)};
}

// nlohmann's messages start with "[json.exception.type_error.302] ": the client needs the rest.
std::string json_error_text(const nlohmann::json::exception& e) {
    const std::string what = e.what();
    const auto cut = what.find("] ");
    return cut == std::string::npos ? what : what.substr(cut + 2);
}
}  // namespace

ApiError invalid_request(std::string message, std::string param) {
    return make_error(400, "invalid_request_error", std::move(message), std::move(param));
}
ApiError authentication_error(std::string message) { return make_error(401, "authentication_error", std::move(message)); }
ApiError not_found_error(std::string message) { return make_error(404, "not_found_error", std::move(message)); }
ApiError payload_too_large_error(std::string message) {
    return make_error(413, "invalid_request_error", std::move(message));
}
ApiError not_supported_error(std::string message) { return make_error(501, "not_supported_error", std::move(message)); }
ApiError unavailable_error(std::string message) { return make_error(503, "unavailable_error", std::move(message)); }
ApiError server_error(std::string message) { return make_error(500, "server_error", std::move(message)); }

ApiError exceed_context_size_error(int64_t n_prompt_tokens, int64_t n_ctx) {
    ApiError error = make_error(400, "exceed_context_size_error",
                                "request (" + std::to_string(n_prompt_tokens) +
                                    " tokens) exceeds the available context size (" + std::to_string(n_ctx) +
                                    " tokens); shorten the prompt or start the server with a larger --ctx-size",
                                "prompt");
    error.details = {{"n_prompt_tokens", n_prompt_tokens}, {"n_ctx", n_ctx}};
    return error;
}

ApiError api_error_from(std::exception_ptr error, bool* unexpected) {
    if (unexpected) *unexpected = false;
    try {
        std::rethrow_exception(error);
    } catch (const ApiError& e) {
        return e;
    } catch (const nlohmann::json::exception& e) {
        return invalid_request("the request's JSON has the wrong shape: " + json_error_text(e));
    } catch (const std::exception& e) {
        if (unexpected) *unexpected = true;
        return server_error(e.what());
    } catch (...) {
        if (unexpected) *unexpected = true;
        return server_error("unknown error");
    }
}

}  // namespace cria
