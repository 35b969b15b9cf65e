#include "engine/lora_adapters.h"

#include <llama.h>

namespace cria {

void LoraAdapters::add(llama_adapter_lora* adapter, std::string path, float scale) {
    adapters_.push_back(adapter);
    paths_.push_back(std::move(path));
    std::lock_guard<std::mutex> lock(mutex_);
    scales_.push_back(scale);
}

std::vector<LoraAdapterInfo> LoraAdapters::list() const {
    const LoraScales current = scales();
    std::vector<LoraAdapterInfo> out;
    for (size_t i = 0; i < adapters_.size(); ++i) out.push_back({static_cast<int32_t>(i), paths_[i], current[i]});
    return out;
}

LoraScales LoraAdapters::scales() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return scales_;
}

void LoraAdapters::set_scales(const LoraScales& scales) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (scales.size() == scales_.size()) scales_ = scales;
}

bool LoraAdapters::apply(llama_context* context, const LoraScales& scales) {
    if (applied_once_ && scales == applied_) return true;
    std::vector<llama_adapter_lora*> active;
    std::vector<float> active_scales;
    for (size_t i = 0; i < adapters_.size() && i < scales.size(); ++i) {
        if (scales[i] == 0.0f) continue;
        active.push_back(adapters_[i]);
        active_scales.push_back(scales[i]);
    }
    if (llama_set_adapters_lora(context, active.data(), active.size(), active_scales.data()) != 0) return false;
    applied_ = scales;
    applied_once_ = true;
    return true;
}

std::optional<LoraScales> pick_lora_group(const std::vector<LoraCandidate>& candidates) {
    const LoraCandidate* best = nullptr;
    for (const auto& c : candidates) {
        if (best == nullptr || c.last_batched < best->last_batched ||
            (c.last_batched == best->last_batched && c.admitted < best->admitted)) {
            best = &c;
        }
    }
    if (best == nullptr) return std::nullopt;
    return *best->scales;
}

}  // namespace cria
