// MCP servers of --mcp-servers-config / --mcp-servers-json (Cursor's format:
// {"mcpServers": {"NAME": {"command": "...", "args": [...], "env": {...}, "timeout_ms": N}}}), each a
// child process spoken to in JSON-RPC over stdio, one JSON message per line (MCP 2024-11-05).
// Their tools join the built-in ones on /tools as NAME_TOOL.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/process_runner.h"

namespace cria::agent {

struct McpServerConfig {
    std::string name;  // letters, digits, '_' and '-'
    std::vector<std::string> argv;
    std::vector<std::pair<std::string, std::string>> env;
    std::chrono::milliseconds timeout{30000};  // one request's answer (timeout_ms)
};

// Parses the configuration's text (`source` names it in errors: the option or the file).
// Entries without a command are skipped with a warning, as llama-server does; a text that is not
// JSON, has no "mcpServers" object or a badly typed field is an error (nullopt, *error).
std::optional<std::vector<McpServerConfig>> parse_mcp_servers(const std::string& text, const std::string& source,
                                                              std::string* error);

struct McpToolInfo {
    std::string name;          // the server's own name for it
    std::string description;
    nlohmann::json input_schema;
};

// One MCP server: started on first use and again after it died or timed out. Requests to one
// server take turns (a mutex); each waits at most the server's timeout for its answer.
class McpServer {
public:
    explicit McpServer(McpServerConfig config) : config_(std::move(config)) {}
    ~McpServer();
    McpServer(const McpServer&) = delete;
    McpServer& operator=(const McpServer&) = delete;

    const McpServerConfig& config() const { return config_; }

    // tools/list (at start-up); throws std::runtime_error when the server does not answer.
    std::vector<McpToolInfo> list_tools();
    // tools/call: the result object; throws std::runtime_error when the server does not answer.
    nlohmann::json call_tool(const std::string& tool, const nlohmann::json& arguments);

private:
    void ensure_started();  // under mutex_
    nlohmann::json request(const std::string& method, const nlohmann::json& params);  // under mutex_
    void send(const nlohmann::json& message);
    std::string read_line(std::chrono::steady_clock::time_point deadline);
    void fail(const std::string& why);  // stops the child and throws

    McpServerConfig config_;
    std::mutex mutex_;
    ChildPipes child_;
    std::string buffer_;  // what was read past the last line
    int64_t next_id_ = 1;
};

// The text of a tools/call result's content (its text parts, one per line), and whether the
// server said it is an error.
std::string mcp_result_text(const nlohmann::json& result, bool* is_error);

}  // namespace cria::agent
