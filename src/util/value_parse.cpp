#include "util/value_parse.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace cria::util {

namespace {
// from_chars takes no leading '+': skip one (but not "+-5" or "++5"). False if nothing is left.
bool skip_plus_sign(const char*& first, const char* last) {
    if (first != last && *first == '+') {
        ++first;
        if (first != last && (*first == '-' || *first == '+')) return false;
    }
    return first != last;
}
}  // namespace

std::optional<int64_t> parse_int(const std::string& text) {
    const char* first = text.data();
    const char* last = text.data() + text.size();
    if (!skip_plus_sign(first, last)) return std::nullopt;
    int64_t value = 0;
    auto [end, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || end != last) return std::nullopt;
    return value;
}

std::optional<double> parse_float(const std::string& text) {
    const char* first = text.data();
    const char* last = text.data() + text.size();
    if (!skip_plus_sign(first, last)) return std::nullopt;
    double value = 0.0;
    // from_chars is locale-independent: "0.5" means one half whatever LC_NUMERIC says.
    auto [end, ec] = std::from_chars(first, last, value, std::chars_format::general);
    if (ec != std::errc() || end != last || !std::isfinite(value)) return std::nullopt;
    return value;
}

std::optional<bool> parse_bool_word(const std::string& text) {
    const std::string word = to_lower(trim(text));
    if (word == "true" || word == "1" || word == "on" || word == "yes" || word == "enabled") return true;
    if (word == "false" || word == "0" || word == "off" || word == "no" || word == "disabled") return false;
    return std::nullopt;
}

std::vector<std::string> split_list(const std::string& text, char sep) {
    std::vector<std::string> items;
    std::string::size_type start = 0;
    while (true) {
        const auto pos = text.find(sep, start);
        items.push_back(trim(text.substr(start, pos == std::string::npos ? std::string::npos : pos - start)));
        if (pos == std::string::npos) break;
        start = pos + 1;
    }
    return items;
}

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return "";
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::string to_lower(std::string text) {
    for (char& c : text) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return text;
}

}  // namespace cria::util
