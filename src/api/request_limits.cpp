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

void check_task_budget(size_t prompts, int64_t per_prompt, const char* per_prompt_field, const RequestLimits& limits) {
    const size_t tasks = prompts * static_cast<size_t>(per_prompt);
    if (limits.max_tasks >= 0 && tasks <= static_cast<size_t>(limits.max_tasks)) return;
    throw invalid_request("'prompt' has " + std::to_string(prompts) + " prompt(s) and '" + per_prompt_field + "' is " +
                              std::to_string(per_prompt) + ": " + std::to_string(tasks) + " completions; at most " +
                              std::to_string(limits.max_tasks) + " are accepted in one request (--max-request-tasks)",
                          prompts > 1 ? "prompt" : per_prompt_field);
}

}  // namespace cria
