// How the server's memory allocator gives back what requests used.
//
// glibc raises its mmap threshold (up to 32 MiB) each time a large mmapped block is freed, and its
// trim threshold with it (to twice that): after one large request body, each HTTP thread's arena
// keeps up to 64 MiB of freed memory for good instead of returning it, so a burst of large
// requests from many clients left the server's RSS hundreds of MiB higher (bench/soak). Parsing a
// large JSON body (e.g. 131,072 logit_bias pairs) also leaves many small freed chunks through a
// thread's arena, which only malloc_trim returns. Elsewhere than glibc both calls do nothing.
#pragma once

#include <cstddef>

namespace cria {

// Bodies at least this large are followed by release_freed_memory() once answered (before the
// response is written, so a client that got its answer knows the memory was given back).
inline constexpr size_t kReleaseAfterBodyBytes = 256u << 10;

// Once at start-up, before other threads run: fixed thresholds, so blocks of 1 MiB or more are
// always mapped on their own and unmapped when freed, and an arena's free top is returned beyond
// 128 KiB (with up to 16 arenas on 2 cores, a 1 MiB trim threshold let RSS at rest wander by
// several MiB between measurements).
void tune_allocator();

// Returns the freed memory of every arena to the system (malloc_trim); thread-safe.
void release_freed_memory();

}  // namespace cria
