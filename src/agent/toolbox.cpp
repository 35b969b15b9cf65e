#include "agent/toolbox.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "api/api_error.h"
#include "util/log.h"

namespace cria::agent {

using nlohmann::json;

namespace {

constexpr size_t kMaxMcpConfigBytes = 1024 * 1024;

nlohmann::ordered_json tool_entry(const std::string& name, const std::string& display, const char* type, bool writes,
                                  bool uses_cwd, const std::string& description, const nlohmann::ordered_json& parameters) {
    return {{"display_name", display},
            {"tool", name},
            {"type", type},
            {"permissions", {{"write", writes}}},
            {"uses_cwd", uses_cwd},
            {"definition",
             {{"type", "function"},
              {"function", {{"name", name}, {"description", description}, {"parameters", parameters}}}}}};
}

}  // namespace

std::optional<std::vector<McpServerConfig>> configured_mcp_servers(const AgentConfig& config, std::string* error) {
    std::vector<McpServerConfig> all;
    if (!config.mcp_servers_config.empty()) {
        std::ifstream file(config.mcp_servers_config);
        std::ostringstream text;
        if (file) text << file.rdbuf();
        if (!file || text.str().size() > kMaxMcpConfigBytes) {
            *error = "--mcp-servers-config: cannot read " + config.mcp_servers_config + " (a JSON file of at most 1 MiB)";
            return std::nullopt;
        }
        auto servers = parse_mcp_servers(text.str(), "--mcp-servers-config " + config.mcp_servers_config, error);
        if (!servers) return std::nullopt;
        all = std::move(*servers);
    }
    if (!config.mcp_servers_json.empty()) {
        auto servers = parse_mcp_servers(config.mcp_servers_json, "--mcp-servers-json", error);
        if (!servers) return std::nullopt;
        for (auto& server : *servers) {
            bool duplicate = false;
            for (const auto& seen : all) duplicate = duplicate || seen.name == server.name;
            if (duplicate) log_warn("MCP config: duplicate server name '" + server.name + "', skipping");
            else all.push_back(std::move(server));
        }
    }
    return all;
}

AgentToolbox::AgentToolbox(const AgentConfig& config) {
    for (const auto& name : config.tools) {
        if (const BuiltinTool* tool = find_builtin_tool(name)) builtins_.push_back(tool);
    }
    std::string error;
    const auto spec = parse_runtime(config.tools_runtime, &error);
    if (!spec) throw std::runtime_error("--tools-runtime: " + error);
    runtime_ = make_runtime(*spec);
    const auto servers = configured_mcp_servers(config, &error);
    if (!servers) throw std::runtime_error(error);
    for (const auto& server_config : *servers) {
        servers_.push_back(std::make_unique<McpServer>(server_config));
        McpServer* server = servers_.back().get();
        try {
            for (auto& info : server->list_tools()) {
                const std::string name = server_config.name + "_" + info.name;
                if (has(name)) {
                    log_warn("MCP tool \"" + info.name + "\" of server \"" + server_config.name + "\" collides with another tool, skipping");
                    continue;
                }
                mcp_tools_.push_back({name, std::move(info), server});
            }
            log_info("MCP server '" + server_config.name + "': tools found");
        } catch (const std::exception& e) {
            log_warn(std::string("MCP: ") + e.what() + "; its tools are not listed");
        }
    }
}

nlohmann::ordered_json AgentToolbox::list() const {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const BuiltinTool* tool : builtins_) {
        out.push_back(tool_entry(tool->name, tool->display_name, "server", tool->writes, true, tool->description,
                                 tool->parameters));
    }
    for (const McpTool& tool : mcp_tools_) {
        out.push_back(tool_entry(tool.name, tool.name, "mcp", false, false, tool.info.description,
                                 nlohmann::ordered_json::parse(tool.info.input_schema.dump())));
    }
    return out;
}

bool AgentToolbox::has(const std::string& name) const {
    for (const BuiltinTool* tool : builtins_) {
        if (tool->name == name) return true;
    }
    for (const McpTool& tool : mcp_tools_) {
        if (tool.name == name) return true;
    }
    return false;
}

bool AgentToolbox::streams(const std::string& name) const {
    for (const BuiltinTool* tool : builtins_) {
        if (tool->name == name) return tool->streams;
    }
    return false;
}

json AgentToolbox::invoke(const std::string& name, const json& params, const CallPlace& place, const OutputSink& stream) {
    for (const McpTool& tool : mcp_tools_) {
        if (tool.name != name) continue;
        try {
            bool is_error = false;
            const std::string text = mcp_result_text(tool.server->call_tool(tool.info.name, params), &is_error);
            return is_error ? tool_failure(text) : json{{"plain_text_response", text}};
        } catch (const std::runtime_error& e) {
            return tool_failure(std::string("MCP server unavailable: ") + e.what());
        }
    }
    const BuiltinTool* tool = find_builtin_tool(name);
    if (tool == nullptr || !has(name)) throw not_found_error("unknown tool \"" + name + "\"");
    std::unique_ptr<ToolRuntime> chosen;
    if (!place.runtime.empty()) {
        std::string error;
        const auto spec = parse_runtime(place.runtime, &error);
        if (!spec || spec->kind == RuntimeSpec::Kind::host || spec->kind == RuntimeSpec::Kind::image) {
            throw server_error("tool runtime must name a running container: " + place.runtime);
        }
        chosen = make_runtime(*spec);
    }
    ToolRuntime& runtime = chosen ? *chosen : *runtime_;
    const std::string cwd = place.cwd.empty() && runtime.is_host() ? server_directory() : place.cwd;
    return tool->invoke(ToolCall{params, runtime, cwd, stream});
}

}  // namespace cria::agent
