// DflashDrafter: drafts with a DFlash block-diffusion draft model (--spec-type draft-dflash with
// -md), as llama-server's draft-dflash does.
//
// A DFlash draft model guesses a whole block of tokens in one decode. It reads the main model's
// hidden states at a few of its layers (the draft's dflash.target_layers): after every decode of the
// main context those rows, side by side, go into the draft context as embedding rows at the same
// positions, where libllama turns them into the draft layers' keys and values (nothing else is
// computed for them). To draft for a slot whose next input x_n sits at position n, one decode of a
// block: x_n at n, then the draft model's mask token at n+1 .. n+k, attending to each other in both
// directions (the draft context's attention is not causal) and to the main model's rows before n.
// The most likely token at n+i is draft token i (greedy; it stops at one whose probability, among
// the 10 most likely, is under the request's p_min). The block then leaves the draft cache again.
//
// What the draft context's sequence s holds: at each position p below the slot's next input, the
// row made from the main model's hidden states at p, as far as the main context decoded them (a
// prefix it reused from a cached prompt keeps the rows of when it was decoded). Rows of drafts the
// main model rejected are dropped before the next block, as llama-server's are.
// The draft model has no token embeddings or output matrix of its own when it was trained on the
// main model's: the draft context reads the main model's (its ctx_other is the main context).
//
// Owned by the Speculator, on the engine thread.
#pragma once

#include <llama-cpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/draft_model.h"
#include "engine/engine.h"
#include "engine/kv/kv_cache.h"
#include "engine/loaded_model.h"

struct llama_batch_ext;

namespace cria {

class DflashDrafter {
public:
    // Loads the draft model (config.speculative.draft_model_path), creates its context over the main
    // context and turns on the main context's hidden states at the draft's target layers. Fails
    // (null, *error set) when the file is not a DFlash draft for this main model or libllama does not
    // give what drafting needs (checked with a one-token decode of each, before the scheduler runs).
    // `dspark`: --spec-type draft-dspark (the block layout and p_min of a DSpark draft, below).
    static std::unique_ptr<DflashDrafter> create(const EngineConfig& config, const LoadedModel& main, bool dspark,
                                                 std::string* error);

    ~DflashDrafter();
    DflashDrafter(const DflashDrafter&) = delete;
    DflashDrafter& operator=(const DflashDrafter&) = delete;

    // After a successful llama_decode of `batch` on the main context (recorded by `main_kv`): the
    // main model's hidden states of its rows go into the draft context.
    void observe(const llama_batch& batch, const KvCache& main_kv);

    // Fills job.draft for every job (possibly with nothing), all blocks in one decode.
    void draft(std::vector<DraftJob*>& jobs);

    // The most tokens one block drafts: the draft model's block size, less its first token unless
    // that one gives a guess too.
    int32_t max_draft() const { return anchor_drafts_ ? block_size_ : block_size_ - 1; }

private:
    DflashDrafter() = default;

    // One slot's block being drafted.
    struct Block {
        DraftJob* job;
        size_t at;          // position of the block's first token (the slot's next input)
        int32_t n = 0;      // draft tokens the block gives
        int32_t first = 0;  // batch index of the block's first row
    };
    // The blocks of the jobs that can draft (the others' drafts emptied).
    std::vector<Block> plan(std::vector<DraftJob*>& jobs);
    // Decodes blocks[begin, end) together and reads their drafts.
    void run(std::vector<Block>& blocks, size_t begin, size_t end);

    // create()'s parts: what the draft model's metadata says (false, *error set, if it cannot
    // draft for `main`), and the one-token check that libllama gives what drafting needs ("" if so).
    bool read_metadata(const LoadedModel& main, const std::string& what, std::string* error);
    std::string check(const LoadedModel& main);

    // observe(), with the main cache's record when there is one (none: the start-up check).
    void inject(const llama_batch& batch, const KvCache* main_kv);
    // Appends to features_ (and `added`) the rows of `seq` in `batch` (its batch indices `list`),
    // after rows of zeros for positions it lacks before them; drops its rows that no longer match.
    void collect(const llama_batch& batch, const std::vector<const float*>& layers, int32_t seq,
                 const std::vector<int32_t>& list, const KvCache* main_kv,
                 std::vector<std::pair<int32_t, llama_pos>>* added);
    // Decodes the collected rows into the draft context, a batch at a time.
    void feed(const std::vector<std::pair<int32_t, llama_pos>>& added, const std::vector<int32_t>& seqs);
    // Drops the draft rows of `seq` from position `from` on.
    void truncate(int32_t seq, size_t from);
    // llama_process of batch_ (then emptied); on failure the sequences in `seqs` start afresh.
    bool process(const std::vector<int32_t>& seqs);
    Token best_token(int32_t i, float p_min) const;
    static Token history_last(const DraftJob& job);

    std::unique_ptr<LoadedModel> draft_;         // the draft model and its context (ctx_other: the main context)
    llama_context* context_ = nullptr;           // draft_'s context
    llama_context* main_ = nullptr;
    std::vector<uint32_t> target_layers_;        // the main model's layers whose inputs the draft reads
    int32_t n_embd_main_ = 0;                    // width of one of those rows
    int32_t block_size_ = 0;                     // dflash.block_size
    Token mask_ = -1;                            // the token of the slots to guess
    int32_t n_vocab_ = 0;
    int32_t n_embd_draft_ = 0;                   // the draft model's width (its confidence rows')
    bool dspark_ = false;                        // draft-dspark: p_min applies to the confidence head
    bool anchor_drafts_ = false;                 // the block's first row gives the first draft token
    int32_t n_batch_ = 0;
    int32_t n_slots_ = 0;
    llama_batch_ext* batch_ = nullptr;           // rows for the draft context
    std::vector<float> features_;                // the rows' hidden states, side by side, until processed
    std::vector<std::vector<Token>> rows_;       // per sequence: the token of each position's row
};

}  // namespace cria
