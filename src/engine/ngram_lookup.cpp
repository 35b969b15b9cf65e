#include "engine/ngram_lookup.h"

#include <algorithm>

namespace cria {

std::vector<Token> ngram_lookup_draft(const std::vector<Token>& history, int32_t n_gram, int32_t n_draft) {
    std::vector<Token> draft;
    if (n_gram < 1 || n_draft < 1) return draft;
    const size_t n = static_cast<size_t>(n_gram);
    const size_t end = history.size();
    if (end < n + 1) return draft;

    // The n-gram to find is history[end - n, end). Scan earlier starting points, most recent first;
    // a start at `end - n` would be the n-gram itself.
    const Token* suffix = history.data() + (end - n);
    for (size_t start = end - n; start-- > 0;) {
        if (!std::equal(suffix, suffix + n, history.data() + start)) continue;
        // What followed the match: history[start + n ...], continuing into the draft once it runs
        // past the end (the source index always stays behind the token being written).
        draft.reserve(static_cast<size_t>(n_draft));
        for (size_t i = 0; draft.size() < static_cast<size_t>(n_draft); ++i) {
            const size_t source = start + n + i;
            draft.push_back(source < end ? history[source] : draft[source - end]);
        }
        return draft;
    }
    return draft;
}

}  // namespace cria
