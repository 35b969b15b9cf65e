// HiddenStateDrafter: drafts with a head that reads the main model's hidden states: the main
// model's own multi-token-prediction layers (--spec-type draft-mtp, mtp_head.h) or an EAGLE-3 draft
// model (draft-eagle3, eagle3_head.h), as llama-server's kinds of those names do.
//
// Both heads predict token q+1 from the pair (token q, the main model's hidden state at q - 1), in a
// drafting context of their own whose KV cache holds one row per pair; each drafting step feeds
// the drafted token with the head's own hidden state of the row before. They differ in:
//   - the hidden state a main row gives (the head says: DraftHead::hidden_states());
//   - where the row of pair q sits: at position q (MTP, whose row 0 pairs token 0 with zeros), or
//     at q - 1 (EAGLE-3, which has no row for token 0): DraftHead::shift().
// "Row q" below is the row of pair q, at position q - shift.
//
// So:
//   - observe(), after every decode of the main context, keeps the hidden states of the rows just
//     decoded (and of the row before them) per sequence, first bringing the sequence up to the
//     rows before them, which pair with the states it kept from the previous decode.
//   - draft(): first the rows the sequence lacks before the slot's next input x_n (those of the
//     last decode: the accepted drafts and what came before them), each paired with the hidden
//     state of the row before it, in a decode of their own; then row n (x_n with the hidden state
//     at n - 1), which gives the first draft token. Each further step feeds the last draft token with the
//     head's own hidden state for the row before. Afterwards the draft rows leave the cache again
//     (row n stays: its pairing is the main model's own). Rows of drafts the main model rejected
//     never go in: they are not in the slot's history.
// So the head takes one decode per drafted token, as in llama-server.
// A row whose hidden state is unknown (a prefix that came from a cache rather than a decode) gets
// zeros: the drafts are worse there, never wrong, since the main model verifies every token.
//
// Owned by the Speculator, on the engine thread (it shares the main context's thread rule).
#pragma once

#include <llama-cpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/draft_model.h"
#include "engine/engine.h"
#include "engine/kv/kv_cache.h"
#include "engine/kv/llama_kv_memory.h"
#include "engine/loaded_model.h"

namespace cria {

// What a HiddenStateDrafter drafts with.
class DraftHead {
public:
    virtual ~DraftHead() = default;
    // The drafting context: each row a token plus n_embd() floats of hidden state; it keeps each
    // row's own hidden state (nextn) unmasked, and has one sequence per slot.
    virtual llama_context* context() = 0;
    virtual int32_t n_embd() const = 0;
    // 0: row q sits at position q (row 0 pairs token 0 with zeros); 1: at q - 1 (no row 0).
    virtual int32_t shift() const = 0;
    // After a successful main decode of `batch`: n_embd() floats per row of it, in batch order;
    // null if the decode gave none. Valid until the next call.
    virtual const float* hidden_states(const llama_batch& batch) = 0;
    virtual std::string name() const = 0;  // "draft-mtp", for messages
};

class HiddenStateDrafter {
public:
    // Takes `head` (over `main`'s model and context). Checks with a one-token decode of each
    // context that the head gets what drafting needs, before the scheduler uses the main context
    // (null with *error set if not).
    static std::unique_ptr<HiddenStateDrafter> create(const EngineConfig& config, const LoadedModel& main,
                                                      std::unique_ptr<DraftHead> head, std::string* error);

    HiddenStateDrafter(const HiddenStateDrafter&) = delete;
    HiddenStateDrafter& operator=(const HiddenStateDrafter&) = delete;

    // After a successful llama_decode of `batch` on the main context, whose cache owner is
    // `main_kv` (its mirror already holds the batch's tokens and drafts). Decodes on the head's
    // context only what the kept hidden states of the slot's previous decode are still needed for.
    void observe(const llama_batch& batch, const KvCache& main_kv);

    // Fills job.draft for every job (possibly with nothing): greedy, stopping at a token the head
    // gives less than job.p_min.
    void draft(std::vector<DraftJob*>& jobs);

    ~HiddenStateDrafter();

private:
    HiddenStateDrafter() = default;

    // The main model's hidden states of a sequence's rows in the latest decode that had any.
    struct Recent {
        llama_pos first = 0;            // position of rows[0] in the main context
        std::vector<Token> tokens;      // the token decoded at each position
        std::vector<float> rows;        // n_embd floats per position
        size_t count() const { return tokens.size(); }
    };

    // One job being drafted.
    struct Work {
        DraftJob* job;
        size_t seed;             // position of the slot's next input
        int32_t n_max;
        int32_t logits_at = -1;  // batch index of the logits that give the next draft token; -1: done
    };
    // Adds each job's seed row, then decodes one drafted position per step; false if a decode failed.
    bool run(std::vector<Work>& work);

    // The main model's hidden state at `pos` (copied into `out`) if the latest decode of `seq` had
    // it for `token`; else zeros (and false).
    bool hidden_at(int32_t seq, llama_pos pos, Token token, float* out) const;
    // Keeps the sequence's rows whose pairs match `history` (at most the rows before pair `limit`),
    // then appends the rows of pairs up to `end` (exclusive) with the main model's hidden states
    // where known, stopping short at a token that cannot go in (an image's placeholder). False if
    // a decode failed (the sequences in it are then emptied).
    bool catch_up(int32_t seq, const std::vector<Token>& history, size_t limit, size_t end);
    // Rows the sequence holds = pairs it holds, counted in main positions (rows + shift).
    size_t pairs(int32_t seq) const;
    // Appends the row of pair (token, hidden) to batch_ for `seq`, after its others.
    int32_t add(int32_t seq, Token token, const float* hidden, bool wants_logits);
    bool decode();  // batch_ on the head's context; on failure empties the sequences in it
    Token best_token(int32_t i, float p_min) const;

    std::unique_ptr<DraftHead> head_;
    llama_context* context_ = nullptr;            // head_->context()
    std::unique_ptr<LlamaKvMemory> kv_memory_;
    std::unique_ptr<KvCache> kv_;                 // its cache's mirror: one sequence per slot, pairs shift.. of the history
    int32_t shift_ = 0;
    int32_t n_embd_ = 0;
    int32_t n_vocab_ = 0;
    int32_t n_batch_ = 0;
    int32_t n_slots_ = 0;
    llama_batch batch_ = {};                      // token and hidden state per row
    std::vector<Recent> recent_;                  // per sequence
};

}  // namespace cria
