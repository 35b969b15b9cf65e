// Scheduler: the step loop. Runs on the engine thread and alone touches the llama_context, the
// KV cache, the batch and the samplers.
//
// One step:  admit waiting tasks into idle slots
//            build one batch: each generating slot's next token, then prompt chunks (FIFO) up to
//                             one ubatch of tokens
//            llama_decode
//            sample every slot whose logits are in the batch, and emit
//
// Invariants: a busy slot's `cached` mirrors its KV-cache sequence exactly; a slot's context never
// exceeds n_ctx_slot (a generating slot at the limit is shifted before its token is added).
//
// Prefix sharing: a new prompt that shares a long prefix with what another slot holds, or is about
// to hold, takes that prefix with llama_memory_seq_cp instead of computing it again; so N clients
// with a common system prompt compute it once. With a unified KV cache the cells are shared; with
// one stream per slot (the default) the donor's stream is copied and its tail dropped.
//
// LoRA: a step batches only slots whose requests have the same adapter scales (lora_adapters.h);
// a cache or a donor's prefix is reused only under equal scales.
// Self-extend (self_extend.h): positions stop being token indices, so there is no prefix sharing
// and no context shift; prompt chunks stop at self-extend window boundaries.
#pragma once

#include <llama-cpp.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/engine.h"
#include "engine/loaded_model.h"
#include "engine/self_extend.h"
#include "engine/slot.h"
#include "engine/speculative.h"
#include "engine/slot_file.h"

namespace cria {

// `v` (n floats) scaled to unit length; all zeros stay zeros. How embeddings are returned.
std::vector<float> l2_normalized(const float* v, int32_t n);

class Scheduler {
public:
    Scheduler(LoadedModel& model, const EngineConfig& config, const EngineInfo& info, TaskQueue& queue,
              SlotFileJobs& slot_files, StatusBoard& board, EngineMetrics& metrics);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Runs steps until the queue is closed, then fails whatever is still running.
    void run();

    // Turns on speculative decoding (null: off). Call before run().
    void set_speculator(std::unique_ptr<Speculator> speculator) { speculator_ = std::move(speculator); }

private:
    bool any_busy() const;
    bool release_cancelled();  // true if a slot was freed
    bool run_slot_files();     // true if a slot's cache changed
    bool admit_waiting();      // true if a task started
    // After a slot file was restored or erased: the cache's LoRA scales and self-extend state, or a
    // 400 in *result (and an empty slot) when its positions do not fit this server's settings.
    void adopt_slot_file_cache(Slot& slot, SlotFileResult* result);
    Slot* choose_slot(const GenerationRequest& request);
    void start(Slot& slot, std::shared_ptr<Task> task);
    void find_prefix_donor(Slot& slot);
    void take_donated_prefixes();
    void copy_prefix(Slot& from, Slot& to, size_t n_tokens);

    bool build_batch();
    // With LoRA adapters: the scales this step runs under (null: any, no adapters are loaded).
    const LoraScales* pick_batch_lora(bool generating_allowed) const;
    void add_to_batch(Slot& slot, Token token, bool wants_logits);
    // Makes room for one more token; false if the context cannot shift (nothing to drop, or a
    // memory type that cannot move positions).
    bool shift_context(Slot& slot);
    bool decode_batch();
    // Multimodal prompts (scheduler_images.cpp): decodes the image the oldest prompt reader has
    // reached, in a batch of its own (true if that ended its prompt: its logits are then ready to
    // sample), or computes an embedding input that holds images, whole.
    bool decode_next_image();
    void embed_with_images(Slot& slot);
    bool apply_request_lora(const Slot& slot, std::string* error);
    void sample_outputs();
    Token sample(Slot& slot, int32_t batch_index);
    // Speculative decoding (scheduler_speculative.cpp): drafts for the generating slots in the
    // batch go in after their next input; after the decode, verify_draft() emits what the main
    // model agrees with and drops the rest from the cache.
    void add_drafts();
    void verify_draft(Slot& slot);
    void accept_token(Slot& slot, Token token);
    void emit_embedding(Slot& slot);
    void finish(Slot& slot, StopReason reason);
    void fail(Slot& slot, int http_status, const std::string& message);
    void release(Slot& slot);
    void answer_and_release(Slot& slot, TaskEvent last_event);  // the request's final event
    void publish_status();

    LoadedModel& model_;
    llama_context* ctx_;
    llama_memory_t memory_;
    const EngineConfig config_;
    const EngineInfo info_;
    TaskQueue& queue_;
    SlotFileJobs& slot_files_;
    StatusBoard& board_;
    EngineMetrics& metrics_;
    Vocabulary vocabulary_;

    std::vector<Slot> slots_;
    // Tokens per step: one physical batch (ubatch). libllama splits a larger batch into ubatches
    // and runs them one after another anyway, so a bigger step computes no faster; it only makes
    // every request in it wait for all of it (first tokens and generating slots alike).
    // Never above llama_n_batch(), which libllama may lower below --batch-size (to n_ctx).
    const int32_t n_batch_;
    llama_batch batch_;
    uint64_t step_ = 0;
    uint64_t admissions_ = 0;      // admission order, so prompt chunks are served first-come first-served
    std::vector<uint64_t> admitted_at_;
    std::vector<llama_token_data> candidates_;  // reused by sample() when n_probs > 0
    std::unique_ptr<Speculator> speculator_;     // null: no speculative decoding
    std::vector<DraftJob> draft_jobs_;           // reused by add_drafts()
    LoraScales batch_lora_;        // the LoRA scales of the batch being built and decoded
    const SelfExtend self_extend_;
};

}  // namespace cria
