// ToolFiles: the file operations of the agent tools, wherever the runtime is. On the host they are
// system calls; in a container or on an SSH host each is a small command run there (cat, find,
// wc, ...). Every read and listing is bounded by its caller's limits.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "agent/tool_runtime.h"

namespace cria::agent {

enum class PathKind { missing, file, directory, other };

struct FileRead {
    std::string error;      // "" when read
    bool too_large = false; // the file has more than max_bytes (content is then empty)
    size_t size = 0;        // its size in bytes
    std::string content;
};

struct ListEntry {
    std::string path;  // relative to the listed directory, '/'-separated, no "./"
    bool directory = false;
};

struct ListRequest {
    int max_depth = 0;          // 0 = unlimited; 1 = the directory's own entries
    bool directories = false;   // list directories too
    size_t max_entries = 20000; // a walk stops after this many (a huge tree is cut, not waited for)
};

// Directories no listing enters: version control, dependencies, build output, editor state.
const std::vector<std::string>& skipped_directory_names();

class ToolFiles {
public:
    virtual ~ToolFiles() = default;
    virtual PathKind kind(const std::string& path) = 0;
    // The whole regular file, unless it has more than max_bytes (then too_large and its size).
    virtual FileRead read(const std::string& path, size_t max_bytes) = 0;
    // Creates or replaces the file (and its missing parent directories). "" or the error.
    virtual std::string write(const std::string& path, const std::string& content) = 0;
    // The files (and, if asked, directories) under `directory`. Files ignored by git are left out
    // when the directory is in a git work tree (`git ls-files` answers); directories never are.
    virtual std::vector<ListEntry> list(const std::string& directory, const ListRequest& request) = 0;
};

// `cwd` is where relative paths start ("" = the runtime's own directory).
std::unique_ptr<ToolFiles> make_tool_files(ToolRuntime& runtime, const std::string& cwd);

// `path` made absolute against `cwd` when it is relative and cwd is given; lexically normalized.
std::string resolve_path(const std::string& path, const std::string& cwd);

}  // namespace cria::agent
