// Lookup-cache files (-lcs, -lcd): n-gram statistics in llama.cpp's format, so the files of
// llama-lookup-create / llama-lookup-merge / llama-lookup load here and ours load there.
//
// The file is a sequence of records, all fields 32-bit little-endian signed integers:
//   4 tokens (the n-gram, 1 to 4 token ids >= 0, the unused tail -1), K (> 0), then K pairs
//   (token id >= 0, count > 0).
// Nothing else: no header, no version. A file is refused whole (with the reason and the byte
// offset) when it is larger than the limit, ends inside a record, or breaks a rule above; a token
// id at or above `n_vocab` (when given) is refused too: the file was made for another vocabulary.
#pragma once

#include <cstdint>
#include <string>

#include "engine/ngram_cache.h"

namespace cria {

constexpr uint64_t kMaxLookupCacheFileBytes = uint64_t{64} << 20;  // 64 MiB

// Reads `path` into `out` (merged with what it holds). False with *error set when the file
// cannot be read or is not a valid cache. n_vocab 0: token ids are not checked against it.
bool read_ngram_cache_file(const std::string& path, NgramCounts* out, std::string* error, int32_t n_vocab = 0,
                           uint64_t max_bytes = kMaxLookupCacheFileBytes);

// Writes `counts` to `path` (through a temporary file renamed over it, so a reader never sees half
// a file). False with *error set on failure.
bool write_ngram_cache_file(const std::string& path, const NgramCounts& counts, std::string* error);

}  // namespace cria
