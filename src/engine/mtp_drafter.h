// MtpDrafter: drafts from the main model's own multi-token-prediction (NextN) layers
// (--spec-type draft-mtp), as llama-server's draft-mtp does.
//
// A model trained with MTP carries, after its layers, a NextN block: from the embedding of token
// t+1 and the model's hidden state at t (the input of its output head) it predicts token t+2.
// libllama loads those layers when asked (llama_model_params.load_mtp) and runs them in a context
// of their own type (LLAMA_CONTEXT_TYPE_MTP) over the same model, whose KV cache holds the block's
// keys and values. Each row of a batch there is a token plus a hidden state of the main model.
//
// What the MTP context's sequence s holds at position p: the block's row for (token p, the main
// model's hidden state at p - 1). So:
//   - observe(), after every decode of the main context, keeps the hidden states of the rows just
//     decoded (and of the row before them) per sequence, first bringing the sequence up to the
//     rows before them, which pair with the states it kept from the previous decode.
//   - draft(): first the rows the sequence lacks before the slot's next input x_n (those of the
//     last decode: the accepted drafts and what came before them), each paired with the hidden
//     state of the row before it; in the same decode x_n at position n, with the hidden state at
//     n - 1, which gives the first draft token. Each further step feeds the last draft token with
//     the block's own hidden state for the row before. Afterwards the draft rows leave the cache
//     again (the row of x_n stays: its pairing is the main model's own). Rows of drafts the main
//     model rejected never go in: they are not in the slot's history.
// So the NextN layers take one decode per drafted token, as in llama-server.
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

class MtpDrafter {
public:
    // Creates the MTP context over `main` (loaded with its NextN layers: EngineConfig's sources list
    // draft-mtp) and turns on the main context's hidden states. Fails (null, *error set) when the
    // model has no NextN layers or libllama does not give what drafting needs (checked with a
    // one-token decode, before the scheduler uses the main context).
    static std::unique_ptr<MtpDrafter> create(const EngineConfig& config, const LoadedModel& main, std::string* error);

    ~MtpDrafter();
    MtpDrafter(const MtpDrafter&) = delete;
    MtpDrafter& operator=(const MtpDrafter&) = delete;

    // After a successful llama_decode of `batch` on the main context, whose cache owner is
    // `main_kv` (its mirror already holds the batch's tokens and drafts). Decodes on the NextN
    // context only what the kept hidden states of the slot's previous decode are still needed for.
    void observe(const llama_batch& batch, const KvCache& main_kv);

    // Fills job.draft for every job (possibly with nothing): greedy, stopping at a token the NextN
    // head gives less than job.p_min.
    void draft(std::vector<DraftJob*>& jobs);

private:
    MtpDrafter() = default;

    // The main model's hidden states of a sequence's rows in the latest decode that had any.
    struct Recent {
        llama_pos first = 0;            // position of rows[0]
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
    // Keeps the sequence's rows that match `tokens` (at most `limit`), then appends rows for
    // tokens[kept, end) with the main model's hidden states where known, stopping short at a token
    // that cannot go in (an image's placeholder). False if a decode failed (the sequences in it
    // are then emptied).
    bool catch_up(int32_t seq, const std::vector<Token>& tokens, size_t limit, size_t end);
    // Appends a row to batch_ for `seq` at the mirror's next position; `hidden` n_embd floats.
    int32_t add(int32_t seq, Token token, const float* hidden, bool wants_logits);
    bool decode();  // batch_ on the MTP context; on failure empties the sequences in it
    Token best_token(int32_t i, float p_min) const;

    llama_context* main_ = nullptr;
    llama_context_ptr context_;                   // the MTP context
    std::unique_ptr<LlamaKvMemory> kv_memory_;
    std::unique_ptr<KvCache> kv_;                 // its cache's mirror: one sequence per slot
    int32_t n_embd_ = 0;
    int32_t n_vocab_ = 0;
    int32_t n_batch_ = 0;
    int32_t n_slots_ = 0;
    llama_batch batch_ = {};                      // token and hidden state per row
    std::vector<Recent> recent_;                  // per sequence
};

}  // namespace cria
