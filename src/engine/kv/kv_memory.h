// KvMemory: the operations on a context's KV memory (llama_memory_t) that cria uses, behind an
// interface so that the owner of the cache (kv_cache.h) can be tested against a fake memory.
//
// Contract (libllama's, restated): a sequence is a set of cells, each holding one token's keys and
// values at a position. Ranges are half-open [p0, p1) in positions; p0 < 0 means 0 and p1 < 0
// means "to the end". Nothing here decodes: cells are filled by llama_decode (or an image decode).
//
// Only engine/kv/ may use this (or llama_memory_* directly); everything else asks the KvCache.
// Engine thread only, like the context it belongs to.
#pragma once

#include <llama.h>

#include <cstdint>
#include <vector>

namespace cria {

class KvMemory {
public:
    virtual ~KvMemory() = default;

    // False when the context has no memory at all (some embedding models): every operation is
    // then a no-op, as libllama's are on a null memory.
    virtual bool present() const = 0;

    // Removes the cells of `seq` in [p0, p1). False when the memory cannot remove part of a
    // sequence (recurrent models); nothing was removed then.
    virtual bool seq_rm(llama_seq_id seq, llama_pos p0, llama_pos p1) = 0;

    // Makes `dst` hold src's cells in [p0, p1). With a unified cache the cells are shared at
    // once. With one stream per sequence only whole streams can be copied (p0 = p1 = -1): the
    // cells' positions are copied at once but their contents only at the next decode, so `dst`
    // must not be read (copied from, saved) before a decode has happened.
    virtual void seq_cp(llama_seq_id src, llama_seq_id dst, llama_pos p0, llama_pos p1) = 0;

    // Adds `delta` to the positions of seq's cells in [p0, p1) (keys are re-rotated at the next
    // decode). Needs can_shift().
    virtual void seq_add(llama_seq_id seq, llama_pos p0, llama_pos p1, llama_pos delta) = 0;

    // Divides the positions of seq's cells in [p0, p1) by `d` (rounding down). Needs can_shift().
    virtual void seq_div(llama_seq_id seq, llama_pos p0, llama_pos p1, int d) = 0;

    // The largest position `seq` holds, or -1 when it is empty.
    virtual llama_pos seq_pos_max(llama_seq_id seq) const = 0;

    // The smallest position `seq` holds, or -1 when it is empty. Of the layers that forget: with a
    // small sliding-window cache, the oldest cell the windowed layers still hold; on a recurrent or
    // hybrid model, the recurrent state's position (its last token). 0 for a plain cache.
    virtual llama_pos seq_pos_min(llama_seq_id seq) const { return seq_pos_max(seq) < 0 ? -1 : 0; }

    // Whether positions can be moved (seq_add, seq_div): false for recurrent models.
    virtual bool can_shift() const = 0;

    // Empties every sequence (data too).
    virtual void clear() = 0;

    // The host-memory prompt cache (host_prompt_cache.h) keeps sequences as opaque blobs:
    // seq_state() serializes what `seq` holds (cells, positions, keys and values), empty when it
    // cannot; set_seq_state() loads such a blob into an EMPTY `seq`, false when it was refused (the
    // sequence may then hold part of it: clear it). A memory that cannot serialize keeps these
    // defaults, and the host cache then stores nothing.
    virtual std::vector<uint8_t> seq_state(llama_seq_id /*seq*/) const { return {}; }
    virtual bool set_seq_state(llama_seq_id /*seq*/, const std::vector<uint8_t>& /*state*/) { return false; }

    // Context checkpoints (context_checkpoints.h): the same for the PARTIAL state only, the layers
    // that cannot be cut back (the sliding-window cache, the recurrent states). set_seq_partial_state()
    // replaces those layers' cells of `seq` and leaves its other layers as they are.
    virtual std::vector<uint8_t> seq_partial_state(llama_seq_id /*seq*/) const { return {}; }
    virtual bool set_seq_partial_state(llama_seq_id /*seq*/, const std::vector<uint8_t>& /*state*/) { return false; }
};

}  // namespace cria
