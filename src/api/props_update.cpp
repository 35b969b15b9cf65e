#include "api/props_update.h"

#include <algorithm>
#include <iterator>

#include "api/api_error.h"

namespace cria {

namespace {

using json = nlohmann::json;

// What a default may be set for: fields of /completion whose value outlives one request.
constexpr const char* kSettableFields[] = {
    "temperature",       "top_k",          "top_p",
    "min_p",             "seed",           "repeat_penalty",
    "repeat_last_n",     "penalize_nl",    "dynatemp_range",
    "backend_sampling",
    "dynatemp_exponent", "typical_p",      "tfs_z",
    "min_keep",          "presence_penalty", "frequency_penalty",
    "mirostat",          "mirostat_tau",   "mirostat_eta",
    "adaptive_target",   "adaptive_decay",
    "xtc_probability",   "xtc_threshold",  "top_n_sigma",
    "dry_multiplier",    "dry_base",       "dry_allowed_length",
    "dry_penalty_last_n", "dry_sequence_breakers", "samplers",
    "n_predict",         "n_keep",         "cache_prompt",
    "speculative.n_max", "speculative.n_min", "speculative.p_min",
};

bool settable(const std::string& field) {
    return std::any_of(std::begin(kSettableFields), std::end(kSettableFields),
                       [&](const char* known) { return field == known; });
}

}  // namespace

CompletionDefaults parse_props_update(const json& body, const CompletionDefaults& current) {
    constexpr const char* kSettings = "default_generation_settings";
    for (const auto& item : body.items()) {
        if (item.key() != kSettings) {
            throw invalid_request("'" + item.key() + "' cannot be changed (only '" + kSettings + "' can)", item.key());
        }
    }
    if (!body.contains(kSettings)) return current;
    const json& settings = body.at(kSettings);
    if (!settings.is_object()) throw invalid_request(std::string("'") + kSettings + "' must be an object", kSettings);

    json request = json::object();
    for (const auto& item : settings.items()) {
        const std::string field = std::string(kSettings) + "." + item.key();
        if (!settable(item.key())) throw invalid_request("'" + field + "' is not a default that can be set", field);
        request[item.key()] = item.value();
    }
    request["prompt"] = "";

    // Parsed as a request would be, against the current defaults but with no cap, so that
    // n_predict reads as given. Errors name the field inside default_generation_settings.
    CompletionDefaults uncapped = current;
    uncapped.n_predict_cap = -1;
    CompletionRequest parsed;
    try {
        parsed = parse_completion_request(request, uncapped);
    } catch (ApiError& e) {
        if (!e.param.empty()) {
            const std::string field = std::string(kSettings) + "." + e.param;
            const std::string quoted = "'" + e.param + "'";
            const size_t at = e.message.find(quoted);
            if (at != std::string::npos) {
                e.message.replace(at, quoted.size(), "'" + field + "'");
            } else {
                e.message = field + ": " + e.message;
            }
            e.param = field;
        }
        throw;
    }

    CompletionDefaults next = current;
    next.sampling = parsed.generation.sampling;
    next.sampling.grammar.clear();  // not settable: never a default
    next.speculative = parsed.generation.speculative;
    if (settings.contains("n_predict")) next.n_predict_cap = parsed.generation.stop.n_predict;
    next.n_keep = parsed.generation.n_keep;
    next.cache_prompt = parsed.generation.cache_prompt;
    return next;
}

}  // namespace cria
