// Admission's use of the caches beyond a slot's common prefix: what a new prompt's sequence holds
// before its prompt is read (its own prefix, an entry of the host-memory prompt cache, or chunks
// moved into place by KV shifting), and the host cache's life across restarts (--cache-dir).
// The KV cache itself is changed only through KvCache (engine/kv/kv_cache.h).
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <utility>
#include <system_error>

#include "engine/kv/host_cache_file.h"
#include "engine/kv/host_cache_identity.h"
#include "engine/scheduler.h"
#include "util/log.h"

namespace cria {

namespace {

std::string mib(size_t bytes) {
    return std::to_string((bytes + (size_t{1} << 19)) >> 20) + " MiB";
}

}  // namespace

int64_t host_cache_budget(const PromptCacheConfig& config) {
    if (config.ram_mib < 0) return HostPromptCache::kUnlimited;
    return static_cast<int64_t>(config.ram_mib) << 20;
}

PartialMemory partial_memory(const llama_model* model, const EngineConfig& config) {
    PartialMemory p;
    p.recurrent = llama_model_is_recurrent(model) || llama_model_is_hybrid(model);
    p.n_swa = config.tuning.swa_full ? 0 : std::max(0, llama_model_n_swa(model));
    p.max_checkpoints = static_cast<size_t>(std::max(0, config.prompt_cache.ctx_checkpoints));
    p.checkpoint_min_step = static_cast<size_t>(std::max(0, config.prompt_cache.checkpoint_min_step));
    return p;
}

namespace {

constexpr size_t kLastCheckpointOffset = 4;  // llama-server's: the last few prompt tokens often change

// Where a prompt of `n` tokens read in chunks of `n_ubatch` is checkpointed: at the start of every
// chunk in [first, last] (first > last: nowhere). Chunks are made to stop at n - n_ubatch (when
// positive) and at last.
std::pair<size_t, size_t> checkpoint_span(size_t n, int32_t n_ubatch) {
    const auto ub = static_cast<size_t>(n_ubatch);
    return {n > ub ? n - ub : 1, n > kLastCheckpointOffset ? n - kLastCheckpointOffset : 0};
}

}  // namespace

size_t Scheduler::checkpoint_stop(const Slot& slot) const {
    const GenerationRequest& request = slot.request();
    if (!kv_.checkpoints_enabled() || request.embed || !request.images.empty()) return SIZE_MAX;
    const auto [first, last] = checkpoint_span(request.prompt.size(), n_batch_);
    if (slot.prompt_done < first && request.prompt.size() > static_cast<size_t>(n_batch_)) return first;
    if (slot.prompt_done < last) return last;
    return SIZE_MAX;
}

void Scheduler::checkpoint_at_chunk_start(Slot& slot) {
    const GenerationRequest& request = slot.request();
    // Images: a checkpoint between an image's positions could not be restored whole (llama-server
    // makes none after one either).
    if (!kv_.checkpoints_enabled() || request.embed || !request.images.empty()) return;
    const auto [first, last] = checkpoint_span(request.prompt.size(), n_batch_);
    if (slot.prompt_done < first || slot.prompt_done > last || kv_.size(slot.id) != slot.prompt_done) return;
    if (kv_.save_checkpoint(slot.id, admitted_at_[static_cast<size_t>(slot.id)]) > 0) record_checkpoints();
}

void Scheduler::record_checkpoints() {
    metrics_.record_checkpoints(kv_.checkpoint_restores(), kv_.checkpoint_count(), kv_.checkpoint_bytes());
}

size_t Scheduler::prepare_cache(Slot& slot, const GenerationRequest& request) {
    const LoraScales lora = request.lora.value_or(LoraScales{});
    // An embedding is computed from scratch, in one batch: no cache to reuse. Nor are cells
    // computed under other LoRA scales.
    const bool wanted = request.cache_prompt && !request.embed;
    const bool same_lora = kv_.lora(slot.id) == request.lora;
    // The last prompt token is always evaluated again: its logits give the first new token.
    const size_t limit = request.prompt.size() - 1;
    const size_t own = wanted && same_lora ? std::min(common_prefix(kv_.tokens(slot.id), request.prompt), limit) : 0;
    // What the slot is about to drop may be wanted again once it has served this prompt.
    const bool saved = kv_.save_to_host(slot.id, own) > 0;
    const size_t restored = wanted ? kv_.restore_from_host(slot.id, request.prompt, limit, lora, own) : 0;
    if (saved || restored > 0) record_prompt_cache(restored, saved);
    if (restored > 0) {
        return kv_.reuse_prefix(slot.id, image_boundary_at_or_before(request.images, restored), lora);
    }
    // A refused restore leaves the sequence empty.
    const size_t reuse = std::min(own, kv_.size(slot.id));
    const int32_t min_chunk = config_.prompt_cache.reuse_min_chunk;
    if (wanted && same_lora && min_chunk > 0 && kv_.can_shift() && kv_.cuts_anywhere() && request.images.empty() &&
        kv_.draft(slot.id).empty() && !kv_.copy_source_pending(slot.id)) {
        return kv_.reuse_chunks(slot.id, request.prompt, limit, reuse, static_cast<size_t>(min_chunk), lora);
    }
    return kv_.reuse_prefix(slot.id, image_boundary_at_or_before(request.images, reuse), lora);
}

// --cache-idle-slots, as llama-server: when tasks start, every slot left idle (not in `taken`) has
// its cells saved to the host cache, so that its conversation comes back from there whatever
// happens to the slot meanwhile. With a unified KV cache, a slot whose cells were saved is then
// emptied: the shared pool holds only the running sequences (room for them, and less to attend
// over). A slot that could not be saved (too short, no state) keeps its cells.
void Scheduler::cache_idle_slots(const std::vector<bool>& taken) {
    if (!config_.prompt_cache.cache_idle_slots || !kv_.host_cache().enabled()) return;
    for (const auto& slot : slots_) {
        if (taken[static_cast<size_t>(slot.id)] || kv_.size(slot.id) == 0) continue;
        if (kv_.save_to_host(slot.id, 0) == 0) continue;  // nothing new to keep, or it cannot be kept
        record_prompt_cache(0, true);
        if (config_.kv_unified) kv_.clear(slot.id);
    }
}

void Scheduler::record_prompt_cache(size_t restored, bool saved) {
    const HostPromptCache& host = kv_.host_cache();
    metrics_.record_prompt_cache(restored > 0, restored, saved, host.bytes(), host.entries());
}

void Scheduler::load_prompt_cache() {
    const std::string& dir = config_.prompt_cache.dir;
    if (dir.empty() || !kv_.host_cache().enabled()) return;
    cache_identity_ = host_cache_identity(model_.model.get(), config_, info_);
    const std::string path = (std::filesystem::path(dir) / kHostCacheFileName).string();
    std::string error;
    const size_t n = load_host_cache_file(path, cache_identity_, kv_.host_cache(), &error);
    if (!error.empty()) {
        log_warn("prompt cache: ignoring " + path + ": " + error);
    } else if (n > 0) {
        log_info("prompt cache: " + std::to_string(kv_.host_cache().entries()) + " entries (" +
                 mib(kv_.host_cache().bytes()) + ") loaded from " + path);
    }
    record_prompt_cache(0, false);
}

void Scheduler::persist_prompt_cache() {
    const std::string& dir = config_.prompt_cache.dir;
    if (dir.empty() || !kv_.host_cache().enabled()) return;
    for (const auto& slot : slots_) kv_.save_to_host(slot.id, 0);  // what the slots hold is worth keeping too
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const std::string path = (std::filesystem::path(dir) / kHostCacheFileName).string();
    std::string error;
    if (!save_host_cache_file(path, cache_identity_, kv_.host_cache(), &error)) {
        log_warn("prompt cache: not saved: " + error);
        return;
    }
    log_info("prompt cache: " + std::to_string(kv_.host_cache().entries()) + " entries (" +
             mib(kv_.host_cache().bytes()) + ") saved to " + path);
}

}  // namespace cria
