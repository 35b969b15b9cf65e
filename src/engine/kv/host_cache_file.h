// The host prompt cache on disk (--cache-dir): written at shutdown, read at start, so that a
// restart keeps warm conversations. llama-free (the states are opaque blobs), unit-tested.
//
// Trust: a state blob is only meaningful to a context of the same model with the same KV settings,
// and a wrong one could make libllama read garbage keys and values without noticing. So the file
// starts with the writer's identity (host_cache_identity.h: the model's size and a hash of its
// first bytes and metadata, the slot context size, KV types, flash attention, unified KV,
// self-extend, LoRA adapters, ...) and ends with a checksum of every byte before it. A file whose
// identity differs from the reader's, that is truncated, malformed or fails the checksum is ignored
// whole (the caller logs why); reading never throws and never trusts a length it cannot check
// against the file's size.
//
// Layout (host byte order; the magic's last byte is the version):
//   "CRIAHPC" 0x01 | u64 identity length | identity | u64 entries |
//   per entry, least recently used first: u32 n_lora | f32 scales | i32 self-extend factor |
//     i32 self-extend width | u64 n_tokens | i32 tokens | u64 n_state | state bytes |
//   u64 FNV-1a 64 of everything before it
#pragma once

#include <cstddef>
#include <string>

#include "engine/kv/host_prompt_cache.h"

namespace cria {

// The file's name inside --cache-dir.
inline constexpr const char* kHostCacheFileName = "prompt-cache.bin";

// Writes every entry of `cache` to `path`, atomically (a temporary file beside it, renamed over
// it). False, with *error set, when it could not.
bool save_host_cache_file(const std::string& path, const std::string& identity, const HostPromptCache& cache,
                          std::string* error);

// Inserts the entries of the file at `path` into `cache` in their order (its budget applies, so
// the most recently used are the ones kept) and returns how many were read. A missing file gives 0
// with *error empty; a file that cannot be trusted (see above) gives 0, inserts nothing and says
// why in *error.
size_t load_host_cache_file(const std::string& path, const std::string& identity, HostPromptCache& cache,
                            std::string* error);

}  // namespace cria
