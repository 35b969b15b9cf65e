// The built-in tools of llama-server's --tools: read_file, file_glob_search, grep_search,
// exec_shell_command, write_file, edit_file, get_info. Each takes its JSON parameters (a wrong
// type or range is an ApiError naming the field: HTTP 400) and answers a JSON object: its result,
// or {"error": "..."} when the tool ran and failed (a missing file, an edit that does not match),
// as llama-server answers them (HTTP 200). Every size is bounded (tool_limits below).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/process_runner.h"
#include "agent/tool_runtime.h"

namespace cria::agent {

// The bounds of the built-in tools.
namespace tool_limits {
inline constexpr size_t kMaxPathBytes = 4096;
inline constexpr size_t kMaxWholeRead = 16384;                 // read_file without a line range
inline constexpr size_t kMaxRangedFile = 16 * 1024 * 1024;     // read_file with a range; edit_file
inline constexpr size_t kMaxReadOutput = 256 * 1024;           // what read_file answers at most
inline constexpr size_t kMaxWriteBytes = 16 * 1024 * 1024;     // write_file, and an edit's result
inline constexpr size_t kMaxEdits = 100;
inline constexpr int kMaxGlobResults = 100;
inline constexpr size_t kMaxWalkEntries = 20000;               // entries a search looks at
inline constexpr size_t kMaxGrepMatches = 100;
inline constexpr size_t kMaxGrepFileBytes = 4 * 1024 * 1024;   // larger files are skipped
inline constexpr size_t kMaxGrepLineBytes = 500;               // a longer line is cut in the answer
inline constexpr int kMaxContextLines = 20;
inline constexpr size_t kMaxPatternBytes = 1024;
inline constexpr int kDefaultExecTimeoutS = 10;
inline constexpr int kMaxExecTimeoutS = 60;
inline constexpr size_t kDefaultExecOutput = 16384;
inline constexpr size_t kMaxExecOutput = 1024 * 1024;
}  // namespace tool_limits

// Where one call runs: the runtime, the directory relative paths start from ("" = the runtime's
// own), and, for a streamed call, where output goes as it comes.
struct ToolCall {
    const nlohmann::json& params;
    ToolRuntime& runtime;
    std::string cwd;
    OutputSink stream;  // empty = not streamed
};

struct BuiltinTool {
    std::string name;
    std::string display_name;
    bool writes = false;    // it changes files or runs commands (permissions.write)
    bool streams = false;   // POST /tools may ask for its output as server-sent events
    std::string description;
    nlohmann::ordered_json parameters;  // JSON Schema of its params (in the order a model should see them)
    nlohmann::json (*invoke)(const ToolCall& call) = nullptr;
};

// Every built-in tool, in llama-server's order.
const std::vector<BuiltinTool>& builtin_tools();
const BuiltinTool* find_builtin_tool(const std::string& name);

// The tools' implementations (file_tools.cpp, search_tools.cpp, shell_tools.cpp).
nlohmann::json read_file_tool(const ToolCall& call);
nlohmann::json write_file_tool(const ToolCall& call);
nlohmann::json edit_file_tool(const ToolCall& call);
nlohmann::json file_glob_search_tool(const ToolCall& call);
nlohmann::json grep_search_tool(const ToolCall& call);
nlohmann::json exec_shell_command_tool(const ToolCall& call);
nlohmann::json get_info_tool(const ToolCall& call);

// The "path" parameter (required): a non-empty string without NUL, at most kMaxPathBytes.
std::string read_path_param(const nlohmann::json& params, const char* name = "path");

// The server's own working directory (where host tools start when the request names none).
std::string server_directory();

// {"error": message}
nlohmann::json tool_failure(const std::string& message);

}  // namespace cria::agent
