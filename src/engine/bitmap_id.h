// Content ids for libmtmd bitmaps: an image's chunks carry its bitmap's id, and the prompt's
// placeholder tokens are made from it (engine/multimodal.cpp), so the same pixels give the same
// placeholders and a slot's cache of them is reused, whatever file or video they came from.
#pragma once

#include <cstddef>
#include <cstdint>

#include <mtmd.h>

namespace cria {

// 64-bit FNV-1a of `n` bytes, continuing from `h`.
uint64_t fnv1a(const void* data, size_t n, uint64_t h = 0xcbf29ce484222325ull);

// Sets the bitmap's id to "cria-<hash of its size and pixels>".
void set_pixel_hash_id(mtmd_bitmap* bitmap);

}  // namespace cria
