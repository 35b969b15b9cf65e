// Slot files: saving an idle slot's KV cache (and the tokens it holds) to a file, restoring it into
// a slot, or erasing a slot's cache. Asked for by any thread, carried out by the engine thread
// between two steps, because only it may touch the llama_context.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "engine/lora_adapters.h"

struct llama_context;  // llama.h: this header stays llama-free, so the HTTP side may include it

namespace cria {

class KvCache;  // engine/kv/kv_cache.h

enum class SlotFileAction { save, restore, erase };

struct SlotFileRequest {
    SlotFileAction action = SlotFileAction::save;
    int32_t id_slot = 0;
    std::string path;  // save, restore: the file (already validated and joined to --slot-save-path)
};

struct SlotFileResult {
    int http_status = 200;   // 200, or the status of `error`
    std::string error;
    int32_t n_tokens = 0;    // tokens saved, restored or erased
    size_t n_bytes = 0;      // bytes written or read
    double ms = 0;           // how long the save or restore took
};

// Requests waiting for the engine thread. Any thread may submit(); the engine thread calls take().
class SlotFileJobs {
public:
    std::future<SlotFileResult> submit(SlotFileRequest request) {
        std::lock_guard<std::mutex> lock(mutex_);
        jobs_.emplace_back(std::move(request), std::promise<SlotFileResult>());
        return jobs_.back().second.get_future();
    }

    std::deque<std::pair<SlotFileRequest, std::promise<SlotFileResult>>> take() {
        std::lock_guard<std::mutex> lock(mutex_);
        return std::move(jobs_);
    }

private:
    std::mutex mutex_;
    std::deque<std::pair<SlotFileRequest, std::promise<SlotFileResult>>> jobs_;
};

// Engine thread: carries out `request` on sequence `seq` of `kv` (the slot's; it must be idle).
// `n_ctx_slot` bounds what a restore may bring in; a restored cache counts as computed under
// `lora`. On a failed restore the sequence is left empty, never half-filled. The file holds the
// sequence's state (llama_state_seq_*), which is not the KV cache's business; emptying the
// sequence is, and goes through `kv`.
SlotFileResult run_slot_file_request(llama_context* ctx, KvCache& kv, int32_t seq, int32_t n_ctx_slot,
                                     const LoraScales& lora, const SlotFileRequest& request);

}  // namespace cria
