// The size bound on a tool's parameters schema, the same in every chat dialect (chat's and
// Ollama's `tools[i].function.parameters`, Responses' `tools[i].parameters`, Anthropic's
// `tools[i].input_schema`). A schema reaches the prompt (templates write it out) and a forced
// call's grammar, so it is held to --max-grammar-size as JSON text, like `json_schema`.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace cria {

// Throws ApiError (400) naming `param`, its message naming `field`, when `schema` as JSON text is
// longer than `max_bytes`.
void check_tool_schema_size(const nlohmann::json& schema, size_t max_bytes, const std::string& field,
                            const std::string& param);

// check_tool_schema_size for each function tool of chat's shape ([{type, function: {parameters}}],
// already checked by validate_tools), naming "tools".
void check_tool_schema_sizes(const nlohmann::json& tools, size_t max_bytes);

}  // namespace cria
