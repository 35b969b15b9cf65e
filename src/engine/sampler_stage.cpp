#include "engine/generation_request.h"

namespace cria {

const char* sampler_stage_name(SamplerStage stage) {
    switch (stage) {
        case SamplerStage::top_k: return "top_k";
        case SamplerStage::tfs_z: return "tfs_z";
        case SamplerStage::typical_p: return "typical_p";
        case SamplerStage::top_p: return "top_p";
        case SamplerStage::min_p: return "min_p";
        case SamplerStage::temperature: return "temperature";
        case SamplerStage::xtc: return "xtc";
        case SamplerStage::top_n_sigma: return "top_n_sigma";
        case SamplerStage::dry: return "dry";
        case SamplerStage::penalties: return "penalties";
        case SamplerStage::adaptive_p: return "adaptive_p";
    }
    return "?";
}

std::optional<SamplerStage> sampler_stage_from_name(const std::string& name) {
    const std::string canonical = name == "typical"      ? "typical_p"
                                  : name == "temp"       ? "temperature"
                                  : name == "adaptive-p" ? "adaptive_p"
                                                         : name;
    for (int i = 0; i <= static_cast<int>(SamplerStage::adaptive_p); ++i) {
        const auto stage = static_cast<SamplerStage>(i);
        if (canonical == sampler_stage_name(stage)) return stage;
    }
    return std::nullopt;
}

std::vector<SamplerStage> default_sampler_order() {
    return {SamplerStage::penalties, SamplerStage::dry,   SamplerStage::top_n_sigma,
            SamplerStage::top_k,     SamplerStage::tfs_z,     SamplerStage::typical_p, SamplerStage::top_p,
            SamplerStage::min_p,     SamplerStage::xtc,   SamplerStage::temperature};
}

}  // namespace cria
