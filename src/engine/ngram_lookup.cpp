#include "engine/ngram_lookup.h"

#include <algorithm>

namespace cria {

std::vector<Token> ngram_lookup_draft(const std::vector<Token>& history, int32_t n_gram, int32_t n_draft,
                                      int32_t min_hits) {
    std::vector<Token> draft;
    if (n_gram < 1 || n_draft < 1) return draft;
    const size_t n = static_cast<size_t>(n_gram);
    const size_t end = history.size();
    if (end < n + 1) return draft;

    // The n-gram to find is history[end - n, end). Scan earlier starting points, most recent first;
    // a start at `end - n` would be the n-gram itself.
    const Token* suffix = history.data() + (end - n);
    size_t latest = end;  // the most recent earlier occurrence (end: none yet)
    int32_t hits = 0;
    for (size_t start = end - n; start-- > 0 && hits < std::max(1, min_hits);) {
        if (!std::equal(suffix, suffix + n, history.data() + start)) continue;
        if (hits++ == 0) latest = start;
    }
    if (hits < std::max(1, min_hits)) return draft;
    // What followed the match: history[latest + n ...], continuing into the draft once it runs
    // past the end (the source index always stays behind the token being written).
    draft.reserve(static_cast<size_t>(n_draft));
    for (size_t i = 0; draft.size() < static_cast<size_t>(n_draft); ++i) {
        const size_t source = latest + n + i;
        draft.push_back(source < end ? history[source] : draft[source - end]);
    }
    return draft;
}

}  // namespace cria
