#include "agent/tool_runtime.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "util/log.h"

namespace cria::agent {

namespace {

// Image names, container ids and SSH destinations: letters, digits and these. Nothing a shell or
// the container engine's option parser would read specially (no leading '-').
bool plain_word(const std::string& text, const std::string& extra) {
    if (text.empty() || text.size() > 256 || text[0] == '-') return false;
    for (const char c : text) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        extra.find(c) != std::string::npos;
        if (!ok) return false;
    }
    return true;
}

std::string shell_quote(const std::string& word) {
    std::string out = "'";
    for (const char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// How long `docker run` may take to write its container id (it may pull the image first).
constexpr auto kContainerStartTimeout = std::chrono::seconds(120);

}  // namespace

std::optional<RuntimeSpec> parse_runtime(const std::string& text, std::string* error) {
    RuntimeSpec spec;
    if (text.empty()) return spec;
    const size_t colon = text.find(':');
    const std::string kind = colon == std::string::npos ? text : text.substr(0, colon);
    spec.target = colon == std::string::npos ? "" : text.substr(colon + 1);
    if (kind == "docker" || kind == "podman") {
        spec.kind = RuntimeSpec::Kind::image;
        spec.engine = kind;
        if (plain_word(spec.target, "._-/:@")) return spec;
        *error = "invalid image name in '" + text + "'";
    } else if (kind == "docker-container" || kind == "podman-container") {
        spec.kind = RuntimeSpec::Kind::container;
        spec.engine = kind.substr(0, kind.find('-'));
        if (plain_word(spec.target, "._-")) return spec;
        *error = "invalid container id in '" + text + "'";
    } else if (kind == "ssh") {
        spec.kind = RuntimeSpec::Kind::ssh;
        if (plain_word(spec.target, "._-@[]:")) return spec;
        *error = "invalid ssh target in '" + text + "'";
    } else {
        *error = "unknown tool runtime '" + text + "' (expected docker:IMAGE, podman:IMAGE, docker-container:ID, "
                 "podman-container:ID or ssh:TARGET)";
    }
    return std::nullopt;
}

RunResult HostRuntime::run(const std::vector<std::string>& argv, const std::string& cwd, const std::string& input,
                           const RunLimits& limits, const OutputSink& sink) {
    SpawnSpec spec;
    spec.argv = argv;
    spec.cwd = cwd;
    return run_to_end(spec, input, limits, sink);
}

std::vector<std::string> wrap_command(const RuntimeSpec& spec, const std::string& container_id,
                                      const std::vector<std::string>& argv, const std::string& cwd) {
    std::vector<std::string> inner;
    if (!cwd.empty()) inner = {"sh", "-c", "cd \"$1\" || exit 127; shift; exec \"$@\"", "_", cwd};
    inner.insert(inner.end(), argv.begin(), argv.end());
    if (spec.kind == RuntimeSpec::Kind::ssh) {
        std::string line;
        for (const auto& word : inner) line += (line.empty() ? "" : " ") + shell_quote(word);
        return {"ssh", "-o", "BatchMode=yes", "-o", "PasswordAuthentication=no", "-o", "StrictHostKeyChecking=yes",
                spec.target, "--", line};
    }
    std::vector<std::string> out = {spec.engine, "exec", "-i", container_id};
    out.insert(out.end(), inner.begin(), inner.end());
    return out;
}

RunResult RemoteRuntime::run(const std::vector<std::string>& argv, const std::string& cwd, const std::string& input,
                             const RunLimits& limits, const OutputSink& sink) {
    const std::string id = spec_.kind == RuntimeSpec::Kind::ssh ? "" : container_id();
    if (spec_.kind != RuntimeSpec::Kind::ssh && id.empty()) {
        RunResult failed;
        failed.error = "the " + spec_.engine + " tools container (image " + spec_.target + ") is not running";
        return failed;
    }
    SpawnSpec run_spec;
    run_spec.argv = wrap_command(spec_, id, argv, cwd);
    return run_to_end(run_spec, input, limits, sink);
}

ImageRuntime::~ImageRuntime() { stop_child(client_); }

std::string ImageRuntime::container_id() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (child_alive(client_) && !id_.empty()) return id_;
    if (!id_.empty()) log_warn("tools runtime: the " + spec_.engine + " container " + id_ + " ended; starting another");
    stop_child(client_);
    id_.clear();
    char cid_path[] = "/tmp/cria-tools-runtime-XXXXXX";
    const int fd = ::mkstemp(cid_path);
    if (fd < 0) return "";
    ::close(fd);
    ::unlink(cid_path);  // docker run refuses a --cidfile that exists
    SpawnSpec spec;
    spec.argv = {spec_.engine, "run", "--rm", "-i", "--cidfile", cid_path, spec_.target, "sh"};
    spec.merge_stderr = false;  // its messages (a pull's progress) go to our log
    client_ = spawn_piped(spec);
    const auto deadline = std::chrono::steady_clock::now() + kContainerStartTimeout;
    while (child_alive(client_) && std::chrono::steady_clock::now() < deadline) {
        std::ifstream file(cid_path);
        std::getline(file, id_);
        if (!id_.empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::unlink(cid_path);
    if (id_.empty()) {
        log_warn("tools runtime: " + spec_.engine + " run " + spec_.target + " gave no container");
        stop_child(client_);
    }
    return id_;
}

std::unique_ptr<ToolRuntime> make_runtime(const RuntimeSpec& spec) {
    switch (spec.kind) {
    case RuntimeSpec::Kind::host: return std::make_unique<HostRuntime>();
    case RuntimeSpec::Kind::image: return std::make_unique<ImageRuntime>(spec);
    case RuntimeSpec::Kind::container:
    case RuntimeSpec::Kind::ssh: return std::make_unique<RemoteRuntime>(spec);
    }
    return std::make_unique<HostRuntime>();
}

}  // namespace cria::agent
