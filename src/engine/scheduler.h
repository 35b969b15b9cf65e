// Scheduler: the step loop. Runs on the engine thread and alone touches the llama_context, the
// KV cache, the batch and the samplers.
//
// One step:  admit waiting tasks into idle slots
//            build one batch: each generating slot's next token, then prompt chunks (FIFO) up to
//                             one ubatch of tokens
//            llama_decode
//            sample every slot whose logits are in the batch, and emit
//
// The KV cache belongs to `kv_` (engine/kv/kv_cache.h): slot i is its sequence i, and every change
// to a sequence (reuse, clear, append, share, shift, drop drafts, restore) goes through it, so its
// mirror always equals what the KV holds. A slot's context never exceeds n_ctx_slot (a generating
// slot at the limit is shifted before its token is added).
//
// Prefix sharing: a new prompt that shares a long prefix with what another slot holds, or is about
// to hold, takes that prefix from it (KvCache::share_prefix) instead of computing it again; so N
// clients with a common system prompt compute it once.
//
// LoRA: a step batches only slots whose requests have the same adapter scales (lora_adapters.h);
// a cache or a donor's prefix is reused only under equal scales.
// Self-extend (self_extend.h): positions stop being token indices, so there is no prefix sharing
// and no context shift; prompt chunks stop at self-extend window boundaries.
//
// Containment (scheduler_failures.cpp): nothing one request does can end the engine thread. Each
// piece of per-request work (building its sampler chain, sampling or verifying a draft, encoding an
// image, computing an embedding) runs under its own catch: a throw fails that request alone (400
// when its own settings caused it, e.g. a grammar left with no allowed token; 500 otherwise), its
// KV sequence is cleared and every other slot goes on. A failed llama_decode fails the requests in
// its batch only (decode_failure() says how each return code is answered). A throw that escapes all
// of that is caught around the whole step: the slots in the step's batch fail (or, with none in it,
// every busy one: the failure cannot be pinned on one and must not repeat every step). A lost --rpc
// worker is not contained here: every running request fails and run() returns (rpc_fault.h).
#pragma once

#include <llama-cpp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/kv/kv_cache.h"
#include "engine/kv/llama_kv_memory.h"
#include "engine/loaded_model.h"
#include "engine/slot.h"
#include "engine/speculative.h"
#include "engine/slot_file.h"

namespace cria {

// `v` (n floats) normalized as --embd-normalize says: -1 as it is, 0 largest absolute value to
// 32760 (int16 range), 1 taxicab, 2 euclidean (unit length, the default), p > 2 the p-norm. All
// zeros stay zeros. How embeddings are returned.
std::vector<float> normalized_embedding(const float* v, int32_t n, int32_t mode);

// The host prompt cache's budget in bytes (HostPromptCache's convention) for --cache-ram.
int64_t host_cache_budget(const PromptCacheConfig& config);
// What of `model`'s memory cannot be cut back anywhere under `config`, and the checkpoints kept for it.
PartialMemory partial_memory(const llama_model* model, const EngineConfig& config);

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
    void step();                  // one turn of the loop (see above)
    void fail_everything_left();  // at shutdown: queued tasks, slot-file jobs and running slots

    // Admission (scheduler.cpp).
    bool release_cancelled();  // true if a slot was freed
    bool run_slot_files();     // true if a slot's cache changed
    // true if a task started. The queue's lock (which every submitting HTTP thread needs) is held
    // only to pick which waiting tasks can start now, in O(1) each; the tasks are started, their
    // slots chosen and their samplers built, after it is released.
    bool admit_waiting();
    // Under the queue's lock: takes the task if it can start now (a free slot, or its id_slot free).
    // `idle` marks the idle slots not yet claimed in this round; `room` counts them.
    static bool claim_for(const Task& task, std::vector<bool>& idle, size_t& room);
    Slot* choose_slot(const GenerationRequest& request, const std::vector<bool>& taken);
    void start(Slot& slot, std::shared_ptr<Task> task);
    std::optional<TaskFailure> admission_refusal(const GenerationRequest& request) const;
    void find_prefix_donor(Slot& slot);
    void take_donated_prefixes();

    // Prompt caches (scheduler_prompt_cache.cpp). prepare_cache(): before `slot` reads the
    // request's prompt, saves what the slot would drop to the host cache, then keeps its common
    // prefix, restores a longer one from the host cache, or (--cache-reuse) moves matching chunks
    // into place. Returns how many prompt tokens the sequence holds (never the last one).
    size_t prepare_cache(Slot& slot, const GenerationRequest& request);
    void record_prompt_cache(size_t restored, bool saved);  // metrics: a hit, a save, the bytes held
    void cache_idle_slots(const std::vector<bool>& taken);  // --cache-idle-slots: save (and maybe empty) idle slots
    void load_prompt_cache();     // at construction, from --cache-dir
    // Context checkpoints (-ctxcp): while a slot reads a prompt of P tokens, its chunks stop at P -
    // n_ubatch and at P - 4, and at the start of each chunk from P - n_ubatch on (up to P - 4) the
    // sequence is checkpointed (llama-server's places: the end of the prompt is where the next turn
    // of a conversation, or a retry, diverges). checkpoint_stop(): where the slot's chunk must stop.
    size_t checkpoint_stop(const Slot& slot) const;
    void checkpoint_at_chunk_start(Slot& slot);
    void record_checkpoints();  // metrics: restores so far, checkpoints and bytes held
    void persist_prompt_cache();  // when run() ends: every slot's cache too, into --cache-dir

    // Batch building and decoding (scheduler_batch.cpp). A step batches only the slots of one
    // LoRA group (`lora`: nullopt when no adapters are loaded, then every slot is in it).
    bool build_batch();
    // The LoRA scales this step runs under, by value: the slot they were chosen from may finish
    // (and its request be released) while the batch is still being built.
    std::optional<LoraScales> pick_batch_lora(bool generating_allowed) const;
    static bool in_lora_group(const Slot& slot, const std::optional<LoraScales>& lora);
    void add_generating_tokens(const std::optional<LoraScales>& lora);
    void add_prompt_chunks(const std::optional<LoraScales>& lora);
    bool add_prompt_chunk(Slot& slot);  // false: the batch is closed to further readers
    // Appends `token` to the slot's sequence (KvCache::append gives its position) and the batch.
    void add_to_batch(Slot& slot, Token token, bool wants_logits);
    int32_t put_in_batch(int32_t seq, Token token, llama_pos pos, bool wants_logits);  // its index
    // Makes room for one more token; false if the context cannot shift (nothing to drop, or a
    // memory type that cannot move positions).
    bool shift_context(Slot& slot);
    bool decode_batch();      // false: nothing to sample (the batch's requests failed if it failed)
    int32_t decode_tokens();  // llama_decode of batch_, recorded with the KV cache
    // Multimodal prompts (scheduler_images.cpp): decodes the image the oldest prompt reader has
    // reached, in a batch of its own (true if that ended its prompt: its logits are then ready to
    // sample), or computes an embedding input that holds images, whole.
    bool decode_next_image();
    Slot* next_image_reader();
    bool decode_image(Slot& slot, const PromptImage& image, ImageOutputs outputs, std::string* error);
    // --mtmd-batch-max-tokens: before `slot` decodes `image`, the vision encoder takes in one batch
    // as many as fit of: that image, the rest of its prompt's, then the next images of the other
    // prompts being read (oldest admission first). Each image is still decoded in its own step.
    void encode_image_batch(const Slot& slot, const PromptImage& image);
    void embed_with_images(Slot& slot);
    size_t decode_embedding_run(Slot& slot, size_t pos, std::string* error);  // 0: failed
    bool apply_request_lora(const Slot& slot, std::string* error);

    // Sampling and emission (scheduler_output.cpp).
    void sample_outputs();
    void sample_output(Slot& slot);  // the slot's logits (or embedding) are in the batch just decoded
    // The candidates at `batch_index` after the slot's sampler chain (in candidates_).
    llama_token_data_array apply_chain(Slot& slot, int32_t batch_index);
    Token sample(Slot& slot, int32_t batch_index);  // throws when the chain selects no token
    // Verifies a sampled draft token by rejection sampling (rejection_sampling.h) against the
    // distribution the request's chain gives at `batch_index`; the chain accepts the result.
    Token sample_against_draft(Slot& slot, int32_t batch_index, Token draft, const std::vector<TokenProb>& q);
    // Backend sampling (scheduler_backend_sampling.cpp; engine/backend_sampling.h): the slot's new
    // chain attached to its sequence when its request samples there; detached before it is freed.
    void attach_sampler(Slot& slot);
    void detach_sampler(Slot& slot);
    // What the chain's CPU part starts from at `batch_index`: the model's logits, or what the
    // backend part of an attached chain left (fewer candidates, filtered logits).
    llama_token_data_array output_candidates(const Slot& slot, int32_t batch_index);
    // The thinking budget (scheduler_reasoning_budget.cpp): the slot's machine for its request, and
    // the next token: the one the budget forces (accepted into the chain as if sampled), else sampled.
    std::optional<ReasoningBudget> reasoning_budget_for(const GenerationRequest& request) const;
    Token next_token(Slot& slot, int32_t batch_index);
    Token force_token(Slot& slot, Token token);
    bool forcing(const Slot& slot) const;  // the slot's next token is forced (no sampling, no draft)
    void observe_for_budget(Slot& slot, Token token);  // after each emitted token
    void keep_probabilities(Slot& slot, TokenProbabilities probs);  // what a slot keeps of them: see there
    // Speculative decoding (scheduler_speculative.cpp): drafts for the generating slots in the
    // batch go in after their next input; after the decode, verify_draft() emits what the main
    // model agrees with and drops the rest from the cache.
    void add_drafts();
    int64_t draft_budget(const Slot& slot) const;  // how many tokens the slot may draft now (0: none)
    void add_draft(Slot& slot, std::vector<Token> draft);
    void verify_draft(Slot& slot);
    void accept_token(Slot& slot, Token token);
    void emit_embedding(Slot& slot);
    void finish(Slot& slot, StopReason reason);
    void fail(Slot& slot, int http_status, const std::string& message);
    void clear_cache_and_fail(Slot& slot, int http_status, const std::string& message);
    void release(Slot& slot);
    void answer_and_release(Slot& slot, TaskEvent last_event);  // the request's final event
    void publish_status();

    // Containment (scheduler_failures.cpp).
    // Inside a catch block: fails `slot`'s request for the exception being handled (see
    // failure_for_exception) and clears its sequence, whose state the throw left unknown.
    void fail_from_exception(Slot& slot, const char* during);
    // Inside a catch block around start(slot, task): fails the task, whether or not it took the slot.
    void fail_start(Slot& slot, Task& task);
    // Every slot with tokens in batch_: its sequence cleared, its request (if any) failed.
    void fail_batch(int http_status, const std::string& message);
    // The last resort around step(), inside a catch block (see the top of this file).
    void recover_from_failed_step();
    // A lost --rpc worker (rpc_fault.h): every running request fails; run() returns to the engine,
    // which abandons this scheduler and loads the model again.
    void fail_running_for_lost_worker();

    LoadedModel& model_;
    llama_context* ctx_;
    const EngineConfig config_;
    const EngineInfo info_;
    TaskQueue& queue_;
    SlotFileJobs& slot_files_;
    StatusBoard& board_;
    EngineMetrics& metrics_;
    Vocabulary vocabulary_;
    LlamaKvMemory kv_memory_;
    KvCache kv_;  // the only owner of the KV cache (see above)

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
    std::vector<llama_token_data> candidates_;  // reused by sample()
    std::unique_ptr<Speculator> speculator_;     // null: no speculative decoding
    std::vector<DraftJob> draft_jobs_;           // reused by add_drafts()
    LoraScales batch_lora_;        // the LoRA scales of the batch being built and decoded
    std::string cache_identity_;   // --cache-dir: what the persisted host cache must have been written under
};

}  // namespace cria
