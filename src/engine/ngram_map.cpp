#include "engine/ngram_map.h"

#include <algorithm>

namespace cria {

namespace {

constexpr uint32_t kMaxCount = 1u << 30;  // counts saturate here (they are compared, never summed past it)

bool same(const Token* a, const Token* b, size_t n) { return std::equal(a, a + n, b); }

}  // namespace

NgramMap::NgramMap(const NgramMapParams& params, bool four_values)
    : n_(static_cast<size_t>(std::max(1, params.size_n))),
      m_(static_cast<size_t>(std::max(1, params.size_m))),
      min_hits_(static_cast<uint32_t>(std::max(1, params.min_hits))),
      four_values_(four_values) {}

uint64_t NgramMap::hash(const Token* tokens) const {
    uint64_t h = 1469598103934665603ull;  // FNV-1a over the token values
    for (size_t i = 0; i < n_; ++i) {
        h ^= static_cast<uint32_t>(tokens[i]);
        h *= 1099511628211ull;
    }
    return h;
}

void NgramMap::reset() {
    keys_.clear();
    next_start_ = 0;
    last_drafted_ = nullptr;
}

void NgramMap::index(const std::vector<Token>& context) {
    // An occurrence at `start` counts once its whole value is in the context.
    while (next_start_ + n_ + m_ <= context.size()) add_occurrence(context, next_start_++);
}

void NgramMap::add_occurrence(const std::vector<Token>& context, size_t start) {
    const Token* key_tokens = context.data() + start;
    auto [it, inserted] = keys_.try_emplace(hash(key_tokens));
    Key& key = it->second;
    if (!inserted && !same(context.data() + key.latest, key_tokens, n_)) return;  // a hash collision
    key.hits = std::min(key.hits + 1, kMaxCount);
    key.latest = static_cast<uint32_t>(start);
    if (!four_values_) return;
    const size_t value_start = start + n_;
    for (uint8_t v = 0; v < key.n_values; ++v) {
        Value& value = key.values[v];
        if (same(context.data() + value.start, context.data() + value_start, m_)) {
            value.count = std::min(value.count + 1, kMaxCount);
            return;
        }
    }
    if (key.n_values < kMaxValues) key.values[key.n_values++] = {static_cast<uint32_t>(value_start), 1};
}

std::vector<Token> NgramMap::draft(const std::vector<Token>& context, int32_t n_max) {
    last_drafted_ = nullptr;
    index(context);
    std::vector<Token> out;
    if (n_max < 1 || context.size() < n_) return out;
    const Token* key_tokens = context.data() + (context.size() - n_);
    const auto it = keys_.find(hash(key_tokens));
    if (it == keys_.end()) return out;
    Key& key = it->second;
    if (!same(context.data() + key.latest, key_tokens, n_) || key.hits < min_hits_) return out;

    size_t source = key.latest + n_;
    if (four_values_) {
        const Value* best = nullptr;
        uint64_t others = 0;
        for (uint8_t v = 0; v < key.n_values; ++v) {
            if (!best || key.values[v].count > best->count) best = &key.values[v];
        }
        if (!best) return out;
        for (uint8_t v = 0; v < key.n_values; ++v) {
            if (&key.values[v] != best) others += key.values[v].count;
        }
        if (others > 0 && best->count < 3 * others) return out;  // no clear favourite
        source = best->start;
    }
    size_t length = std::min(m_, static_cast<size_t>(n_max));
    if (key.last_accepted >= 0) length = std::min(length, static_cast<size_t>(key.last_accepted) + 1);
    out.assign(context.begin() + static_cast<std::ptrdiff_t>(source),
               context.begin() + static_cast<std::ptrdiff_t>(source + length));
    last_drafted_ = &key;
    return out;
}

void NgramMap::accepted(int32_t n_accepted) {
    if (last_drafted_) last_drafted_->last_accepted = std::max(0, n_accepted);
    last_drafted_ = nullptr;
}

}  // namespace cria
