#include "engine/ngram_cache.h"

#include <algorithm>
#include <limits>

namespace cria {

namespace {

// Thresholds per n-gram size (index: size - 1): fewest samples, and the favourite's least share.
constexpr int kOwnSamples[kNgramCacheMax] = {2, 2, 1, 1};
constexpr int kOwnPercent[kNgramCacheMax] = {66, 50, 50, 50};
constexpr int kDynamicSamples[kNgramCacheMax] = {4, 3, 2, 2};
constexpr int kDynamicPercent[kNgramCacheMax] = {75, 66, 66, 66};
constexpr int kStaticSamples = 2;
constexpr int kStaticPercent = 50;

int32_t add_saturating(int32_t a, int32_t b) {
    return static_cast<int32_t>(std::min<int64_t>(int64_t{a} + b, std::numeric_limits<int32_t>::max()));
}

// The n-gram of `size` tokens ending just before index `end` of context + draft.
Ngram ngram_before(const std::vector<Token>& context, const std::vector<Token>& draft, size_t end, int size) {
    Ngram ngram;
    for (int i = 0; i < size; ++i) {
        const size_t at = end - static_cast<size_t>(size) + static_cast<size_t>(i);
        ngram.tokens[static_cast<size_t>(i)] = at < context.size() ? context[at] : draft[at - context.size()];
    }
    return ngram;
}

int32_t count_of(const TokenCounts* counts, Token token) {
    if (!counts) return 0;
    for (const auto& [t, c] : *counts) {
        if (t == token) return c;
    }
    return 0;
}

// The favourite after the longest n-gram that has a trusted one in `primary`, weighed by the
// static counts after the last 2 tokens; -1 if none.
Token primary_favourite(const NgramCounts& primary, const std::vector<Ngram>& ngrams, const TokenCounts* static_part,
                        const int* min_samples, const int* min_percent) {
    for (int size = static_cast<int>(ngrams.size()); size >= 1; --size) {
        const TokenCounts* counts = primary.find(ngrams[static_cast<size_t>(size - 1)]);
        if (!counts) continue;
        Token best = -1;
        int64_t best_count = 0;
        int64_t best_weight = 0;
        int64_t sum = 0;
        for (const auto& [token, count] : *counts) {
            const int32_t in_static = count_of(static_part, token);
            const int64_t weight = in_static > 0 ? int64_t{100} * in_static : 1;
            if (int64_t{count} * weight > best_count * best_weight) {
                best = token;
                best_count = count;
                best_weight = weight;
            }
            sum += count;
        }
        if (sum < min_samples[size - 1] || 100 * best_count < min_percent[size - 1] * sum) continue;
        return best;
    }
    return -1;
}

Token static_favourite(const TokenCounts* counts) {
    if (!counts) return -1;
    Token best = -1;
    int64_t best_count = 0;
    int64_t sum = 0;
    for (const auto& [token, count] : *counts) {
        if (count > best_count) {
            best = token;
            best_count = count;
        }
        sum += count;
    }
    if (sum < kStaticSamples || 100 * best_count < kStaticPercent * sum) return -1;
    return best;
}

}  // namespace

void NgramCounts::add(const Ngram& ngram, Token next, int32_t count) {
    auto it = map_.find(ngram);
    if (it == map_.end()) {
        if (map_.size() >= max_ngrams_) return;
        it = map_.emplace(ngram, TokenCounts{}).first;
    }
    for (auto& [token, c] : it->second) {
        if (token == next) {
            c = add_saturating(c, count);
            return;
        }
    }
    it->second.emplace_back(next, count);
}

const TokenCounts* NgramCounts::find(const Ngram& ngram) const {
    const auto it = map_.find(ngram);
    return it == map_.end() ? nullptr : &it->second;
}

void NgramCounts::merge(const NgramCounts& other) {
    for (const auto& [ngram, counts] : other.map_) {
        for (const auto& [token, count] : counts) add(ngram, token, count);
    }
}

void NgramCounts::for_each(const std::function<void(const Ngram&, const TokenCounts&)>& f) const {
    for (const auto& [ngram, counts] : map_) f(ngram, counts);
}

void count_ngrams(NgramCounts& counts, const std::vector<Token>& tokens, size_t from) {
    static const std::vector<Token> none;
    for (size_t i = std::max<size_t>(from, 1); i < tokens.size(); ++i) {
        for (int size = kNgramCacheMin; size <= kNgramCacheMax && static_cast<size_t>(size) <= i; ++size) {
            counts.add(ngram_before(tokens, none, i, size), tokens[i]);
        }
    }
}

std::vector<Token> ngram_cache_draft(const std::vector<Token>& context, int32_t n_draft, const NgramCounts& own,
                                     const NgramCounts& dynamic, const NgramCounts& static_counts) {
    std::vector<Token> draft;
    if (context.size() < static_cast<size_t>(kNgramCacheStatic)) return draft;
    while (static_cast<int32_t>(draft.size()) < n_draft) {
        const size_t end = context.size() + draft.size();
        const TokenCounts* static_part = static_counts.find(ngram_before(context, draft, end, kNgramCacheStatic));
        std::vector<Ngram> ngrams;
        for (int size = kNgramCacheMin; size <= kNgramCacheMax && static_cast<size_t>(size) <= end; ++size) {
            ngrams.push_back(ngram_before(context, draft, end, size));
        }
        Token next = primary_favourite(own, ngrams, static_part, kOwnSamples, kOwnPercent);
        if (next < 0) next = primary_favourite(dynamic, ngrams, static_part, kDynamicSamples, kDynamicPercent);
        if (next < 0) next = static_favourite(static_part);
        if (next < 0) break;
        draft.push_back(next);
    }
    return draft;
}

}  // namespace cria
