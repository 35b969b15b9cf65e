// N-gram statistics (--spec-type ngram-cache, -lcs, -lcd): for n-grams of 1 to 4 tokens, how often
// each token followed them. Drafting picks, token by token, the clear favourite after the
// context's last n-grams, from three sets of statistics:
//   - the slot's own context (counted as it grows), trusted after 2/2/1/1 samples for n-grams
//     of 1/2/3/4 tokens when the favourite has 66/50/50/50 % of them;
//   - the dynamic cache (-lcd: earlier requests' text), trusted after 4/3/2/2 samples at
//     75/66/66/66 %;
//   - the static cache (-lcs: a corpus), which also weighs the candidates of the two above (a
//     token it has seen after the last 2 tokens counts 100 times its count there), and drafts
//     alone after 2 samples at 50 %.
// Longer n-grams are asked first. These are the rules of llama.cpp's lookup decoding, whose cache
// files (ngram_cache_file.h) cria reads and writes.
//
// Pure code on token vectors: no model.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/generation_request.h"

namespace cria {

constexpr int kNgramCacheMin = 1;     // shortest n-gram counted
constexpr int kNgramCacheMax = 4;     // longest n-gram counted
constexpr int kNgramCacheStatic = 2;  // the static cache is asked with the last 2 tokens

// An n-gram of 1 to 4 tokens; the unused tail is -1.
struct Ngram {
    std::array<Token, kNgramCacheMax> tokens{-1, -1, -1, -1};
    bool operator==(const Ngram& other) const { return tokens == other.tokens; }
};

struct NgramHash {
    size_t operator()(const Ngram& ngram) const {
        uint64_t h = 1469598103934665603ull;
        for (const Token t : ngram.tokens) h = (h ^ static_cast<uint32_t>(t)) * 1099511628211ull;
        return static_cast<size_t>(h);
    }
};

// token -> how often it followed the n-gram (few entries: kept as a vector)
using TokenCounts = std::vector<std::pair<Token, int32_t>>;

class NgramCounts {
public:
    // `max_ngrams`: n-grams beyond this many are not added (those known keep counting).
    explicit NgramCounts(size_t max_ngrams = SIZE_MAX) : max_ngrams_(max_ngrams) {}

    void add(const Ngram& ngram, Token next, int32_t count = 1);
    const TokenCounts* find(const Ngram& ngram) const;
    void merge(const NgramCounts& other);
    void clear() { map_.clear(); }
    size_t size() const { return map_.size(); }
    bool empty() const { return map_.empty(); }
    void for_each(const std::function<void(const Ngram&, const TokenCounts&)>& f) const;

private:
    size_t max_ngrams_;
    std::unordered_map<Ngram, TokenCounts, NgramHash> map_;
};

// Counts the n-grams (1 to 4 tokens) that precede each token of `tokens` from index `from` on.
void count_ngrams(NgramCounts& counts, const std::vector<Token>& tokens, size_t from);

// Drafts up to `n_draft` tokens to follow `context` (see the rules above); `dynamic` and
// `static_counts` may be empty.
std::vector<Token> ngram_cache_draft(const std::vector<Token>& context, int32_t n_draft, const NgramCounts& own,
                                     const NgramCounts& dynamic, const NgramCounts& static_counts);

}  // namespace cria
