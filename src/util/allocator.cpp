#include "util/allocator.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace cria {

namespace {
constexpr int kThresholdBytes = 1 << 20;
}  // namespace

void tune_allocator() {
#if defined(__GLIBC__)
    // Setting either threshold explicitly also turns off glibc's dynamic adjustment of both.
    mallopt(M_MMAP_THRESHOLD, kThresholdBytes);
    mallopt(M_TRIM_THRESHOLD, kThresholdBytes);
#endif
}

void release_freed_memory() {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

}  // namespace cria
