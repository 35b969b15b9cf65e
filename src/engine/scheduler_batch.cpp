// The scheduler's batch building and decoding: one batch per step, each generating slot's next
// token first, then speculative drafts, then prompt chunks, oldest admission first, all of one
// LoRA group. Positions come from the KV cache's owner (KvCache::append), never from here.
#include <algorithm>

#include "engine/scheduler.h"

namespace cria {

bool Scheduler::build_batch() {
    batch_.n_tokens = 0;
    for (auto& slot : slots_) slot.batch_index = -1;
    take_donated_prefixes();  // before anything is added: donors' caches hold only decoded tokens

    const bool prefilling = std::any_of(slots_.begin(), slots_.end(),
                                        [](const Slot& s) { return s.state == SlotState::prefill; });
    // Without continuous batching a step either reads prompts or generates, never both.
    const bool generating_allowed = config_.cont_batching || !prefilling;
    // A copy, not a pointer into the chosen slot's request: finish() below can release it.
    const std::optional<LoraScales> lora = pick_batch_lora(generating_allowed);
    batch_lora_ = lora.value_or(LoraScales{});
    if (generating_allowed) add_generating_tokens(lora);
    if (speculator_) add_drafts();
    add_prompt_chunks(lora);
    return batch_.n_tokens > 0;
}

std::optional<LoraScales> Scheduler::pick_batch_lora(bool generating_allowed) const {
    if (model_.loras.size() == 0) return std::nullopt;
    std::vector<LoraCandidate> candidates;
    for (const auto& slot : slots_) {
        const bool wants_batch = (slot.state == SlotState::generate && generating_allowed) ||
                                 (slot.state == SlotState::prefill && slot.donor < 0);
        if (!wants_batch || !slot.request().lora) continue;
        candidates.push_back({&*slot.request().lora, slot.last_batched, admitted_at_[static_cast<size_t>(slot.id)]});
    }
    return pick_lora_group(candidates);
}

bool Scheduler::in_lora_group(const Slot& slot, const std::optional<LoraScales>& lora) {
    return !lora || slot.request().lora == *lora;
}

void Scheduler::add_generating_tokens(const std::optional<LoraScales>& lora) {
    for (auto& slot : slots_) {
        if (slot.state != SlotState::generate || batch_.n_tokens >= n_batch_ || !in_lora_group(slot, lora)) continue;
        if (static_cast<int32_t>(kv_.size(slot.id)) >= info_.n_ctx_slot && !shift_context(slot)) {
            slot.truncated = true;  // the context is full and cannot shift: stop here
            finish(slot, StopReason::limit);
            continue;
        }
        kv_.make_room(slot.id);  // self-extend: groups a full window first
        add_to_batch(slot, slot.next_input, true);
    }
}

void Scheduler::add_prompt_chunks(const std::optional<LoraScales>& lora) {
    std::vector<Slot*> readers;
    for (auto& slot : slots_) {
        if (slot.state == SlotState::prefill && slot.donor < 0 && in_lora_group(slot, lora)) readers.push_back(&slot);
    }
    std::sort(readers.begin(), readers.end(), [&](const Slot* a, const Slot* b) {
        return admitted_at_[static_cast<size_t>(a->id)] < admitted_at_[static_cast<size_t>(b->id)];
    });
    for (Slot* slot : readers) {
        if (!add_prompt_chunk(*slot)) break;
    }
}

bool Scheduler::add_prompt_chunk(Slot& slot) {
    const auto& prompt = slot.request().prompt;
    if (slot.request().embed) {
        // An embedding input goes alone into its step, whole: pooling needs all of it in one
        // batch, and nothing batched beside it can change its numbers.
        if (batch_.n_tokens > 0 || !slot.request().images.empty()) return true;
        slot.batch_first = 0;
        for (const Token t : prompt) add_to_batch(slot, t, /*wants_logits=*/true);
        slot.prompt_done = prompt.size();
        return false;
    }
    // Text up to the next image; the image itself is decoded by decode_next_image(). A chunk also
    // ends where a context checkpoint is due (scheduler_prompt_cache.cpp).
    if (batch_.n_tokens < n_batch_) checkpoint_at_chunk_start(slot);
    const size_t text_end = std::min(next_image_start(slot.request(), slot.prompt_done), checkpoint_stop(slot));
    // With self-extend, a chunk ends where the current window is full: it is grouped first.
    int32_t room = slot.prompt_done < prompt.size() && batch_.n_tokens < n_batch_ ? kv_.make_room(slot.id) : n_batch_;
    while (slot.prompt_done < text_end && batch_.n_tokens < n_batch_ && room-- > 0) {
        const bool last = slot.prompt_done + 1 == prompt.size();
        add_to_batch(slot, prompt[slot.prompt_done], last);
        ++slot.prompt_done;
    }
    return true;
}

void Scheduler::add_to_batch(Slot& slot, Token token, bool wants_logits) {
    const int32_t i = put_in_batch(slot.id, token, kv_.append(slot.id, token), wants_logits);
    if (wants_logits) slot.batch_index = i;
    slot.last_batched = step_;
}

int32_t Scheduler::put_in_batch(int32_t seq, Token token, llama_pos pos, bool wants_logits) {
    const int32_t i = batch_.n_tokens++;
    batch_.token[i] = token;
    batch_.pos[i] = pos;
    batch_.n_seq_id[i] = 1;
    batch_.seq_id[i][0] = seq;
    batch_.logits[i] = wants_logits ? 1 : 0;
    return i;
}

bool Scheduler::shift_context(Slot& slot) {
    // Keep the first n_keep tokens, drop half of the rest, slide the remainder down.
    // Self-extend already keeps positions low; with it (can_shift() is false), a full slot stops.
    if (!config_.context_shift || !kv_.can_shift()) return false;
    const auto& request = slot.request();
    if (!request.images.empty()) return false;  // dropping part of an image would leave half a picture
    const int32_t n_past = static_cast<int32_t>(kv_.size(slot.id));
    int32_t n_keep = request.n_keep < 0 ? static_cast<int32_t>(request.prompt.size()) : request.n_keep;
    if (n_keep == 0 && request.prompt.front() == vocabulary_.bos()) n_keep = 1;  // keep BOS: models expect it
    n_keep = std::min(n_keep, info_.n_ctx_slot / 2);
    const int32_t n_discard = (n_past - n_keep) / 2;
    if (n_discard < 1) return false;  // a slot of a token or two: nothing left to drop
    kv_.shift(slot.id, static_cast<size_t>(n_keep), static_cast<size_t>(n_discard));
    slot.truncated = true;
    return true;
}

int32_t Scheduler::decode_tokens() {
    const int32_t status = llama_decode(ctx_, batch_);
    if (status == 0) kv_.decoded();
    if (status == 0 && speculator_) speculator_->decoded(batch_, kv_);  // draft-mtp follows every decode
    uint64_t busy = 0;
    for (const auto& slot : slots_) busy += slot.state != SlotState::idle ? 1 : 0;
    metrics_.record_decode(busy);
    return status;
}

}  // namespace cria
