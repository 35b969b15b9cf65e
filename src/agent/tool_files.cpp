#include "agent/tool_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

namespace cria::agent {

namespace fs = std::filesystem;

namespace {

// File commands in a container or on an SSH host, and `git ls-files`, must not hang a request.
const RunLimits kFileCommandLimits{std::chrono::milliseconds(30000), 8 * 1024 * 1024};

bool skipped_directory(const std::string& name) {
    const auto& names = skipped_directory_names();
    return std::find(names.begin(), names.end(), name) != names.end();
}

int depth_of(const std::string& relative) { return 1 + static_cast<int>(std::count(relative.begin(), relative.end(), '/')); }

std::vector<std::string> output_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("./", 0) == 0) line.erase(0, 2);
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

// The files `git ls-files` lists under `directory` (tracked and untracked, not ignored), or false
// when it is no git work tree (or git is missing).
bool git_files(ToolRuntime& runtime, const std::string& directory, std::vector<std::string>* files) {
    const RunResult r = runtime.run({"git", "ls-files", "--cached", "--others", "--exclude-standard"}, directory, "",
                                    kFileCommandLimits);
    if (!r.started || r.exit_code != 0 || r.truncated) return false;
    *files = output_lines(r.output);
    return true;
}

// The listing's files: git's when it answers, else `walked` (what the caller's walk found).
std::vector<ListEntry> finish_listing(ToolRuntime& runtime, const std::string& directory, const ListRequest& request,
                                      std::vector<ListEntry> walked) {
    std::vector<std::string> tracked;
    if (git_files(runtime, directory, &tracked)) {
        walked.erase(std::remove_if(walked.begin(), walked.end(), [](const ListEntry& e) { return !e.directory; }),
                     walked.end());
        for (auto& file : tracked) {
            if (request.max_depth > 0 && depth_of(file) > request.max_depth) continue;
            if (walked.size() >= request.max_entries) break;
            walked.push_back({std::move(file), false});
        }
    }
    std::sort(walked.begin(), walked.end(), [](const ListEntry& a, const ListEntry& b) { return a.path < b.path; });
    return walked;
}

class HostFiles : public ToolFiles {
public:
    HostFiles(ToolRuntime& runtime, std::string cwd) : runtime_(runtime), cwd_(std::move(cwd)) {}

    PathKind kind(const std::string& path) override {
        struct stat st {};
        if (::stat(resolve_path(path, cwd_).c_str(), &st) != 0) return PathKind::missing;
        if (S_ISDIR(st.st_mode)) return PathKind::directory;
        return S_ISREG(st.st_mode) ? PathKind::file : PathKind::other;
    }

    FileRead read(const std::string& path, size_t max_bytes) override {
        FileRead out;
        // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below anyway.
        const int fd = ::open(resolve_path(path, cwd_).c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        struct stat st {};
        if (fd < 0 || ::fstat(fd, &st) != 0) {
            out.error = "cannot stat file: " + path;
        } else if (!S_ISREG(st.st_mode)) {
            out.error = "not a regular file: " + path;
        } else if (static_cast<size_t>(st.st_size) > max_bytes) {
            out.too_large = true;
            out.size = static_cast<size_t>(st.st_size);
        } else {
            read_all(fd, max_bytes, out);
        }
        if (fd >= 0) ::close(fd);
        return out;
    }

    std::string write(const std::string& path, const std::string& content) override {
        const std::string full = resolve_path(path, cwd_);
        const PathKind existing = kind(full);
        if (existing == PathKind::directory || existing == PathKind::other) return "not a regular file: " + path;
        std::error_code ec;
        const fs::path parent = fs::path(full).parent_path();
        if (!parent.empty()) fs::create_directories(parent, ec);
        const int fd = ::open(full.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_CLOEXEC, 0644);
        if (fd < 0) return "failed to write file: " + path + " (" + std::strerror(errno) + ")";
        size_t done = 0;
        while (done < content.size()) {
            const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            done += static_cast<size_t>(n);
        }
        ::close(fd);
        return done == content.size() ? "" : "failed to write file: " + path;
    }

    std::vector<ListEntry> list(const std::string& directory, const ListRequest& request) override {
        std::vector<ListEntry> found;
        const std::string base = resolve_path(directory, cwd_);
        std::error_code ec;
        fs::recursive_directory_iterator it(base, fs::directory_options::skip_permission_denied, ec);
        for (; !ec && it != fs::recursive_directory_iterator() && found.size() < request.max_entries; it.increment(ec)) {
            const fs::directory_entry& entry = *it;
            const int depth = it.depth() + 1;
            std::error_code type_ec;
            const bool is_dir = entry.is_directory(type_ec) && !entry.is_symlink(type_ec);
            if (is_dir && skipped_directory(entry.path().filename().string())) {
                it.disable_recursion_pending();
                continue;
            }
            if (is_dir && request.max_depth > 0 && depth >= request.max_depth) it.disable_recursion_pending();
            const std::string relative = entry.path().lexically_relative(base).generic_string();
            if (is_dir ? request.directories : entry.is_regular_file(type_ec)) found.push_back({relative, is_dir});
        }
        return finish_listing(runtime_, base, request, std::move(found));
    }

private:
    static void read_all(int fd, size_t max_bytes, FileRead& out) {
        char buffer[65536];
        while (out.content.size() <= max_bytes) {
            const ssize_t n = ::read(fd, buffer, sizeof(buffer));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            out.content.append(buffer, static_cast<size_t>(n));
        }
        out.size = out.content.size();
        if (out.size > max_bytes) {  // it grew while we read
            out.too_large = true;
            out.content.clear();
        }
    }

    ToolRuntime& runtime_;
    std::string cwd_;
};

// Files in a container or on an SSH host: each operation is one command there.
class RemoteFiles : public ToolFiles {
public:
    RemoteFiles(ToolRuntime& runtime, std::string cwd) : runtime_(runtime), cwd_(std::move(cwd)) {}

    PathKind kind(const std::string& path) override {
        const RunResult r = sh("if [ -d \"$1\" ]; then echo d; elif [ -f \"$1\" ]; then echo f; "
                               "elif [ -e \"$1\" ]; then echo o; else echo m; fi", {path});
        if (r.output.rfind("d", 0) == 0) return PathKind::directory;
        if (r.output.rfind("f", 0) == 0) return PathKind::file;
        return r.output.rfind("o", 0) == 0 ? PathKind::other : PathKind::missing;
    }

    FileRead read(const std::string& path, size_t max_bytes) override {
        FileRead out;
        if (kind(path) != PathKind::file) {
            out.error = "cannot stat file: " + path;
            return out;
        }
        const RunResult size = sh("wc -c < \"$1\"", {path});
        out.size = static_cast<size_t>(std::strtoull(size.output.c_str(), nullptr, 10));
        if (out.size > max_bytes) {
            out.too_large = true;
            return out;
        }
        const RunResult r = runtime_.run({"cat", "--", path}, cwd_, "", {kFileCommandLimits.timeout, max_bytes});
        if (r.exit_code != 0 || r.truncated) out.error = "failed to open file: " + path;
        else out.content = r.output;
        out.size = out.content.size();
        return out;
    }

    std::string write(const std::string& path, const std::string& content) override {
        const RunResult r = runtime_.run({"sh", "-c", "mkdir -p \"$(dirname \"$1\")\" && cat > \"$1\"", "_", path}, cwd_,
                                         content, kFileCommandLimits);
        return r.exit_code == 0 ? "" : "failed to write file: " + path;
    }

    std::vector<ListEntry> list(const std::string& directory, const ListRequest& request) override {
        std::vector<ListEntry> found;
        find_entries(directory, request, "f", found);
        if (request.directories) find_entries(directory, request, "d", found);
        return finish_listing(runtime_, resolve_path(directory, cwd_), request, std::move(found));
    }

private:
    // find(1) as busybox has it too: the entries of one type ("f" or "d"), junk directories pruned.
    void find_entries(const std::string& directory, const ListRequest& request, const std::string& type,
                      std::vector<ListEntry>& found) {
        std::string prune;
        for (const auto& name : skipped_directory_names()) prune += (prune.empty() ? "" : " -o ") + std::string("-name ") + name;
        std::string script = "cd \"$1\" && find . -mindepth 1";
        if (request.max_depth > 0) script += " -maxdepth " + std::to_string(request.max_depth);
        script += " \\( " + prune + " \\) -prune -o -type " + type + " -print";
        for (auto& line : output_lines(sh(script, {directory}).output)) {
            if (found.size() >= request.max_entries) break;
            found.push_back({std::move(line), type == "d"});
        }
    }

    RunResult sh(const std::string& script, const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"sh", "-c", script, "_"};
        argv.insert(argv.end(), args.begin(), args.end());
        return runtime_.run(argv, cwd_, "", kFileCommandLimits);
    }

    ToolRuntime& runtime_;
    std::string cwd_;
};

}  // namespace

const std::vector<std::string>& skipped_directory_names() {
    static const std::vector<std::string> names = {".git", ".svn", ".hg", "node_modules", "__pycache__", ".venv", "venv",
                                                   "dist", "build", "target", ".cache", ".idea", ".vscode"};
    return names;
}

std::unique_ptr<ToolFiles> make_tool_files(ToolRuntime& runtime, const std::string& cwd) {
    if (runtime.is_host()) return std::make_unique<HostFiles>(runtime, cwd);
    return std::make_unique<RemoteFiles>(runtime, cwd);
}

std::string resolve_path(const std::string& path, const std::string& cwd) {
    fs::path p(path);
    if (p.is_relative() && !cwd.empty()) p = fs::path(cwd) / p;
    std::string out = p.lexically_normal().generic_string();
    if (out.size() > 1 && out.back() == '/') out.pop_back();
    return out.empty() ? "." : out;
}

}  // namespace cria::agent
