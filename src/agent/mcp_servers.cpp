#include "agent/mcp_servers.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "util/log.h"

namespace cria::agent {

using nlohmann::json;

namespace {

constexpr size_t kMaxMessageBytes = 4 * 1024 * 1024;  // one JSON-RPC line from a server
constexpr size_t kMaxServers = 64;

bool valid_server_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    for (const char c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
    }
    return true;
}

std::optional<McpServerConfig> parse_server(const std::string& name, const json& entry, std::string* error) {
    McpServerConfig config;
    config.name = name;
    if (!valid_server_name(name)) {
        *error = "MCP server name '" + name + "' must be 1 to 64 letters, digits, '_' or '-'";
        return std::nullopt;
    }
    if (!entry.is_object()) {
        *error = "MCP server '" + name + "' must be an object";
        return std::nullopt;
    }
    if (!entry.contains("command") || !entry["command"].is_string() || entry["command"].get<std::string>().empty()) {
        log_warn("MCP server '" + name + "' has no command, skipping");
        return McpServerConfig{};
    }
    config.argv.push_back(entry["command"].get<std::string>());
    const json args = entry.contains("args") ? entry["args"] : json::array();
    const json env = entry.contains("env") ? entry["env"] : json::object();
    if (!args.is_array() || !env.is_object()) {
        *error = "MCP server '" + name + "': args must be an array and env an object";
        return std::nullopt;
    }
    for (const auto& arg : args) {
        if (!arg.is_string()) {
            *error = "MCP server '" + name + "': args must be strings";
            return std::nullopt;
        }
        config.argv.push_back(arg.get<std::string>());
    }
    for (const auto& [key, value] : env.items()) {
        if (!value.is_string()) {
            *error = "MCP server '" + name + "': env values must be strings";
            return std::nullopt;
        }
        config.env.emplace_back(key, value.get<std::string>());
    }
    if (entry.contains("timeout_ms")) {
        if (!entry["timeout_ms"].is_number_integer() || entry["timeout_ms"].get<int64_t>() < 1 ||
            entry["timeout_ms"].get<int64_t>() > 3600000) {
            *error = "MCP server '" + name + "': timeout_ms must be an integer from 1 to 3600000";
            return std::nullopt;
        }
        config.timeout = std::chrono::milliseconds(entry["timeout_ms"].get<int64_t>());
    }
    return config;
}

}  // namespace

std::optional<std::vector<McpServerConfig>> parse_mcp_servers(const std::string& text, const std::string& source,
                                                              std::string* error) {
    const json root = json::parse(text, nullptr, false);
    if (root.is_discarded() || !root.is_object()) {
        *error = source + ": not a JSON object";
        return std::nullopt;
    }
    const json servers = root.value("mcpServers", json::object());
    if (!servers.is_object() || servers.size() > kMaxServers) {
        *error = source + ": \"mcpServers\" must be an object of at most " + std::to_string(kMaxServers) + " servers";
        return std::nullopt;
    }
    std::vector<McpServerConfig> out;
    for (const auto& [name, entry] : servers.items()) {
        std::optional<McpServerConfig> config = parse_server(name, entry, error);
        if (!config) {
            *error = source + ": " + *error;
            return std::nullopt;
        }
        if (!config->argv.empty()) out.push_back(std::move(*config));
    }
    if (out.empty()) log_warn(source + ": no MCP servers found");
    return out;
}

McpServer::~McpServer() { stop_child(child_); }

void McpServer::fail(const std::string& why) {
    stop_child(child_);
    buffer_.clear();
    throw std::runtime_error("MCP server " + config_.name + ": " + why);
}

void McpServer::send(const json& message) {
    const std::string line = message.dump() + "\n";
    size_t done = 0;
    while (done < line.size()) {
        const ssize_t n = ::write(child_.stdin_fd, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail("cannot write to it");
        done += static_cast<size_t>(n);
    }
}

std::string McpServer::read_line(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        const size_t newline = buffer_.find('\n');
        if (newline != std::string::npos) {
            std::string line = buffer_.substr(0, newline);
            buffer_.erase(0, newline + 1);
            return line;
        }
        if (buffer_.size() > kMaxMessageBytes) fail("a message longer than " + std::to_string(kMaxMessageBytes) + " bytes");
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) fail("request timed out");
        pollfd fd{child_.stdout_fd, POLLIN, 0};
        if (::poll(&fd, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000))) <= 0) continue;
        char chunk[65536];
        const ssize_t n = ::read(child_.stdout_fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail("it closed its output");
        buffer_.append(chunk, static_cast<size_t>(n));
    }
}

json McpServer::request(const std::string& method, const json& params) {
    const int64_t id = next_id_++;
    send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
    const auto deadline = std::chrono::steady_clock::now() + config_.timeout;
    for (;;) {
        const json message = json::parse(read_line(deadline), nullptr, false);
        // Notifications, its own requests and answers to others are not ours: skip them.
        if (message.is_discarded() || !message.is_object() || message.value("id", json()) != json(id)) continue;
        if (message.contains("error")) fail(method + " failed: " + message["error"].value("message", std::string("error")));
        if (!message.contains("result") || !message["result"].is_object()) fail("invalid response from MCP server");
        return message["result"];
    }
}

void McpServer::ensure_started() {
    if (child_alive(child_)) return;
    stop_child(child_);
    buffer_.clear();
    SpawnSpec spec;
    spec.argv = config_.argv;
    spec.env = config_.env;
    spec.merge_stderr = false;  // its log lines go to ours
    child_ = spawn_piped(spec);
    if (child_.pid < 0) fail("failed to spawn '" + config_.argv[0] + "': " + child_.error);
    request("initialize", {{"protocolVersion", "2024-11-05"},
                           {"capabilities", json::object()},
                           {"clientInfo", {{"name", "cria"}, {"version", "1.0"}}}});
    send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
}

std::vector<McpToolInfo> McpServer::list_tools() {
    std::lock_guard<std::mutex> lock(mutex_);
    ensure_started();
    const json result = request("tools/list", json::object());
    std::vector<McpToolInfo> tools;
    for (const auto& tool : result.value("tools", json::array())) {
        if (!tool.is_object() || !tool.contains("name") || !tool["name"].is_string()) continue;
        McpToolInfo info;
        info.name = tool["name"].get<std::string>();
        info.description = tool.value("description", std::string());
        info.input_schema = tool.value("inputSchema", json({{"type", "object"}, {"properties", json::object()}}));
        tools.push_back(std::move(info));
    }
    return tools;
}

json McpServer::call_tool(const std::string& tool, const json& arguments) {
    std::lock_guard<std::mutex> lock(mutex_);
    ensure_started();
    return request("tools/call", {{"name", tool}, {"arguments", arguments}});
}

std::string mcp_result_text(const json& result, bool* is_error) {
    *is_error = result.value("isError", false);
    std::string text;
    for (const auto& part : result.value("content", json::array())) {
        if (!part.is_object()) continue;
        const std::string piece = part.value("type", "") == "text" ? part.value("text", std::string()) : part.dump();
        text += (text.empty() ? "" : "\n") + piece;
    }
    return text;
}

}  // namespace cria::agent
