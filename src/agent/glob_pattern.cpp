#include "agent/glob_pattern.h"

namespace cria::agent {

namespace {

constexpr size_t kMaxPatternBytes = 1024;

bool is_regex_special(char c) { return std::string(".^$+(){}|\\*?[]").find(c) != std::string::npos; }

// [...] starting at glob[i] == '['; appends the bracket expression and returns the index after ']'
// (npos when unterminated).
size_t copy_class(const std::string& glob, size_t i, std::string& out) {
    size_t j = i + 1;
    std::string body;
    if (j < glob.size() && (glob[j] == '!' || glob[j] == '^')) {
        body += '^';
        ++j;
    }
    if (j < glob.size() && glob[j] == ']') body += glob[j++];  // a leading ']' is literal
    while (j < glob.size() && glob[j] != ']') {
        if (glob[j] == '/') return std::string::npos;  // classes never match a separator
        body += glob[j] == '\\' && j + 1 < glob.size() ? glob[++j] : glob[j];
        ++j;
    }
    if (j >= glob.size()) return std::string::npos;
    out += "[" + body + "]";
    return j + 1;
}

}  // namespace

std::string glob_to_regex(const std::string& glob, std::string* error) {
    std::string out = "^";
    for (size_t i = 0; i < glob.size();) {
        const char c = glob[i];
        if (c == '*' && i + 1 < glob.size() && glob[i + 1] == '*') {
            const bool dirs = i + 2 < glob.size() && glob[i + 2] == '/';
            out += dirs ? "(.*/)?" : ".*";
            i += dirs ? 3 : 2;
        } else if (c == '*') {
            out += "[^/]*";
            ++i;
        } else if (c == '?') {
            out += "[^/]";
            ++i;
        } else if (c == '[') {
            i = copy_class(glob, i, out);
            if (i == std::string::npos) {
                *error = "unterminated [ in glob pattern: " + glob;
                return "";
            }
        } else {
            if (c == '\\' && i + 1 < glob.size()) ++i;
            if (is_regex_special(glob[i])) out += '\\';
            out += glob[i++];
        }
    }
    return out + "$";
}

struct GlobPattern::Compiled {
    regex_t regex{};
    bool ok = false;
    ~Compiled() {
        if (ok) regfree(&regex);
    }
};

std::optional<GlobPattern> GlobPattern::compile(const std::string& pattern, std::string* error) {
    if (pattern.size() > kMaxPatternBytes) {
        *error = "glob pattern longer than " + std::to_string(kMaxPatternBytes) + " bytes";
        return std::nullopt;
    }
    GlobPattern out;
    std::string glob = pattern;
    out.name_only_ = glob.find('/') == std::string::npos;
    if (!out.name_only_) {
        if (glob[0] == '/') glob.erase(0, 1);
        else if (glob.rfind("**/", 0) != 0) glob = "**/" + glob;
    }
    out.expression_ = glob_to_regex(glob, error);
    if (out.expression_.empty()) return std::nullopt;
    auto compiled = std::make_shared<Compiled>();
    if (regcomp(&compiled->regex, out.expression_.c_str(), REG_EXTENDED | REG_NOSUB) != 0) {
        *error = "invalid glob pattern: " + pattern;
        return std::nullopt;
    }
    compiled->ok = true;
    out.compiled_ = std::move(compiled);
    return out;
}

bool GlobPattern::matches(const std::string& relative_path) const {
    const std::string subject = name_only_ ? relative_path.substr(relative_path.rfind('/') + 1) : relative_path;
    return regexec(&compiled_->regex, subject.c_str(), 0, nullptr, 0) == 0;
}

}  // namespace cria::agent
