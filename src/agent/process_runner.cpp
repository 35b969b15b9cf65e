#include "agent/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

namespace cria::agent {

namespace {

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_child(const SpawnSpec& spec, const std::vector<char*>& argv, const std::vector<char*>& envp,
                             int in_fd, int out_fd) {
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    if (spec.merge_stderr) ::dup2(out_fd, 2);
    ::closefrom(3);
    if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) {
        const char message[] = "cannot change to the working directory\n";
        (void)!::write(1, message, sizeof(message) - 1);
        ::_exit(127);
    }
    ::execvpe(argv[0], argv.data(), envp.data());
    const char message[] = "cannot run the command\n";
    (void)!::write(1, message, sizeof(message) - 1);
    ::_exit(127);
}

int exit_code_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

// Ours, with `overrides` replacing or adding variables.
std::vector<std::string> child_environment(const std::vector<std::pair<std::string, std::string>>& overrides) {
    std::vector<std::string> out;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string text(*entry);
        const std::string name = text.substr(0, text.find('='));
        bool replaced = false;
        for (const auto& o : overrides) replaced = replaced || o.first == name;
        if (!replaced) out.push_back(text);
    }
    for (const auto& [name, value] : overrides) out.push_back(name + "=" + value);
    return out;
}

}  // namespace

ChildPipes spawn_piped(const SpawnSpec& spec) {
    ChildPipes child;
    if (spec.argv.empty()) {
        child.error = "no command";
        return child;
    }
    // Everything the child needs is built before fork(): after it, in a threaded process, only
    // async-signal-safe calls are allowed (no allocation).
    std::vector<std::string> env_strings = child_environment(spec.env);
    std::vector<char*> envp;
    for (auto& entry : env_strings) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::vector<char*> argv;
    for (const auto& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    int in_pipe[2] = {-1, -1};
    int out_pipe[2] = {-1, -1};
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
        child.error = std::string("pipe: ") + std::strerror(errno);
        return child;
    }
    if (spec.with_stdin ? ::pipe2(in_pipe, O_CLOEXEC) != 0
                        : (in_pipe[0] = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        child.error = std::string("stdin: ") + std::strerror(errno);
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        return child;
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
        exec_child(spec, argv, envp, in_pipe[0], out_pipe[1]);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    if (pid < 0) {
        child.error = std::string("fork: ") + std::strerror(errno);
        if (in_pipe[1] >= 0) ::close(in_pipe[1]);
        ::close(out_pipe[0]);
        return child;
    }
    child.pid = pid;
    child.stdin_fd = in_pipe[1];
    child.stdout_fd = out_pipe[0];
    return child;
}

void stop_child(ChildPipes& child) {
    close_fd(child.stdin_fd);
    close_fd(child.stdout_fd);
    if (child.pid > 0) {
        ::kill(-child.pid, SIGKILL);
        ::kill(child.pid, SIGKILL);
        int status = 0;
        while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    child.pid = -1;
}

bool child_alive(ChildPipes& child) {
    if (child.pid <= 0) return false;
    int status = 0;
    const pid_t done = ::waitpid(child.pid, &status, WNOHANG);
    if (done == 0) return true;
    child.pid = -1;
    return false;
}

namespace {

// The parent's side of run_to_end: feeds stdin and drains the output until the output pipe closes
// (every process of the group is done with it) or the deadline passes.
struct RunLoop {
    ChildPipes& child;
    const std::string& input;
    const RunLimits& limits;
    const OutputSink& sink;
    RunResult& result;
    size_t written = 0;

    void take(const char* data, size_t n) {
        const size_t room = limits.max_output - std::min(limits.max_output, result.output.size());
        const size_t kept = std::min(room, n);
        if (kept < n) result.truncated = true;
        if (kept == 0) return;
        result.output.append(data, kept);
        if (sink && !sink(std::string(data, kept))) result.abandoned = true;
    }

    void feed_stdin() {
        const ssize_t n = ::write(child.stdin_fd, input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) close_fd(child.stdin_fd);
    }

    // false once the output pipe is closed
    bool drain_output() {
        char buffer[8192];
        const ssize_t n = ::read(child.stdout_fd, buffer, sizeof(buffer));
        if (n > 0) take(buffer, static_cast<size_t>(n));
        return n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN));
    }

    void run() {
        if (input.empty()) close_fd(child.stdin_fd);
        if (child.stdin_fd >= 0) ::fcntl(child.stdin_fd, F_SETFL, O_NONBLOCK);
        const auto deadline = std::chrono::steady_clock::now() + limits.timeout;
        while (child.stdout_fd >= 0 && !result.abandoned) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                result.timed_out = true;
                break;
            }
            pollfd fds[2] = {{child.stdout_fd, POLLIN, 0}, {child.stdin_fd, POLLOUT, 0}};
            const int ready = ::poll(fds, child.stdin_fd >= 0 ? 2 : 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
            if (ready < 0 && errno != EINTR) break;
            if (ready <= 0) continue;
            if (child.stdin_fd >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) feed_stdin();
            if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && !drain_output()) close_fd(child.stdout_fd);
        }
    }
};

}  // namespace

RunResult run_to_end(const SpawnSpec& spec, const std::string& input, const RunLimits& limits, const OutputSink& sink) {
    RunResult result;
    ChildPipes child = spawn_piped(spec);
    if (child.pid < 0) {
        result.error = child.error;
        return result;
    }
    result.started = true;
    const auto deadline = std::chrono::steady_clock::now() + limits.timeout;
    RunLoop{child, input, limits, sink, result}.run();
    close_fd(child.stdin_fd);
    close_fd(child.stdout_fd);
    // The output closed: the command is ending. Wait for it until the deadline, then kill its
    // group (what it left running, or all of it on a timeout).
    int status = 0;
    pid_t done = 0;
    while (!result.timed_out && !result.abandoned && (done = ::waitpid(child.pid, &status, WNOHANG)) == 0) {
        if (std::chrono::steady_clock::now() >= deadline) result.timed_out = true;
        else std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ::kill(-child.pid, SIGKILL);
    if (done != child.pid) {
        while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    result.exit_code = result.timed_out ? 124 : exit_code_of(status);  // 124: what timeout(1) answers
    return result;
}

}  // namespace cria::agent
