#include "api/lora_api.h"

#include <cmath>

#include "api/api_error.h"

namespace cria {

using json = nlohmann::json;

LoraScales parse_lora_scales(const json& value, size_t n_adapters, const std::string& field) {
    const std::string whole = field.empty() ? "the body" : "'" + field + "'";
    auto param = [&field](const char* part) { return field.empty() ? std::string(part) : field; };
    if (!value.is_array()) {
        throw invalid_request(whole + " must be an array of {\"id\": N, \"scale\": X} objects", field);
    }
    LoraScales scales(n_adapters, 0.0f);
    std::vector<bool> seen(n_adapters, false);
    for (size_t i = 0; i < value.size(); ++i) {
        const std::string at = "'" + field + "[" + std::to_string(i) + "]";
        const json& item = value[i];
        if (!item.is_object()) throw invalid_request(at + "' must be an object with 'id' and 'scale'", field);
        if (!item.contains("id") || !item.at("id").is_number_integer()) {
            throw invalid_request(at + ".id' must be an integer adapter id", param("id"));
        }
        const int64_t id = item.at("id").get<int64_t>();
        if (id < 0 || static_cast<uint64_t>(id) >= n_adapters) {
            const std::string known = n_adapters == 0   ? "this server has no LoRA adapters"
                                      : n_adapters == 1 ? "the only adapter id is 0"
                                                        : "adapter ids go from 0 to " + std::to_string(n_adapters - 1);
            throw invalid_request(at + ".id' is " + std::to_string(id) + ", which is no LoRA adapter (" + known + ")",
                                  param("id"));
        }
        if (seen[static_cast<size_t>(id)]) {
            throw invalid_request(at + ".id' lists adapter " + std::to_string(id) + " a second time", param("id"));
        }
        seen[static_cast<size_t>(id)] = true;
        if (!item.contains("scale") || !item.at("scale").is_number() || !std::isfinite(item.at("scale").get<double>())) {
            throw invalid_request(at + ".scale' must be a number", param("scale"));
        }
        const double scale = item.at("scale").get<double>();
        if (std::fabs(scale) > 1e6) throw invalid_request(at + ".scale' must be between -1000000 and 1000000", param("scale"));
        scales[static_cast<size_t>(id)] = static_cast<float>(scale);
    }
    return scales;
}

json lora_adapters_json(const std::vector<LoraAdapterInfo>& adapters) {
    json out = json::array();
    for (const auto& a : adapters) out.push_back({{"id", a.id}, {"path", a.path}, {"scale", a.scale}});
    return out;
}

json lora_scales_json(const LoraScales& scales) {
    json out = json::array();
    for (size_t i = 0; i < scales.size(); ++i) out.push_back({{"id", i}, {"scale", scales[i]}});
    return out;
}

}  // namespace cria
