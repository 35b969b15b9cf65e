#include "engine/synthetic_acceptance.h"

#include <cmath>
#include <cstdio>

namespace cria {

namespace {

std::string number(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", x);
    return buffer;
}

// The p in (0, 1) with p + p^2 + ... + p^n = target (0 < target < n), by bisection.
double geometric_ratio(double target, int32_t n) {
    double lo = 0.0;
    double hi = 1.0;
    for (int iteration = 0; iteration < 60; ++iteration) {
        const double mid = 0.5 * (lo + hi);
        double sum = 0.0;
        double term = mid;
        for (int32_t i = 0; i < n; ++i, term *= mid) sum += term;
        (sum < target ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

}  // namespace

std::string resolve_synthetic_acceptance(SyntheticAcceptanceConfig* config, int32_t n_max) {
    config->accept.clear();
    const bool has_length = config->length != -1.0;
    const bool has_rates = !config->rates.empty();
    if (!has_length && !has_rates) return "";
    if (has_length && has_rates) return "--spec-synth-len and --spec-synth-rates cannot be used together";
    const std::string option = has_length ? "--spec-synth-len" : "--spec-synth-rates";
    if (n_max < 1) return option + " needs drafts of at least one token (--draft-max is 0)";

    std::vector<double> rates;
    if (has_rates) {
        rates = config->rates;
        if (rates.size() != static_cast<size_t>(n_max)) {
            return "--spec-synth-rates must give one rate per draft position: " + std::to_string(n_max) +
                   " (the longest draft), not " + std::to_string(rates.size());
        }
        for (size_t i = 0; i < rates.size(); ++i) {
            if (!std::isfinite(rates[i]) || rates[i] < 0.0 || rates[i] > 1.0) {
                return "--spec-synth-rates: every rate must be between 0 and 1";
            }
            if (i > 0 && rates[i] > rates[i - 1]) return "--spec-synth-rates: the rates must not increase";
        }
    } else {
        const double length = config->length;
        const double most = static_cast<double>(n_max) + 1.0;
        if (!std::isfinite(length) || length < 1.0 || length > most) {
            return "--spec-synth-len must be between 1 and " + number(most) + " (the longest draft, " +
                   std::to_string(n_max) + ", plus one)";
        }
        const double p = length == most ? 1.0 : length == 1.0 ? 0.0 : geometric_ratio(length - 1.0, n_max);
        double rate = p;
        for (int32_t i = 0; i < n_max; ++i, rate *= p) rates.push_back(rate);
    }
    double before = 1.0;
    for (const double rate : rates) {
        config->accept.push_back(before > 0.0 ? rate / before : 0.0);
        before = rate;
    }
    return "";
}

}  // namespace cria
