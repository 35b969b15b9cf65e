// KvCache: the one owner of a context's KV cache. It keeps, per sequence (one per slot), a mirror
// of what the memory holds, and is the only code that changes either: everything else asks it by
// meaning (reuse a prefix, clear, append, share, shift, drop drafts, adopt a restored file).
//
// Per sequence, the mirror is:
//   tokens      the tokens whose keys and values the sequence holds, in order (an image's
//               positions hold its placeholder tokens, see multimodal.h);
//   draft       speculative tokens after `tokens`, decoded but not yet verified (usually empty);
//   lora        the LoRA scales `tokens` were computed under (cells are reused only under equal
//               scales: lora_adapters.h);
//   self_extend with self-extend, where the tokens sit (positions stop being token indices);
//   copy_pending a per-stream copy into this sequence waits for the next decode.
//
// Invariant ("the mirror equals the KV"): outside batch building, sequence s holds exactly one
// cell per token of tokens(s) followed by draft(s), token i at position_of(s, i), drafts at the
// positions that follow, and next_position(s) is one past its largest position. While a batch is
// being built, the tokens appended since the last decode are in the mirror but not yet in the
// memory; the caller decodes them (or, when the decode fails, clear()s the sequences in the batch)
// before anything else touches the cache. After a per-stream share_prefix() the cells' positions
// are already right but their contents land at the next decode (copy_pending()).
//
// Positions: token i sits at position i, except with self-extend (self_extend.h), where grouped
// windows share positions. Prefix sharing, context shifting, drafts and images assume i == position:
// the scheduler turns them off with self-extend, and these functions require it.
//
// Host-memory prompt cache (host_prompt_cache.h, --cache-ram): part of this owner. Before a
// sequence's cells are dropped for another prompt, save_to_host() keeps them in host memory; a new
// prompt that shares more with an entry there than with its slot's own cells gets the entry loaded
// into its sequence (restore_from_host()), then cut like its own cache. The mirror stays exact: a
// loaded state's tokens are adopted only when the memory holds exactly their positions.
//
// Memories that cannot be cut anywhere (PartialMemory): a small sliding-window cache forgets cells
// older than its window, a recurrent state cannot go back at all. Keeping a prefix of a sequence
// then needs the cells the window of the next position reads (keeps_prefix()); where they are gone,
// the latest context checkpoint at or before the cut (context_checkpoints.h) is restored and the
// sequence is cut there instead, and without one it is cleared. Checkpoints are saved by the
// scheduler while a prompt is read (save_checkpoint()) and dropped when the sequence is cut before
// them, cleared, shifted or replaced.
//
// Thread rule: engine thread only (the thread that owns the context). Not copyable: it is the
// only record of what the memory holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/generation_request.h"  // Token
#include "engine/kv/context_checkpoints.h"
#include "engine/kv/host_prompt_cache.h"
#include "engine/kv/kv_memory.h"
#include "engine/lora_adapters.h"
#include "engine/self_extend.h"

namespace cria {

// The parts of a model's memory that cannot be cut back anywhere, and the checkpoints kept for them.
struct PartialMemory {
    int32_t n_swa = 0;               // the sliding window of a model whose windowed layers have the small
                                     // cache (no --swa-full); 0: none
    bool recurrent = false;          // recurrent or hybrid: the recurrent state cannot be cut at all
    size_t max_checkpoints = 0;      // -ctxcp: per sequence (0: none)
    size_t checkpoint_min_step = 0;  // -cms (0: no spacing rule)
};

class KvCache {
public:
    // `memory` must outlive this object. Sequences are 0..n_seq-1, all empty: the memory must be
    // empty for them. `unified`: one KV stream shared by all sequences (--kv-unified), else one
    // stream per sequence (prefix sharing then copies a whole stream at the next decode).
    // `host_budget_bytes`: the host-memory prompt cache's budget (0: off, HostPromptCache::kUnlimited).
    // `partial`: what of the memory cannot be cut anywhere (default: nothing; no checkpoints).
    KvCache(KvMemory& memory, int32_t n_seq, SelfExtend self_extend, bool unified, int64_t host_budget_bytes = 0,
            PartialMemory partial = {});
    KvCache(const KvCache&) = delete;
    KvCache& operator=(const KvCache&) = delete;

    // ---- reading the mirror ------------------------------------------------------------------
    const std::vector<Token>& tokens(int32_t seq) const { return at(seq).tokens; }
    size_t size(int32_t seq) const { return at(seq).tokens.size(); }
    const std::vector<Token>& draft(int32_t seq) const { return at(seq).draft; }
    const LoraScales& lora(int32_t seq) const { return at(seq).lora; }
    const SelfExtendState& self_extend_state(int32_t seq) const { return at(seq).self_extend; }
    // True while a stream copy into `seq` waits for a decode: its cells must not be read (shared
    // with another sequence, saved) until then.
    bool copy_pending(int32_t seq) const { return at(seq).copy_pending; }
    // True while a stream copy FROM `seq` waits for a decode: libllama copies the stream's contents
    // then, so they must not be replaced (restored from the host cache) or moved until then.
    bool copy_source_pending(int32_t seq) const { return at(seq).copy_source; }
    // Where token `index` of tokens(seq) sits (index < size(seq)).
    llama_pos position_of(int32_t seq, size_t index) const;
    // The position the next appended token (or decoded image position) gets.
    llama_pos next_position(int32_t seq) const;

    bool self_extend_enabled() const { return self_extend_.enabled(); }
    // False for contexts without memory (some embedding models).
    bool memory_present() const { return memory_.present(); }
    // Whether shift() may be used: the memory can move positions and self-extend is off.
    bool can_shift() const { return memory_.can_shift() && !self_extend_.enabled(); }

    // True when every part of the memory can be cut at any length (no small sliding-window cache,
    // nothing recurrent): chunk reuse (KV shifting) is only for such memories.
    bool cuts_anywhere() const { return partial_.n_swa == 0 && !partial_.recurrent; }
    // Whether `seq` can keep its first n_tokens tokens as they are: always when that cuts nothing;
    // with a small sliding-window cache, while it still holds the cells from n_tokens - n_swa on (the
    // window of the next position; llama-server's rule); never on a recurrent memory.
    bool keeps_prefix(int32_t seq, size_t n_tokens) const;
    // The shortest prefix keeps_prefix() allows `seq` now (its size when nothing shorter).
    size_t shortest_prefix(int32_t seq) const;

    // ---- starting a request ------------------------------------------------------------------
    // Keeps the first n_tokens tokens of `seq` for a request under `lora` (the caller reuses a
    // prefix only under equal scales) and removes the rest, draft included. With self-extend a cut
    // inside a grouped window moves back to that window's start. Where !keeps_prefix(seq, n_tokens),
    // the latest checkpoint at or before n_tokens is restored and the sequence cut there. Returns how
    // many tokens are kept (0 when the memory cannot cut the sequence: it is then cleared).
    size_t reuse_prefix(int32_t seq, size_t n_tokens, const LoraScales& lora);

    // Empties `seq`: memory, tokens, draft and self-extend state. Its LoRA scales stay (they say
    // nothing about an empty sequence).
    void clear(int32_t seq);

    // ---- building a batch --------------------------------------------------------------------
    // Before tokens are appended to `seq`: with self-extend, groups the window if it is full (so it
    // must have been decoded) and returns how many tokens may be appended before it is full again
    // (at least 1). Without self-extend: does nothing and returns INT32_MAX.
    int32_t make_room(int32_t seq);

    // Appends `token` to the mirror and returns the position the caller must decode it at, in
    // this sequence. Requires an empty draft (drafts always come last).
    llama_pos append(int32_t seq, Token token);

    // Appends a speculative token after tokens (and earlier drafts): the caller decodes it at the
    // returned position. Requires self-extend off.
    llama_pos append_draft(int32_t seq, Token token);

    // Records tokens the caller decoded itself at next_position(seq)... onwards (an image's
    // placeholders, decoded from embeddings). Requires self-extend off and an empty draft.
    void append_decoded(int32_t seq, const Token* first, const Token* last);

    // Call after every successful decode on this context (an image's too): libllama applies
    // pending stream copies at a decode. (After a failed one a copy may or may not have landed;
    // leaving copy_pending set only delays reading that sequence until the next decode.)
    void decoded();

    // ---- speculative decoding ----------------------------------------------------------------
    // The first draft token was verified: it becomes the last of tokens(seq).
    void accept_draft(int32_t seq);
    // Removes the unverified draft from memory and mirror. False when the memory refused: the
    // sequence is then cleared.
    bool drop_drafts(int32_t seq);
    // Keeps the first n_tokens tokens (self-extend off), dropping the rest and the draft. False when
    // the memory refused: the sequence is then cleared.
    bool truncate(int32_t seq, size_t n_tokens);

    // ---- sharing and shifting ----------------------------------------------------------------
    // Makes `to` hold the first n_tokens tokens of `from` (and its LoRA scales) without computing
    // them. Requires: from != to, self-extend off, from's first n_tokens tokens decoded and no copy
    // pending into `from`. Unified cache: the cells are shared. One stream per sequence: from's
    // stream is copied at the next decode and the tail dropped; copy_pending(to) until decoded().
    void share_prefix(int32_t from, int32_t to, size_t n_tokens);

    // Context shift: keeps the first n_keep tokens, drops the n_discard after them and moves the
    // rest down by n_discard. Requires can_shift(), an empty draft and n_keep + n_discard <= size.
    void shift(int32_t seq, size_t n_keep, size_t n_discard);

    // ---- slot files --------------------------------------------------------------------------
    // After the memory of `seq` was loaded from a slot file (llama_state_seq_load_file) holding
    // `tokens`: adopts them as computed under `lora`, with the positions this cache would have
    // given them. False (and `seq` cleared) when the loaded positions are not those, e.g. a file
    // saved with other self-extend settings.
    bool adopt_restored(int32_t seq, std::vector<Token> tokens, const LoraScales& lora);

    // ---- chunk reuse (--cache-reuse) -------------------------------------------------------------
    // Keeps the first n_prefix tokens of `seq` (its common prefix with `prompt`), then moves every
    // later run of at least `min_chunk` cached tokens that matches the prompt where it continues
    // down to that place (KV shifting: seq_rm + seq_add), comparing with prompt[0, limit) only; the
    // rest is removed. Returns how many prompt tokens the sequence then holds, in order. Requires
    // can_shift(), an empty draft, n_prefix <= common prefix, and the caller's check that the
    // cells were computed under `lora` (recorded as theirs).
    size_t reuse_chunks(int32_t seq, const std::vector<Token>& prompt, size_t limit, size_t n_prefix, size_t min_chunk,
                        const LoraScales& lora);

    // ---- context checkpoints (context_checkpoints.h) ---------------------------------------------
    // Whether checkpoints are kept: -ctxcp > 0, a memory that cannot be cut anywhere, self-extend off.
    bool checkpoints_enabled() const;
    // Saves a checkpoint of `seq` as it is now (exactly its tokens), for `request` (the min-step rule
    // spares the current request's). Nothing when disabled, while a copy into `seq` is pending, with
    // a draft, when empty or when one at this length is kept already. Returns the bytes kept (0: none).
    size_t save_checkpoint(int32_t seq, uint64_t request);
    const ContextCheckpoints& checkpoints(int32_t seq) const { return at(seq).checkpoints; }
    size_t checkpoint_bytes() const;  // all sequences'
    size_t checkpoint_count() const;  // all sequences'
    uint64_t checkpoint_restores() const { return checkpoint_restores_; }  // since construction

    // ---- host-memory prompt cache ----------------------------------------------------------------
    HostPromptCache& host_cache() { return host_; }
    const HostPromptCache& host_cache() const { return host_; }
    // The key entries computed under `lora` by this cache's settings are stored and found under.
    HostCacheKey host_key(const LoraScales& lora) const;
    // Before `seq` keeps only its first n_kept tokens: stores what it holds in the host cache, when
    // the cache is on and the memory can serialize it, at least kMinSavedTokens would be dropped, no
    // copy is pending into it, its draft is empty and no entry holds its tokens already. Returns the
    // bytes stored (0: nothing). `seq` itself is unchanged.
    size_t save_to_host(int32_t seq, size_t n_kept);
    static constexpr size_t kMinSavedTokens = 32;
    static constexpr size_t kMinRestoreGain = 32;
    // Loads into `seq` the host entry under `lora` that shares the longest prefix with prompt[0,
    // limit), if that is at least kMinRestoreGain tokens more than `n_own` (what seq would keep of
    // its own cells: loading a whole state to save a few tokens costs more than it saves), and if
    // the entry's state can be cut to that prefix (HostCacheEntry::cut_from). Returns
    // how many prompt tokens `seq` then holds as its prefix (the entry may hold more: the caller
    // cuts with reuse_prefix()), or 0 when nothing was restored (always while copy_pending(seq) or
    // copy_source_pending(seq)). A state the memory refuses is
    // dropped from the host cache and leaves `seq` EMPTY (its mirror says so).
    size_t restore_from_host(int32_t seq, const std::vector<Token>& prompt, size_t limit, const LoraScales& lora,
                             size_t n_own);

private:
    struct Sequence {
        std::vector<Token> tokens;
        std::vector<Token> draft;
        LoraScales lora;
        SelfExtendState self_extend;
        bool copy_pending = false;
        bool copy_source = false;
        ContextCheckpoints checkpoints;
    };

    // Where !keeps_prefix(seq, n_tokens): restores the latest checkpoint at or before n_tokens and
    // returns its length, or clears `seq` and returns 0.
    size_t restore_checkpoint(int32_t seq, size_t n_tokens);
    void drop_checkpoints_after(int32_t seq, size_t n_tokens);

    const Sequence& at(int32_t seq) const { return sequences_[static_cast<size_t>(seq)]; }
    Sequence& at(int32_t seq) { return sequences_[static_cast<size_t>(seq)]; }

    KvMemory& memory_;
    const SelfExtend self_extend_;
    const bool unified_;
    std::vector<Sequence> sequences_;
    HostPromptCache host_;
    const PartialMemory partial_;
    uint64_t checkpoint_restores_ = 0;
};

}  // namespace cria
