#include "api/tool_schema_limit.h"

#include "api/api_error.h"

namespace cria {

void check_tool_schema_size(const nlohmann::json& schema, size_t max_bytes, const std::string& field,
                            const std::string& param) {
    const size_t bytes = schema.dump().size();
    if (bytes <= max_bytes) return;
    throw invalid_request("'" + field + "' is " + std::to_string(bytes) + " bytes as JSON text; at most " +
                              std::to_string(max_bytes) + " are accepted (--max-grammar-size)",
                          param);
}

void check_tool_schema_sizes(const nlohmann::json& tools, size_t max_bytes) {
    for (size_t i = 0; i < tools.size(); ++i) {
        const nlohmann::json& function = tools[i]["function"];
        if (!function.contains("parameters")) continue;
        check_tool_schema_size(function["parameters"], max_bytes, "tools[" + std::to_string(i) + "].function.parameters",
                               "tools");
    }
}

}  // namespace cria
