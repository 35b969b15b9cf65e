#include "util/cpu_set.h"

#include <cctype>
#include <optional>

namespace cria::util {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
    return -1;
}

// A CPU number of a range: digits only, below kMaxCpus (so never long enough to overflow).
std::optional<size_t> cpu_number(const std::string& text) {
    if (text.empty() || text.size() > 4) return std::nullopt;
    size_t n = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<size_t>(c - '0');
    }
    if (n >= kMaxCpus) return std::nullopt;
    return n;
}

}  // namespace

std::string add_cpu_mask(const std::string& text, CpuSet* cpus) {
    const size_t start = text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0 ? 2 : 0;
    const size_t digits = text.size() - start;
    if (digits == 0) return "expected a hexadecimal CPU mask, e.g. 0xff";
    if (digits > kMaxCpus / 4) {
        return "the mask has " + std::to_string(digits) + " hexadecimal digits; at most " + std::to_string(kMaxCpus / 4) +
               " (CPUs 0 to " + std::to_string(kMaxCpus - 1) + ")";
    }
    CpuSet added;
    for (size_t i = 0; i < digits; ++i) {
        const int value = hex_value(text[text.size() - 1 - i]);  // from the last digit: CPUs 4i to 4i+3
        if (value < 0) return "expected a hexadecimal CPU mask, e.g. 0xff";
        for (size_t bit = 0; bit < 4; ++bit) {
            if ((value >> bit) & 1) added.set(4 * i + bit);
        }
    }
    *cpus |= added;
    return "";
}

std::string add_cpu_range(const std::string& text, CpuSet* cpus) {
    const std::string expected =
        "expected lo-hi, CPU numbers from 0 to " + std::to_string(kMaxCpus - 1) + " with lo <= hi (e.g. 0-3)";
    const size_t dash = text.find('-');
    if (dash == std::string::npos || text.size() == 1) return expected;
    const std::string lo_text = text.substr(0, dash);
    const std::string hi_text = text.substr(dash + 1);
    const auto lo = lo_text.empty() ? std::optional<size_t>(0) : cpu_number(lo_text);
    const auto hi = hi_text.empty() ? std::optional<size_t>(kMaxCpus - 1) : cpu_number(hi_text);
    if (!lo || !hi) return expected;
    if (*hi < *lo) return "the range " + text + " is out of order: " + expected;
    for (size_t cpu = *lo; cpu <= *hi; ++cpu) cpus->set(cpu);
    return "";
}

std::string cpu_list(const CpuSet& cpus) {
    std::string out;
    for (size_t cpu = 0; cpu < kMaxCpus; ++cpu) {
        if (!cpus.test(cpu)) continue;
        size_t last = cpu;
        while (last + 1 < kMaxCpus && cpus.test(last + 1)) ++last;
        out += (out.empty() ? "" : ",") + std::to_string(cpu) + (last > cpu ? "-" + std::to_string(last) : "");
        cpu = last;
    }
    return out;
}

}  // namespace cria::util
