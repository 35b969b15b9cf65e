// What the model generators (make-model, make-mmproj) share: the deterministic random stream that
// makes a file byte-identical for a seed, name hashing for per-tensor seeds, and owners for
// gguf/ggml contexts.
#pragma once

#include <cstdint>
#include <string>

#include <ggml.h>
#include <gguf.h>

namespace cria_tools {

// splitmix64: the same stream on every machine.
class Rng {
public:
    explicit Rng(uint64_t seed) : state_(seed) {}

    uint64_t next() {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    // Uniform in [-1, 1) with 24 random bits; every step is exact in float arithmetic.
    float uniform_pm1() {
        const int32_t bits = static_cast<int32_t>(next() >> 40);  // 0 .. 2^24-1
        return static_cast<float>(bits - (1 << 23)) * (1.0f / static_cast<float>(1 << 23));
    }

    uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }

private:
    uint64_t state_;
};

// FNV-1a: a tensor's name mixed into the seed gives each tensor its own stream.
inline uint64_t fnv1a(const std::string & s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

struct GgufDeleter {
    void operator()(gguf_context * g) const { gguf_free(g); }
};
struct GgmlDeleter {
    void operator()(ggml_context * g) const { ggml_free(g); }
};

}  // namespace cria_tools
