// DraftModel: the small model of --model-draft and its own context, with one sequence per slot.
//
// Owned by the engine thread (like the main context). Drafting is greedy: each step the draft
// model's most likely token, while its probability stays at or above the request's p_min. All
// slots that want a draft are drafted together, one draft-model decode per drafted position.
//
// The draft context keeps, per slot, the tokens it has decoded (`cached_`, mirroring its KV
// sequence like Slot::cached does for the main context). Each call first brings that sequence in
// line with the slot's history: the common prefix stays, the rest is removed and the missing
// tokens are decoded. So after the main model rejects part of a draft, after a context shift, or
// when a slot starts a new request, nothing needs telling: the next call catches up.
#pragma once

#include <llama-cpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/loaded_model.h"

namespace cria {

// One slot's request for a draft.
struct DraftJob {
    int32_t seq = 0;               // the slot's id: its sequence in the draft context
    const std::vector<Token>* history = nullptr;  // everything the slot holds, ending with its next input
    int32_t n_max = 0;             // most tokens to draft
    float p_min = 0.0f;            // stop at a token the draft model gives less probability
    std::vector<Token> draft;      // out
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

    LoadedModel model_;
    EngineInfo info_;
    llama_memory_t memory_ = nullptr;
    int32_t n_batch_ = 0;
    llama_batch batch_ = {};
    std::vector<std::vector<Token>> cached_;  // per sequence: the tokens in the draft KV cache
};

// Empty if the two vocabularies are interchangeable (same type, size, special tokens and token
// texts), else the first difference found, for the start-up error.
std::string vocabulary_mismatch(const llama_vocab* main_vocab, const llama_vocab* draft_vocab);

}  // namespace cria
