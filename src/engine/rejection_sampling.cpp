#include "engine/rejection_sampling.h"

#include <algorithm>

namespace cria {

namespace {

double prob_of(const std::vector<TokenProb>& dist, Token token) {
    for (const auto& tp : dist) {
        if (tp.token == token) return tp.p;
    }
    return 0.0;
}

}  // namespace

Token rejection_sample(const std::vector<TokenProb>& p, const std::vector<TokenProb>& q, Token x, double u, double v) {
    const double px = prob_of(p, x);
    const double qx = prob_of(q, x);
    if (qx <= 0.0 ? px > 0.0 : u * qx < px) return x;  // u < p(x) / q(x)
    // The residual max(0, p - q): where the main model wants more than the draft offered.
    double total = 0.0;
    for (const auto& tp : p) total += std::max(0.0, static_cast<double>(tp.p) - prob_of(q, tp.token));
    if (total <= 0.0) {
        // p <= q everywhere means p == q (both sum to 1): x would always have been kept; rounding
        // brought us here, so fall back to p itself.
        double sum = 0.0;
        for (const auto& tp : p) sum += tp.p;
        double target = v * sum;
        for (const auto& tp : p) {
            if ((target -= tp.p) < 0.0) return tp.token;
        }
        return p.empty() ? x : p.back().token;
    }
    double target = v * total;
    Token last = x;
    for (const auto& tp : p) {
        const double r = std::max(0.0, static_cast<double>(tp.p) - prob_of(q, tp.token));
        if (r <= 0.0) continue;
        last = tp.token;
        if ((target -= r) < 0.0) return tp.token;
    }
    return last;
}

}  // namespace cria
