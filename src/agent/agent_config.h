// AgentConfig: llama-server's agent options (--tools, --tools-runtime, --mcp-servers-config/-json,
// --ui-mcp-proxy, --agent), as parsed and validated (options/validate.cpp). Everything is off unless
// an option turns it on. Plain data.
#pragma once

#include <string>
#include <vector>

namespace cria {

struct AgentConfig {
    // --tools: the built-in tools POST /tools may run, by name (agent/tool_names.h); "all" and
    // --agent are expanded by validate(), so this is the final list ("" entries never appear).
    std::vector<std::string> tools;
    std::string tools_runtime;       // --tools-runtime: "" = the host; docker:IMAGE, podman:IMAGE,
                                     // docker-container:ID, podman-container:ID, ssh:TARGET
    std::string mcp_servers_config;  // --mcp-servers-config: a JSON file of MCP servers ("" = none)
    std::string mcp_servers_json;    // --mcp-servers-json: the same inline ("" = none)
    bool mcp_proxy = false;          // --ui-mcp-proxy: GET/POST /cors-proxy (or --agent)
    bool agent = false;              // -ag, --agent: the proxy and every built-in tool

    // POST /tools answers: some tool or some MCP server is configured.
    bool tools_route_on() const {
        return !tools.empty() || !mcp_servers_config.empty() || !mcp_servers_json.empty();
    }
};

}  // namespace cria
