// file_glob_search and grep_search.
#include "agent/builtin_tools.h"

#include <regex.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <optional>

#include "agent/glob_pattern.h"
#include "agent/tool_files.h"
#include "api/json_fields.h"

namespace cria::agent {

using nlohmann::json;
namespace limits = tool_limits;

namespace {

std::string read_pattern_param(const json& params, const char* name, const std::string& fallback) {
    const std::string value = read_string(params, name, fallback);
    if (value.size() > limits::kMaxPatternBytes) {
        throw invalid_request(std::string("'") + name + "' is longer than " + std::to_string(limits::kMaxPatternBytes) +
                                  " bytes",
                              name);
    }
    return value;
}

// include and exclude; nullopt and *error when one does not compile.
struct FileFilter {
    std::optional<GlobPattern> include;
    std::optional<GlobPattern> exclude;

    bool keeps(const std::string& path) const { return include->matches(path) && !(exclude && exclude->matches(path)); }
};

std::optional<FileFilter> read_filter(const json& params, std::string* error) {
    FileFilter filter;
    filter.include = GlobPattern::compile(read_pattern_param(params, "include", "**"), error);
    if (!filter.include) return std::nullopt;
    const std::string exclude = read_pattern_param(params, "exclude", "");
    if (!exclude.empty()) {
        filter.exclude = GlobPattern::compile(exclude, error);
        if (!filter.exclude) return std::nullopt;
    }
    return filter;
}

std::string summary(const std::string& listing, size_t total) {
    return listing + "\n---\nTotal matches: " + std::to_string(total) + "\n";
}

}  // namespace

json file_glob_search_tool(const ToolCall& call) {
    const std::string path = read_path_param(call.params);
    const std::string type = read_string(call.params, "type", "file");
    const int64_t max_depth = read_int(call.params, "max_depth", 0, 0, 1000);
    const int64_t limit = read_int(call.params, "limit", limits::kMaxGlobResults, std::numeric_limits<int32_t>::min(),
                                   std::numeric_limits<int32_t>::max());
    if (limit < 1) return tool_failure("invalid limit: " + std::to_string(limit) + " (expected 1 or more)");
    if (type != "file" && type != "dir" && type != "all") {
        return tool_failure("invalid type: " + type + " (expected \"file\", \"dir\" or \"all\")");
    }
    std::string error;
    const std::optional<FileFilter> filter = read_filter(call.params, &error);
    if (!filter) return tool_failure(error);
    auto files = make_tool_files(call.runtime, call.cwd);
    if (files->kind(path) != PathKind::directory) return tool_failure("path does not exist or is not a directory: " + path);
    ListRequest request;
    request.max_depth = static_cast<int>(max_depth);
    request.directories = type != "file";
    request.max_entries = limits::kMaxWalkEntries;
    std::string listing;
    json entries = json::array();
    size_t total = 0;
    for (const ListEntry& entry : files->list(path, request)) {
        if ((type == "dir" && !entry.directory) || (type == "file" && entry.directory) || !filter->keeps(entry.path)) continue;
        if (++total > static_cast<size_t>(std::min<int64_t>(limit, limits::kMaxGlobResults))) continue;
        listing += entry.path + (entry.directory ? "/\n" : "\n");
        entries.push_back({{"path", entry.path}, {"type", entry.directory ? "dir" : "file"}});
    }
    if (entries.size() < total) {
        listing += "[" + std::to_string(entries.size()) + " results limit reached (" + std::to_string(total) +
                   " total matches). Refine the glob pattern to narrow the search.]\n";
    }
    return {{"plain_text_response", summary(listing, total)}, {"entries", entries}, {"base", resolve_path(path, call.cwd)}};
}

namespace {

// The pattern of grep_search: a POSIX extended regular expression (glibc runs it without
// backtracking) or plain text.
class LineMatcher {
public:
    static std::unique_ptr<LineMatcher> make(const std::string& pattern, bool literal, bool ignore_case, std::string* error) {
        auto m = std::unique_ptr<LineMatcher>(new LineMatcher());
        m->literal_ = literal;
        m->ignore_case_ = ignore_case;
        m->text_ = ignore_case ? lower(pattern) : pattern;
        if (literal) return m;
        const int rc = regcomp(&m->regex_, pattern.c_str(), REG_EXTENDED | REG_NOSUB | (ignore_case ? REG_ICASE : 0));
        if (rc != 0) {
            char message[256];
            regerror(rc, &m->regex_, message, sizeof(message));
            *error = std::string("invalid regex: ") + message;
            return nullptr;
        }
        m->compiled_ = true;
        return m;
    }
    ~LineMatcher() {
        if (compiled_) regfree(&regex_);
    }
    LineMatcher(const LineMatcher&) = delete;
    LineMatcher& operator=(const LineMatcher&) = delete;

    bool matches(const std::string& line) const {
        if (literal_) return (ignore_case_ ? lower(line) : line).find(text_) != std::string::npos;
        return regexec(&regex_, line.c_str(), 0, nullptr, 0) == 0;
    }

private:
    LineMatcher() = default;
    static std::string lower(std::string s) {
        for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    }
    regex_t regex_{};
    bool compiled_ = false;
    bool literal_ = false;
    bool ignore_case_ = false;
    std::string text_;
};

// A search of a huge tree (or one file at a time through a container) ends with what it found.
constexpr std::chrono::seconds kGrepTimeBudget(30);

struct GrepOptions {
    bool numbers = false;
    int context = 0;
};

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    size_t begin = 0;
    while (begin < text.size()) {
        const size_t newline = text.find('\n', begin);
        const size_t end = newline == std::string::npos ? text.size() : newline;
        lines.push_back(text.substr(begin, end - begin));
        begin = end + 1;
    }
    return lines;
}

std::string shown(const std::string& line) {
    return line.size() <= limits::kMaxGrepLineBytes ? line : line.substr(0, limits::kMaxGrepLineBytes) + "…";
}

// Appends one file's matches ("label:N:line", context "label-N-line", "--" after each group) and
// counts them; stops at the match limit (*total still counts every match of this file).
void grep_file(const std::string& label, const std::string& content, const LineMatcher& matcher, const GrepOptions& o,
               std::string& out, size_t& total) {
    if (content.find('\0') != std::string::npos) return;  // binary
    const std::vector<std::string> lines = split_lines(content);
    for (size_t i = 0; i < lines.size(); ++i) {
        if (!matcher.matches(lines[i])) continue;
        if (++total > limits::kMaxGrepMatches) continue;
        const size_t from = i >= static_cast<size_t>(o.context) ? i - o.context : 0;
        const size_t to = std::min(lines.size() - 1, i + o.context);
        for (size_t k = from; k <= to; ++k) {
            const char sep = k == i ? ':' : '-';
            out += label + (o.numbers || k != i ? sep + std::to_string(k + 1) : std::string()) + sep + shown(lines[k]) + "\n";
        }
        if (o.context > 0) out += "--\n";
    }
}

}  // namespace

json grep_search_tool(const ToolCall& call) {
    const std::string path = read_path_param(call.params);
    const std::string pattern = read_pattern_param(call.params, "pattern", "");
    if (!has_field(call.params, "pattern")) throw invalid_request("'pattern' must be a string", "pattern");
    GrepOptions options;
    options.numbers = read_bool(call.params, "return_line_numbers", false);
    options.context = static_cast<int>(read_int(call.params, "context_lines", 0, 0, limits::kMaxContextLines));
    std::string error;
    const auto matcher = LineMatcher::make(pattern, read_bool(call.params, "literal", false),
                                           read_bool(call.params, "ignore_case", false), &error);
    if (!matcher) return tool_failure(error);
    const std::optional<FileFilter> filter = read_filter(call.params, &error);
    if (!filter) return tool_failure(error);
    auto files = make_tool_files(call.runtime, call.cwd);
    std::vector<std::pair<std::string, std::string>> targets;  // label, path to read
    const PathKind kind = files->kind(path);
    if (kind == PathKind::file) {
        targets.emplace_back(path, path);
    } else if (kind == PathKind::directory) {
        ListRequest request;
        request.max_entries = limits::kMaxWalkEntries;
        for (const ListEntry& entry : files->list(path, request)) {
            if (filter->keeps(entry.path)) targets.emplace_back(entry.path, resolve_path(entry.path, path));
        }
    } else {
        return tool_failure("path does not exist: " + path);
    }
    std::string out;
    size_t total = 0;
    const auto deadline = std::chrono::steady_clock::now() + kGrepTimeBudget;
    for (const auto& [label, file_path] : targets) {
        if (std::chrono::steady_clock::now() > deadline) {
            out += "[search stopped after " + std::to_string(kGrepTimeBudget.count()) + " s: narrow the path or include]\n";
            break;
        }
        const FileRead file = files->read(file_path, limits::kMaxGrepFileBytes);
        if (file.error.empty() && !file.too_large) grep_file(label, file.content, *matcher, options, out, total);
    }
    if (total > limits::kMaxGrepMatches) {
        out += "[" + std::to_string(limits::kMaxGrepMatches) +
               " matches limit reached. Narrow the path/pattern/include to see more.]\n";
    }
    return {{"plain_text_response", summary(out, total)}};
}

}  // namespace cria::agent
