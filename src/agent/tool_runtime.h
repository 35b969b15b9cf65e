// ToolRuntime: where the agent tools' commands run (--tools-runtime, or a request's
// x-tool-runtime header): on the host, in a container through `docker exec`/`podman exec` (one the
// user names, or one we start from an image and keep), or on an SSH host. A tool describes a
// command as an argv and a working directory; the runtime wraps it for where it runs.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/process_runner.h"

namespace cria::agent {

struct RuntimeSpec {
    enum class Kind { host, image, container, ssh };
    Kind kind = Kind::host;
    std::string engine;  // "docker" or "podman" (image, container)
    std::string target;  // the image, the container id, or the SSH destination
};

// Parses a --tools-runtime value: "" (the host), docker:IMAGE, podman:IMAGE, docker-container:ID,
// podman-container:ID, ssh:TARGET. nullopt and *error when it is none of them or its part after
// ':' has characters no image, id or destination has (it becomes a command argument).
std::optional<RuntimeSpec> parse_runtime(const std::string& text, std::string* error);

class ToolRuntime {
public:
    virtual ~ToolRuntime() = default;
    // Runs argv in `cwd` ("" = the runtime's own directory: the server's, or the container's
    // workdir), with `input` on its stdin.
    virtual RunResult run(const std::vector<std::string>& argv, const std::string& cwd, const std::string& input,
                          const RunLimits& limits, const OutputSink& sink = {}) = 0;
    virtual bool is_host() const { return false; }
    // What the shell command is wrapped in when the runtime cannot kill it itself: a container's
    // or SSH host's processes outlive the client we kill, so there they run under timeout(1).
    virtual bool needs_inner_timeout() const { return !is_host(); }
};

class HostRuntime : public ToolRuntime {
public:
    RunResult run(const std::vector<std::string>& argv, const std::string& cwd, const std::string& input,
                  const RunLimits& limits, const OutputSink& sink) override;
    bool is_host() const override { return true; }
};

// The argv that runs `argv` in `cwd` through `prefix` (docker exec -i ID / ssh ... TARGET): a
// shell changes directory first (exit 127 when it cannot). For SSH the remote shell reads one
// string, so every word is quoted.
std::vector<std::string> wrap_command(const RuntimeSpec& spec, const std::string& container_id,
                                      const std::vector<std::string>& argv, const std::string& cwd);

// A running container or an SSH host: every command is one `docker exec`/`ssh` of ours.
class RemoteRuntime : public ToolRuntime {
public:
    explicit RemoteRuntime(RuntimeSpec spec) : spec_(std::move(spec)) {}
    RunResult run(const std::vector<std::string>& argv, const std::string& cwd, const std::string& input,
                  const RunLimits& limits, const OutputSink& sink) override;

protected:
    virtual std::string container_id() { return spec_.target; }
    RuntimeSpec spec_;
};

// docker:IMAGE / podman:IMAGE: `docker run --rm -i --cidfile F IMAGE sh`, started on first use and
// again if it died. The container lives as long as that client's stdin is open: when the server
// exits (however it ends) the shell reads end-of-file and the container stops and is removed.
class ImageRuntime : public RemoteRuntime {
public:
    explicit ImageRuntime(RuntimeSpec spec) : RemoteRuntime(std::move(spec)) {}
    ~ImageRuntime() override;

protected:
    std::string container_id() override;  // "" when it could not start (the run then fails)

private:
    std::mutex mutex_;
    ChildPipes client_;
    std::string id_;
};

std::unique_ptr<ToolRuntime> make_runtime(const RuntimeSpec& spec);

}  // namespace cria::agent
