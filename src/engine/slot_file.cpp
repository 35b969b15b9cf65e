#include "engine/slot_file.h"

namespace cria {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

SlotFileResult failure(int status, std::string message) {
    SlotFileResult r;
    r.http_status = status;
    r.error = std::move(message);
    return r;
}

}  // namespace

SlotFileResult run_slot_file_request(llama_context* ctx, Slot& slot, int32_t n_ctx_slot,
                                     const SlotFileRequest& request) {
    llama_memory_t memory = llama_get_memory(ctx);
    const llama_seq_id seq = slot.id;
    const auto start = Clock::now();
    SlotFileResult r;
    switch (request.action) {
        case SlotFileAction::save: {
            if (slot.cached.empty()) return failure(400, "slot " + std::to_string(slot.id) + " holds no tokens to save");
            r.n_bytes = llama_state_seq_save_file(ctx, request.path.c_str(), seq, slot.cached.data(), slot.cached.size());
            if (r.n_bytes == 0) return failure(500, "could not write the slot file");
            r.n_tokens = static_cast<int32_t>(slot.cached.size());
            break;
        }
        case SlotFileAction::restore: {
            std::vector<llama_token> tokens(static_cast<size_t>(n_ctx_slot));
            size_t n_tokens = 0;
            llama_memory_seq_rm(memory, seq, -1, -1);
            slot.cached.clear();
            r.n_bytes = llama_state_seq_load_file(ctx, request.path.c_str(), seq, tokens.data(), tokens.size(), &n_tokens);
            if (r.n_bytes == 0) {
                llama_memory_seq_rm(memory, seq, -1, -1);
                return failure(400, "the file is not a slot file of this model, or holds more than the slot's " +
                                        std::to_string(n_ctx_slot) + " tokens");
            }
            tokens.resize(n_tokens);
            slot.cached = std::move(tokens);
            r.n_tokens = static_cast<int32_t>(n_tokens);
            break;
        }
        case SlotFileAction::erase: {
            r.n_tokens = static_cast<int32_t>(slot.cached.size());
            llama_memory_seq_rm(memory, seq, -1, -1);
            slot.cached.clear();
            break;
        }
    }
    r.ms = ms_since(start);
    return r;
}

}  // namespace cria
