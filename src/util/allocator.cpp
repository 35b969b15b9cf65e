#include "util/allocator.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace cria {

namespace {
constexpr int kMmapThresholdBytes = 1 << 20;
constexpr int kTrimThresholdBytes = 128 << 10;  // glibc's own starting value
}  // namespace

void tune_allocator() {
#if defined(__GLIBC__)
    // Setting either threshold explicitly also turns off glibc's dynamic adjustment of both.
    mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
    mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes);
#endif
}

void release_freed_memory() {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

}  // namespace cria
