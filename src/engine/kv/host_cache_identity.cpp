#include "engine/kv/host_cache_identity.h"

#include <llama.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

namespace cria {

namespace {

constexpr size_t kHashedHeadBytes = size_t{1} << 20;

uint64_t fnv1a(uint64_t hash, const char* data, size_t n) {
    for (size_t i = 0; i < n; ++i) hash = (hash ^ static_cast<unsigned char>(data[i])) * 1099511628211ull;
    return hash;
}

std::string file_fingerprint(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    std::vector<char> head(kHashedHeadBytes);
    std::ifstream in(path, std::ios::binary);
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    const uint64_t hash = fnv1a(1469598103934665603ull, head.data(), static_cast<size_t>(in.gcount()));
    return std::to_string(ec ? 0 : size) + ":" + std::to_string(hash);
}

uint64_t metadata_hash(const llama_model* model) {
    uint64_t hash = 1469598103934665603ull;
    char buf[4096];
    for (int32_t i = 0; i < llama_model_meta_count(model); ++i) {
        for (const bool key : {true, false}) {
            const int32_t n = key ? llama_model_meta_key_by_index(model, i, buf, sizeof buf)
                                  : llama_model_meta_val_str_by_index(model, i, buf, sizeof buf);
            if (n > 0) hash = fnv1a(hash, buf, std::min(static_cast<size_t>(n), sizeof buf - 1));
            hash = fnv1a(hash, "\n", 1);
        }
    }
    return hash;
}

void model_lines(std::ostringstream& out, const llama_model* model, const EngineConfig& config, const EngineInfo& info) {
    char desc[256] = {0};
    llama_model_desc(model, desc, sizeof desc);
    out << "model=" << file_fingerprint(info.model_path.empty() ? config.model_path : info.model_path) << '\n'
        << "model_desc=" << desc << '\n'
        << "model_params=" << llama_model_n_params(model) << '\n'
        << "model_metadata=" << metadata_hash(model) << '\n';
    for (const auto& o : config.kv_overrides) {
        out << "override=" << o.key << ':' << static_cast<int>(o.type) << ':' << o.int_value << ':' << o.float_value
            << ':' << o.bool_value << ':' << o.text_value << '\n';
    }
    for (const auto& a : config.lora_adapters) out << "lora=" << file_fingerprint(a.path) << '\n';
    for (const auto& c : config.backend.control_vectors) out << "control_vector=" << file_fingerprint(c.path) << ':' << c.scale << '\n';
    out << "control_vector_layers=" << config.backend.control_vector_layer_start << '-'
        << config.backend.control_vector_layer_end << '\n';
}

}  // namespace

std::string host_cache_identity(const llama_model* model, const EngineConfig& config, const EngineInfo& info) {
    std::ostringstream out;
    out.precision(9);
    model_lines(out, model, config, info);
    const ContextTuning& t = config.tuning;
    out << "n_ctx_slot=" << info.n_ctx_slot << '\n'
        << "n_slots=" << info.n_slots << '\n'
        << "kv_unified=" << config.kv_unified << '\n'
        << "cache_type=" << t.cache_type_k << '/' << t.cache_type_v << '\n'
        << "flash_attn=" << config.flash_attn << '\n'
        << "rope=" << t.rope_scaling << ':' << t.rope_freq_base << ':' << t.rope_freq_scale << ':' << t.yarn_orig_ctx
        << ':' << t.yarn_ext_factor << ':' << t.yarn_attn_factor << ':' << t.yarn_beta_slow << ':' << t.yarn_beta_fast
        << '\n'
        << "self_extend=" << config.grp_attn_n << '/' << config.grp_attn_w << '\n'
        << "embedding=" << config.embedding << '\n';
    return out.str();
}

}  // namespace cria
