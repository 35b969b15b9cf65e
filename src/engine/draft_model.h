// DraftModel: the small model of --model-draft and its own context, with one sequence per slot.
//
// Owned by the engine thread (like the main context). Drafting is greedy: each step the draft
// model's most likely token, while its probability stays at or above the request's p_min (with
// --spec-draft-sampling probabilistic and a sampling request: a token drawn from its most likely
// ones instead, whose distribution goes with the draft for rejection sampling). All
// slots that want a draft are drafted together, one draft-model decode per drafted position.
//
// The draft context has its own KV cache owner (`kv_`, engine/kv/kv_cache.h, one sequence per
// slot), which records the tokens each sequence holds. Each call first brings that sequence in
// line with the slot's history: the common prefix stays, the rest is removed and the missing
// tokens are decoded. So after the main model rejects part of a draft, after a context shift, or
// when a slot starts a new request, nothing needs telling: the next call catches up.
#pragma once

#include <llama-cpp.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/kv/kv_cache.h"
#include "engine/kv/llama_kv_memory.h"
#include "engine/loaded_model.h"
#include "engine/rejection_sampling.h"

namespace cria {

// One slot's request for a draft.
struct DraftJob {
    int32_t seq = 0;               // the slot's id: its sequence in the draft context
    const std::vector<Token>* history = nullptr;  // everything the slot holds, ending with its next input
    int32_t n_max = 0;             // most tokens to draft
    int32_t n_max_request = 0;     // the request's speculative.n_max, before n_max took the room left into
                                   // account (a DFlash block's size: its guesses depend on it)
    float p_min = 0.0f;            // stop at a token the draft model gives less probability
    bool sample = false;           // --spec-draft-sampling probabilistic, for a sampling request
    std::vector<Token> draft;      // out
    std::vector<std::vector<TokenProb>> q;  // out, when `sample`: the distribution each draft token was drawn from
};

class DraftModel {
public:
    // Loads config.speculative.draft_model_path with a context for config.n_parallel sequences.
    // Fails (null, with *error set) when the file does not load or its vocabulary differs from
    // `main_vocab`: draft tokens must mean the same to both models.
    static std::unique_ptr<DraftModel> load(const EngineConfig& config, const llama_vocab* main_vocab,
                                            std::string* error);

    ~DraftModel();
    DraftModel(const DraftModel&) = delete;
    DraftModel& operator=(const DraftModel&) = delete;

    // Fills job.draft for every job (possibly with nothing). A job whose history, with its draft,
    // would not fit the slot's share of the draft context gets a shorter draft or none.
    void draft(std::vector<DraftJob*>& jobs);

    const std::string& description() const { return info_.model_description; }

private:
    DraftModel() = default;

    // Decodes the batch; on failure forgets the sequences in it (their cache is now unknown).
    bool decode();
    void add(int32_t seq, Token token, bool wants_logits);
    void sync(DraftJob& job);  // removes what differs from the history; returns with the sequence behind by >= 1 token
    void draft_group(const std::vector<DraftJob*>& jobs);
    // Decodes the history each job's sequence lacks, but for its last token; false if a decode failed.
    bool catch_up(const std::vector<DraftJob*>& jobs);
    // The draft model's most likely token at batch index `i`, or -1 when none is sure enough.
    Token best_token(int32_t i, float p_min) const;
    // With job.sample: a token drawn from the draft model's kTopK most likely ones at batch index
    // `i` (their distribution appended to job.q), or -1 when the most likely is not sure enough.
    Token sampled_token(int32_t i, DraftJob& job);
    void attach_greedy_samplers();  // fills greedy_, as far as libllama takes them

    LoadedModel model_;
    EngineInfo info_;
    std::unique_ptr<LlamaKvMemory> kv_memory_;
    std::unique_ptr<KvCache> kv_;  // the draft context's KV cache: the only code that changes it
    int32_t n_batch_ = 0;
    llama_batch batch_ = {};
    std::mt19937_64 rng_{0xd4af7};  // sampled drafts only: the main model's verification keeps its distribution
    // --spec-draft-backend-sampling: one greedy chain per sequence, attached to the draft context
    // (engine/backend_sampling.h), so that its decode returns the argmax; empty: argmax here.
    std::vector<llama_sampler_ptr> greedy_;
};

// Empty if the two vocabularies are interchangeable (same type, size, special tokens and token
// texts), else the first difference found, for the start-up error.
std::string vocabulary_mismatch(const llama_vocab* main_vocab, const llama_vocab* draft_vocab);

}  // namespace cria
