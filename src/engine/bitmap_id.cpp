#include "engine/bitmap_id.h"

#include <cstdio>

namespace cria {

uint64_t fnv1a(const void* data, size_t n, uint64_t h) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

void set_pixel_hash_id(mtmd_bitmap* bitmap) {
    const uint32_t size[2] = {mtmd_bitmap_get_nx(bitmap), mtmd_bitmap_get_ny(bitmap)};
    const uint64_t h = fnv1a(mtmd_bitmap_get_data(bitmap), mtmd_bitmap_get_n_bytes(bitmap), fnv1a(size, sizeof(size)));
    char id[32];
    std::snprintf(id, sizeof(id), "cria-%016llx", static_cast<unsigned long long>(h));
    mtmd_bitmap_set_id(bitmap, id);
}

}  // namespace cria
