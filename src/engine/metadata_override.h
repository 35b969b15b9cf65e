// One --override-kv entry: a GGUF metadata key whose value the model loader reads as given here
// instead of from the file. Plain data, so the option parser needs no llama.h.
#pragma once

#include <cstdint>
#include <string>

namespace cria {

struct MetadataOverride {
    enum class Type { integer, floating, boolean, text };
    std::string key;       // at most 127 bytes (libllama's fixed-size field)
    Type type = Type::integer;
    int64_t int_value = 0;
    double float_value = 0.0;
    bool bool_value = false;
    std::string text_value;  // at most 127 bytes
};

}  // namespace cria
