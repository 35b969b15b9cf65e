#include "api/request_limits.h"

#include <string>

#include "api/api_error.h"

namespace cria {

void check_limit(size_t count, int32_t max, const char* field, const char* what, const char* option) {
    if (max >= 0 && count <= static_cast<size_t>(max)) return;
    throw invalid_request(std::string("'") + field + "' has " + std::to_string(count) + " " + what + "; at most " +
                              std::to_string(max) + " are accepted (" + option + ")",
                          field);
}

void check_limit_in(size_t count, int32_t max, const std::string& where, const char* param, const char* what,
                    const char* option) {
    try {
        check_limit(count, max, where.c_str(), what, option);
    } catch (ApiError& e) {
        e.param = param;
        throw;
    }
}

}  // namespace cria
