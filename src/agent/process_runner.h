// Child processes of the agent tools: a command run to completion with a deadline and a bounded
// output (exec_shell_command, and every command a container or SSH runtime runs), and long-lived
// children talked to over pipes (an MCP server, the `docker run -i` that keeps a tools container
// alive). POSIX only. Nothing here throws: failures are values.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace cria::agent {

// A started child: its pid and our ends of its pipes (-1 where not asked for). The child has its
// own process group (so a timeout kills what it started too), SIGPIPE at its default (the server
// ignores it; shells expect it) and no other descriptor of ours. A long-lived child ends when its
// stdin closes, which our exit does too.
struct ChildPipes {
    pid_t pid = -1;
    int stdin_fd = -1;   // write end of its stdin
    int stdout_fd = -1;  // read end of its stdout (and stderr, when merged)
    std::string error;   // why it could not start (pid == -1)
};

struct SpawnSpec {
    std::vector<std::string> argv;                          // argv[0] is looked up on PATH
    std::string cwd;                                        // "" = ours
    std::vector<std::pair<std::string, std::string>> env;   // set in the child, on top of ours
    bool merge_stderr = true;                               // stderr into stdout's pipe (else: ours)
    bool with_stdin = true;                                 // a pipe for stdin (else /dev/null)
};

ChildPipes spawn_piped(const SpawnSpec& spec);

// Kills the child's process group and reaps it; closes the pipes. Safe on an empty ChildPipes.
void stop_child(ChildPipes& child);

// Whether the child still runs (reaps it if it ended).
bool child_alive(ChildPipes& child);

struct RunLimits {
    std::chrono::milliseconds timeout{10000};  // then the process group gets SIGKILL
    size_t max_output = 16384;                 // bytes kept; the rest is read and dropped
};

struct RunResult {
    bool started = false;
    std::string error;        // why it did not start
    int exit_code = -1;       // the exit status; 128+N when killed by signal N
    bool timed_out = false;
    bool truncated = false;   // the output was longer than max_output
    bool abandoned = false;   // the sink refused more output (its reader left): the command was killed
    std::string output;       // stdout and stderr, interleaved as written
};

// Called with each piece of output as it arrives (already within max_output), for streaming;
// false when nobody reads any more (a client that left): the command is then killed.
using OutputSink = std::function<bool(const std::string& piece)>;

// Runs `spec` to its end: writes `input` to its stdin (then closes it), gathers its output.
RunResult run_to_end(const SpawnSpec& spec, const std::string& input, const RunLimits& limits,
                     const OutputSink& sink = {});

}  // namespace cria::agent
