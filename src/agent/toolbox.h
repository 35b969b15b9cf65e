// AgentToolbox: what GET and POST /tools serve. The built-in tools --tools enabled, run in the
// --tools-runtime, and the tools of the MCP servers; built once before the server listens and
// shared by the HTTP threads (each call runs on the thread of its request; MCP servers take turns).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/agent_config.h"
#include "agent/builtin_tools.h"
#include "agent/mcp_servers.h"
#include "agent/tool_runtime.h"

namespace cria::agent {

struct McpTool {
    std::string name;  // SERVER_TOOL, as /tools lists it
    McpToolInfo info;
    McpServer* server = nullptr;
};

// Where one POST /tools call runs, from its request's headers.
struct CallPlace {
    std::string cwd;      // x-tool-cwd ("" = the runtime's own directory)
    std::string runtime;  // x-tool-runtime ("" = the configured one): a running container or an SSH host
};

class AgentToolbox {
public:
    // Starts nothing but reads the MCP servers' tool lists (each server is started for it; one
    // that does not answer is logged and contributes no tools). Throws std::runtime_error for an
    // unreadable --mcp-servers-config file.
    explicit AgentToolbox(const AgentConfig& config);

    // GET /tools: every tool's name, display name, kind, permissions and function definition.
    nlohmann::ordered_json list() const;

    bool has(const std::string& name) const;
    bool streams(const std::string& name) const;  // exec_shell_command

    // Runs the tool: its JSON answer ({"error": ...} when it ran and failed). Throws ApiError for
    // bad params or a bad x-tool-runtime.
    nlohmann::json invoke(const std::string& name, const nlohmann::json& params, const CallPlace& place,
                          const OutputSink& stream = {});

private:
    std::vector<const BuiltinTool*> builtins_;
    std::unique_ptr<ToolRuntime> runtime_;
    std::vector<std::unique_ptr<McpServer>> servers_;
    std::vector<McpTool> mcp_tools_;
};

// The MCP servers of the options (the file's and the inline JSON's), for validation at start-up
// too: nullopt and *error names the option.
std::optional<std::vector<McpServerConfig>> configured_mcp_servers(const AgentConfig& config, std::string* error);

}  // namespace cria::agent
