// What a chat template can do, as /props reports it (chat_template_caps): found by rendering small
// probe conversations and looking for their marker text in the output, so any template, ours or a
// model's, answers for itself.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cria {

// {"supports_object_arguments", "supports_parallel_tool_calls", "supports_preserve_reasoning",
//  "supports_reasoning_effort", "supports_string_content", "supports_system_role",
//  "supports_tool_calls", "supports_tools", "supports_typed_content"}: each a bool. A probe the
// template refuses (raise_exception, a syntax error) counts as unsupported.
nlohmann::json chat_template_caps(const std::string& template_source);

}  // namespace cria
