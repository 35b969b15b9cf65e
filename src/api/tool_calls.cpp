#include "api/tool_calls.h"

#include "api/api_error.h"
#include "api/json_fields.h"
#include "api/json_schema_grammar.h"

namespace cria {

using json = nlohmann::json;

void validate_tools(const json& tools) {
    if (!tools.is_array()) throw invalid_request("'tools' must be an array of function tools", "tools");
    for (size_t i = 0; i < tools.size(); ++i) {
        const json& t = tools[i];
        const std::string where = "'tools[" + std::to_string(i) + "]'";
        if (!t.is_object()) throw invalid_request(where + " must be {\"type\": \"function\", \"function\": {...}}", "tools");
        // Compared as JSON: a "type" of any other JSON type is simply not "function".
        if (!t.contains("type") || t["type"] != "function") {
            throw invalid_request("'tools[" + std::to_string(i) + "].type' must be \"function\"", "tools");
        }
        if (!t.contains("function") || !t["function"].is_object()) {
            throw invalid_request("'tools[" + std::to_string(i) + "].function' must be an object {\"name\": ...}", "tools");
        }
        const json& f = t["function"];
        if (!f.contains("name") || !f["name"].is_string() || f["name"].get<std::string>().empty()) {
            throw invalid_request(where + ".function.name is required", "tools");
        }
        if (f.contains("parameters") && !f["parameters"].is_object()) {
            throw invalid_request(where + ".function.parameters must be a JSON Schema object", "tools");
        }
    }
}

}  // namespace cria
