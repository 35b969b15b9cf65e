// LoraAdapters: the LoRA adapters loaded with the model (--lora, --lora-scaled) and the
// server-wide scales that POST /lora-adapters changes.
//
// libllama sets adapters on a whole context, so every sequence in one llama_decode runs under the
// same scales. Hence: a request's scales are fixed when it is submitted (its own `lora` field, else
// the server's scales at that moment); the scheduler batches together only slots with equal scales
// (pick_lora_group lets the groups take turns), and never reuses KV cells computed under other
// scales (a slot's cache, or another slot's prefix).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct llama_adapter_lora;
struct llama_context;

namespace cria {

// One scale per loaded adapter, indexed by adapter id. Empty when no adapter is loaded.
using LoraScales = std::vector<float>;

struct LoraAdapterInfo {
    int32_t id = 0;
    std::string path;
    float scale = 0.0f;  // the server-wide scale
};

class LoraAdapters {
public:
    // Load time only (before any other thread sees this object). The adapter stays owned by the
    // model, which frees it.
    void add(llama_adapter_lora* adapter, std::string path, float scale);

    // Any thread.
    size_t size() const { return adapters_.size(); }
    std::vector<LoraAdapterInfo> list() const;
    LoraScales scales() const;
    // `scales` has one entry per adapter (the caller validated it).
    void set_scales(const LoraScales& scales);

    // Engine thread: makes `scales` the context's adapter set before a decode. Adapters at scale 0
    // are left out altogether, so scale 0 computes exactly what the base model does. Returns
    // false if libllama refused. Does nothing when the set is what the context already has.
    bool apply(llama_context* context, const LoraScales& scales);

private:
    std::vector<llama_adapter_lora*> adapters_;
    std::vector<std::string> paths_;
    mutable std::mutex mutex_;
    LoraScales scales_;        // guarded by mutex_
    LoraScales applied_;       // engine thread: what the context has
    bool applied_once_ = false;
};

// A slot that wants to be in this step's batch: its request's scales, and when it was last in a
// batch (0 for a slot just started) and admitted, to find the one that has waited longest.
struct LoraCandidate {
    const LoraScales* scales = nullptr;
    uint64_t last_batched = 0;
    uint64_t admitted = 0;
};

// The scales this step runs under: those of the candidate that has waited longest for a batch
// (then the earliest admitted). Every other group waits a step, so groups take turns and none
// starves. Empty when there is no candidate. A copy, not a pointer into a candidate: the caller
// builds the whole batch under these scales while slots finish and release their requests (the
// candidates' `scales` point into those requests and are only read during this call).
std::optional<LoraScales> pick_lora_group(const std::vector<LoraCandidate>& candidates);

}  // namespace cria
