// exec_shell_command and get_info.
#include "agent/builtin_tools.h"

#include <unistd.h>

#include <chrono>

#include "api/json_fields.h"

namespace cria::agent {

using nlohmann::json;
namespace limits = tool_limits;

namespace {

std::string trim_end(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace

std::string server_directory() {
    char buffer[4096];
    return ::getcwd(buffer, sizeof(buffer)) != nullptr ? std::string(buffer) : std::string();
}

json exec_shell_command_tool(const ToolCall& call) {
    const auto it = call.params.find("command");
    if (it == call.params.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
        throw invalid_request("'command' must be a non-empty string", "command");
    }
    const std::string command = it->get<std::string>();
    if (command.size() > limits::kMaxWriteBytes) throw invalid_request("'command' is too long", "command");
    // llama-server clamps the timeout to its maximum rather than refusing it; so do we.
    const int64_t timeout_s = std::clamp<int64_t>(
        read_int(call.params, "timeout", limits::kDefaultExecTimeoutS, std::numeric_limits<int32_t>::min(),
                 std::numeric_limits<int32_t>::max()),
        1, limits::kMaxExecTimeoutS);
    const int64_t max_output = std::clamp<int64_t>(
        read_int(call.params, "max_output_size", static_cast<int64_t>(limits::kDefaultExecOutput), 0,
                 std::numeric_limits<int64_t>::max()),
        1, static_cast<int64_t>(limits::kMaxExecOutput));
    std::vector<std::string> argv = {"sh", "-c", command};
    if (call.runtime.needs_inner_timeout()) argv.insert(argv.begin(), {"timeout", std::to_string(timeout_s) + "s"});
    RunLimits run_limits;
    run_limits.timeout = std::chrono::seconds(timeout_s + (call.runtime.needs_inner_timeout() ? 5 : 0));
    run_limits.max_output = static_cast<size_t>(max_output);
    const RunResult r = call.runtime.run(argv, call.cwd, "", run_limits, call.stream);
    if (!r.started) return tool_failure("failed to run the command: " + r.error);
    std::string tail = std::string("\n") + (r.truncated ? "[output truncated]\n" : "") +
                       "[exit code: " + std::to_string(r.exit_code) + "]" + (r.timed_out ? " [exit due to timed out]" : "");
    if (call.stream) call.stream(tail);
    return {{"plain_text_response", r.output + tail}};
}

json get_info_tool(const ToolCall& call) {
    RunLimits run_limits;
    run_limits.timeout = std::chrono::seconds(5);
    run_limits.max_output = 4096;
    const RunResult uname = call.runtime.run({"uname", "-a"}, call.cwd, "", run_limits);
    std::string os = uname.exit_code == 0 ? trim_end(uname.output) : "";
    std::string cwd = call.cwd;
    if (cwd.empty()) {
        const RunResult pwd = call.runtime.run({"pwd"}, "", "", run_limits);
        if (pwd.exit_code == 0) cwd = trim_end(pwd.output);
    }
    return {{"os", os.empty() ? "unknown" : os}, {"cwd", cwd.empty() ? "unknown" : cwd}};
}

}  // namespace cria::agent
