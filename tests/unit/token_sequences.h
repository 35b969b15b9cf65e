#pragma once

// Token sequences for the prompt-cache tests: a run of consecutive ids, and two sequences joined.
#include <vector>

#include "engine/generation_request.h"

namespace cria::test {

inline std::vector<Token> range(Token first, Token n) {
    std::vector<Token> out;
    for (Token t = first; t < first + n; ++t) out.push_back(t);
    return out;
}

inline std::vector<Token> concat(std::vector<Token> a, const std::vector<Token>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace cria::test
