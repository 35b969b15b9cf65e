// The ngram-cache kind of drafting (--spec-type ngram-cache) for all slots: each slot's own
// statistics, and the lookup caches of -lcd (dynamic) and -lcs (static). See ngram_cache.h for
// the rules of a draft and ngram_cache_file.h for the files.
//
// The dynamic cache learns from every sequence a slot finishes with (its statistics are merged in
// when the slot's sequence changes, and at save()), and is written to the -lcd file by save(),
// which the engine calls when it stops.
//
// Memory: a slot's statistics hold at most 4 n-grams per context token (O(n_ctx_slot)); the
// dynamic cache takes no new n-gram past kMaxDynamicNgrams (those it has keep counting); the
// static cache is what its file holds (the file is at most kMaxLookupCacheFileBytes).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/ngram_cache.h"
#include "engine/ngram_config.h"

namespace cria {

class NgramCacheDrafter {
public:
    static constexpr int32_t kMaxDraft = 8;  // as llama-server's ngram-cache
    static constexpr size_t kMaxDynamicNgrams = size_t{1} << 21;

    // Reads the cache files of `config` (a missing -lcd file is an empty cache). Null with *error
    // set (naming the option) when one is not a valid cache or has token ids of n_vocab or more.
    static std::unique_ptr<NgramCacheDrafter> create(const NgramConfig& config, int32_t n_slots, int32_t n_vocab,
                                                     std::string* error);

    // Slot `seq` starts a new sequence: what it learnt goes to the dynamic cache.
    void begin(int32_t seq);

    // Counts what `context` adds to slot `seq`'s (extending what the previous call saw), then
    // drafts up to min(n_max, kMaxDraft) tokens, or nothing.
    std::vector<Token> draft(int32_t seq, const std::vector<Token>& context, int32_t n_max);

    // Merges every slot's statistics into the dynamic cache and writes it to the -lcd file (if
    // one was given). False with *error set when it cannot be written.
    bool save(std::string* error);

    const NgramCounts& dynamic_counts() const { return dynamic_; }

private:
    struct SlotState {
        NgramCounts own;
        size_t counted = 0;  // tokens of the context counted into `own`
    };
    NgramCacheDrafter(std::string dynamic_path, int32_t n_slots);
    SlotState& slot(int32_t seq);  // grows the slot list on demand

    std::string dynamic_path_;
    NgramCounts dynamic_;
    NgramCounts static_;
    std::vector<SlotState> slots_;
};

}  // namespace cria
