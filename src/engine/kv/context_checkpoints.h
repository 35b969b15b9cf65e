// ContextCheckpoints: one sequence's context checkpoints (-ctxcp, -cms), kept by its KvCache.
//
// Why: on a sliding-window (SWA) model with the small SWA cache, the windowed layers forget cells
// older than the window (plus a ubatch); on a recurrent or hybrid model the recurrent layers hold
// one state for the whole sequence. Either way the sequence cannot be cut back to an arbitrary
// earlier length, so a prompt that shares a prefix with it but diverges before its end would be
// computed from the start. A checkpoint is the PARTIAL state of the sequence (only those layers:
// KvMemory::seq_partial_state) saved while it held exactly its first n_tokens tokens; restoring it
// and cutting the other layers at n_tokens gives back a sequence of exactly those tokens.
//
// Policy (llama-server's, see docs/caching.md): at most `max` per sequence, in increasing n_tokens.
// add() makes room when the list is full: first it drops a checkpoint of an EARLIER request that
// lies within `min_step` tokens after the checkpoint before it (clustered checkpoints are worth the
// least), else the oldest (smallest n_tokens). A cut of the sequence drops those past the cut.
// llama-free: states are opaque blobs.
//
// Memory: per sequence at most `max` states. An SWA state holds the windowed layers' cells
// (n_swa + n_ubatch cells at most, see docs/caching.md for the bytes); a recurrent state one
// state per recurrent layer. Thread rule: engine thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <llama.h>  // llama_pos

namespace cria {

struct ContextCheckpoint {
    size_t n_tokens = 0;        // the sequence held exactly its first n_tokens tokens when saved
    llama_pos pos_min = -1;     // the lowest and highest positions the partial state holds
    llama_pos pos_max = -1;
    uint64_t request = 0;       // which request saved it (the min-step rule spares the current one's)
    std::vector<uint8_t> state; // KvMemory::seq_partial_state()
    size_t bytes() const { return state.size(); }
};

class ContextCheckpoints {
public:
    // `max` 0: none are kept. `min_step` 0: no spacing rule.
    ContextCheckpoints(size_t max = 0, size_t min_step = 0) : max_(max), min_step_(min_step) {}

    bool enabled() const { return max_ > 0; }
    size_t size() const { return list_.size(); }
    size_t bytes() const;
    const std::vector<ContextCheckpoint>& list() const { return list_; }

    // True when one at exactly n_tokens is kept already.
    bool has(size_t n_tokens) const;

    // Keeps `checkpoint` (its n_tokens must be above every kept one's: checkpoints are saved as a
    // prompt is read, past whatever the sequence kept). Returns the checkpoints it dropped to make
    // room (for the log). Does nothing when disabled.
    std::vector<ContextCheckpoint> add(ContextCheckpoint checkpoint);

    // The latest checkpoint with n_tokens <= n_tokens, or null.
    const ContextCheckpoint* latest_at_or_before(size_t n_tokens) const;

    // Drops those with n_tokens > n_tokens (the sequence was cut there); returns them.
    std::vector<ContextCheckpoint> drop_after(size_t n_tokens);
    void clear() { list_.clear(); }

private:
    size_t max_;
    size_t min_step_;
    std::vector<ContextCheckpoint> list_;  // increasing n_tokens
};

}  // namespace cria
