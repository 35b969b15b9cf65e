#include "router/preset_ini.h"

#include <set>

namespace cria::router {

namespace {

std::string trim(const std::string& s) {
    const size_t first = s.find_first_not_of(" \t\r");
    if (first == std::string::npos) return "";
    const size_t last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

std::string unquote(const std::string& value) {
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
        return value.substr(1, value.size() - 2);
    }
    return value;
}

[[noreturn]] void refuse(int line, const std::string& why) {
    throw PresetError("line " + std::to_string(line) + ": " + why);
}

}  // namespace

std::vector<PresetSection> parse_preset_ini(const std::string& text) {
    if (text.size() > kMaxPresetBytes) {
        throw PresetError("the file is larger than " + std::to_string(kMaxPresetBytes) + " bytes");
    }
    std::vector<PresetSection> sections(1);
    std::set<std::string> seen;
    size_t start = 0;
    int number = 0;
    while (start <= text.size()) {
        const size_t end = text.find('\n', start);
        const std::string line = trim(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
        start = end == std::string::npos ? text.size() + 1 : end + 1;
        ++number;
        if (line.empty() || line[0] == ';' || line[0] == '#') continue;
        if (line[0] == '[') {
            if (line.back() != ']') refuse(number, "a section name must end with ']'");
            const std::string name = trim(line.substr(1, line.size() - 2));
            if (name.empty()) refuse(number, "empty section name");
            if (!seen.insert(name).second) refuse(number, "section [" + name + "] appears twice");
            if (sections.size() > kMaxPresetSections) refuse(number, "more than " + std::to_string(kMaxPresetSections) + " sections");
            sections.push_back(PresetSection{name, {}, number});
            continue;
        }
        const size_t eq = line.find('=');
        if (eq == std::string::npos) refuse(number, "expected `key = value`, `[section]` or a comment");
        const std::string key = trim(line.substr(0, eq));
        if (key.empty()) refuse(number, "a key is missing before '='");
        sections.back().entries.emplace_back(key, unquote(trim(line.substr(eq + 1))));
    }
    return sections;
}

}  // namespace cria::router
