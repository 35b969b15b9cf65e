// What every fuzz target shares: the rule for what counts as a finding, and a reader that splits
// the fuzzer's bytes into the pieces a target needs.
//
// A finding is anything a client could not be answered for with a clear error: an exception other
// than the ones a parser documents (ApiError; TemplateError for templates), a crash, a sanitizer
// report, a timeout or an allocation over libFuzzer's limits. report() aborts, so libFuzzer saves
// the input (scripts/fuzz leaves it in build-fuzz/findings/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

#include "api/api_error.h"

namespace cria::fuzz {

[[noreturn]] inline void report(const char* what, const std::string& detail) {
    std::fprintf(stderr, "\n==== FUZZ FINDING: %s: %s\n", what, detail.c_str());
    std::fflush(stderr);
    std::abort();
}

// Runs `f`, for which the given exception types are documented answers (ApiError always is);
// any other exception is a finding.
template <typename... Expected, typename F>
void expect_only(F&& f) {
    try {
        try {
            f();
        } catch (const ApiError&) {
        }
    } catch (const std::exception& e) {
        if ((... || (dynamic_cast<const Expected*>(&e) != nullptr))) return;
        report("unexpected exception", std::string(typeid(e).name()) + ": " + e.what());
    } catch (...) {
        report("unexpected exception", "not a std::exception");
    }
}

// Consumes the fuzzer's input front to back.
class ByteReader {
public:
    ByteReader(const uint8_t* data, size_t size) : data_(reinterpret_cast<const char*>(data), size) {}
    // The next byte, or 0 when none is left.
    uint8_t byte() {
        if (data_.empty()) return 0;
        const auto b = static_cast<uint8_t>(data_[0]);
        data_.remove_prefix(1);
        return b;
    }
    // Up to the next `separator` (consumed, not returned), or everything left.
    std::string until(char separator) {
        const size_t at = data_.find(separator);
        std::string piece(data_.substr(0, at));
        data_.remove_prefix(at == std::string_view::npos ? data_.size() : at + 1);
        return piece;
    }
    std::string rest() {
        std::string all(data_);
        data_ = {};
        return all;
    }
    bool empty() const { return data_.empty(); }

private:
    std::string_view data_;
};

}  // namespace cria::fuzz
