#include "engine/slot_file.h"

#include <llama.h>

#include "engine/kv/kv_cache.h"

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

SlotFileResult save(llama_context* ctx, const KvCache& kv, int32_t seq, const SlotFileRequest& request) {
    const std::vector<Token>& tokens = kv.tokens(seq);
    if (tokens.empty()) return failure(400, "slot " + std::to_string(seq) + " holds no tokens to save");
    SlotFileResult r;
    r.n_bytes = llama_state_seq_save_file(ctx, request.path.c_str(), seq, tokens.data(), tokens.size());
    if (r.n_bytes == 0) return failure(500, "could not write the slot file");
    r.n_tokens = static_cast<int32_t>(tokens.size());
    return r;
}

SlotFileResult restore(llama_context* ctx, KvCache& kv, int32_t seq, int32_t n_ctx_slot, const LoraScales& lora,
                       const SlotFileRequest& request) {
    std::vector<llama_token> tokens(static_cast<size_t>(n_ctx_slot));
    size_t n_tokens = 0;
    kv.clear(seq);
    SlotFileResult r;
    r.n_bytes = llama_state_seq_load_file(ctx, request.path.c_str(), seq, tokens.data(), tokens.size(), &n_tokens);
    if (r.n_bytes == 0) {
        kv.clear(seq);  // whatever a failed load left behind
        return failure(400, "the file is not a slot file of this model, or holds more than the slot's " +
                                std::to_string(n_ctx_slot) + " tokens");
    }
    tokens.resize(n_tokens);
    // Its positions must be the ones this server gives that many tokens (self-extend settings included).
    if (!kv.adopt_restored(seq, std::move(tokens), lora)) {
        return failure(400, "the slot file was saved with other self-extend settings (--grp-attn-n, --grp-attn-w) "
                            "than this server's");
    }
    r.n_tokens = static_cast<int32_t>(n_tokens);
    return r;
}

}  // namespace

SlotFileResult run_slot_file_request(llama_context* ctx, KvCache& kv, int32_t seq, int32_t n_ctx_slot,
                                     const LoraScales& lora, const SlotFileRequest& request) {
    const auto start = Clock::now();
    SlotFileResult r;
    switch (request.action) {
        case SlotFileAction::save:
            r = save(ctx, kv, seq, request);
            break;
        case SlotFileAction::restore:
            r = restore(ctx, kv, seq, n_ctx_slot, lora, request);
            break;
        case SlotFileAction::erase:
            r.n_tokens = static_cast<int32_t>(kv.size(seq));
            kv.clear(seq);
            break;
    }
    if (r.http_status != 200) return r;
    r.ms = ms_since(start);
    return r;
}

}  // namespace cria
