#include "api/completion_request.h"

#include <cmath>
#include <functional>

#include "api/json_fields.h"

namespace cria {

namespace {

constexpr int64_t kInt32Max = INT32_MAX;

// Fields of the llama.cpp /completion API that cria does not implement yet, with the test that
// a value is neutral (asks for nothing beyond what cria does). Anything else is a 400.
struct PendingField {
    const char* name;
    std::function<bool(const json&)> is_neutral;
};

bool equals_number(const json& v, double neutral) { return v.is_number() && v.get<double>() == neutral; }
bool is_empty_container(const json& v) { return (v.is_array() || v.is_object()) && v.empty(); }
bool is_empty_string(const json& v) { return v.is_string() && v.get<std::string>().empty(); }

const std::vector<PendingField>& pending_fields() {
    static const std::vector<PendingField> fields = {
        {"tfs_z", [](const json& v) { return equals_number(v, 1.0); }},
        {"typical_p", [](const json& v) { return equals_number(v, 1.0); }},
        {"dynatemp_range", [](const json& v) { return equals_number(v, 0.0); }},
        {"presence_penalty", [](const json& v) { return equals_number(v, 0.0); }},
        {"frequency_penalty", [](const json& v) { return equals_number(v, 0.0); }},
        {"mirostat", [](const json& v) { return equals_number(v, 0.0); }},
        {"n_probs", [](const json& v) { return equals_number(v, 0.0); }},
        {"dry_multiplier", [](const json& v) { return equals_number(v, 0.0); }},
        {"xtc_probability", [](const json& v) { return equals_number(v, 0.0); }},
        {"top_n_sigma", [](const json& v) { return v.is_number() && v.get<double>() <= 0.0; }},
        {"logit_bias", is_empty_container},
        {"grammar", is_empty_string},
        {"json_schema", is_empty_container},
        {"image_data", is_empty_container},
        {"penalty_prompt", [](const json&) { return false; }},
        {"system_prompt", is_empty_string},
        {"samplers", [](const json&) { return false; }},
    };
    return fields;
}

void reject_pending_fields(const json& body) {
    for (const auto& field : pending_fields()) {
        if (!has_field(body, field.name)) continue;
        if (!field.is_neutral(body.at(field.name))) {
            throw invalid_request(std::string("'") + field.name + "' is not supported yet by this server", field.name);
        }
    }
}

SamplingParams parse_sampling(const json& body, const SamplingParams& defaults) {
    SamplingParams s;
    s.temperature = static_cast<float>(read_number(body, "temperature", defaults.temperature, 0.0, 1000.0));
    s.top_k = static_cast<int32_t>(read_int(body, "top_k", defaults.top_k, -1, kInt32Max));
    s.top_p = static_cast<float>(read_number(body, "top_p", defaults.top_p, 0.0, 1.0));
    s.min_p = static_cast<float>(read_number(body, "min_p", defaults.min_p, 0.0, 1.0));
    const int64_t seed = read_int(body, "seed", defaults.seed == kRandomSeed ? -1 : defaults.seed, -1, UINT32_MAX);
    s.seed = seed < 0 ? kRandomSeed : static_cast<uint32_t>(seed);
    s.repeat_penalty = static_cast<float>(read_number(body, "repeat_penalty", defaults.repeat_penalty, 0.0, 1000.0));
    if (s.repeat_penalty <= 0.0f) throw invalid_request("'repeat_penalty' must be greater than 0", "repeat_penalty");
    s.repeat_last_n = static_cast<int32_t>(read_int(body, "repeat_last_n", defaults.repeat_last_n, -1, kInt32Max));
    // Checked for type here; their values only matter once mirostat / penalize_nl are implemented.
    read_number(body, "mirostat_tau", 5.0, 0.0, 1e6);
    read_number(body, "mirostat_eta", 0.1, 0.0, 1e6);
    read_number(body, "dynatemp_exponent", 1.0, 0.0, 1e6);
    if (!read_bool(body, "penalize_nl", true) && s.repeat_penalty != 1.0f) {
        throw invalid_request("'penalize_nl': false is not supported yet by this server", "penalize_nl");
    }
    read_int(body, "min_keep", 0, 0, kInt32Max);
    return s;
}

}  // namespace

std::vector<PromptPart> parse_prompt(const json& body, const char* field) {
    if (!has_field(body, field)) throw invalid_request(std::string("'") + field + "' is required", field);
    const json& p = body.at(field);
    std::vector<PromptPart> parts;
    if (p.is_string()) {
        parts.emplace_back(p.get<std::string>());
        return parts;
    }
    if (!p.is_array()) {
        throw invalid_request(std::string("'") + field + "' must be a string or an array of strings and token ids", field);
    }
    for (const auto& item : p) {
        if (item.is_string()) {
            parts.emplace_back(item.get<std::string>());
        } else if (item.is_number_integer() && item.get<int64_t>() >= INT32_MIN && item.get<int64_t>() <= INT32_MAX) {
            parts.emplace_back(static_cast<Token>(item.get<int64_t>()));
        } else {
            throw invalid_request(std::string("'") + field + "' array items must be strings or integer token ids", field);
        }
    }
    return parts;
}

CompletionRequest parse_completion_request(const json& body, const CompletionDefaults& defaults) {
    reject_pending_fields(body);
    CompletionRequest request;
    request.prompt = parse_prompt(body, "prompt");

    GenerationRequest& g = request.generation;
    g.sampling = parse_sampling(body, defaults.sampling);
    g.stop.n_predict = static_cast<int32_t>(read_int(body, "n_predict", -1, -1, kInt32Max));
    if (defaults.n_predict_cap >= 0 && (g.stop.n_predict < 0 || g.stop.n_predict > defaults.n_predict_cap)) {
        g.stop.n_predict = defaults.n_predict_cap;
    }
    g.stop.ignore_eos = read_bool(body, "ignore_eos", false);
    g.stop.stop = read_string_list(body, "stop");
    for (const auto& s : g.stop.stop) {
        if (s.empty()) throw invalid_request("'stop' must not contain empty strings", "stop");
    }
    g.n_keep = static_cast<int32_t>(read_int(body, "n_keep", 0, -1, kInt32Max));
    g.cache_prompt = read_bool(body, "cache_prompt", true);
    g.id_slot = static_cast<int32_t>(read_int(body, "id_slot", -1, -1, defaults.n_slots - 1));
    g.stream = read_bool(body, "stream", false);
    return request;
}

std::vector<Token> tokenize_prompt(const std::vector<PromptPart>& prompt, const Vocabulary& vocabulary,
                                   const char* field) {
    std::vector<Token> tokens;
    for (size_t i = 0; i < prompt.size(); ++i) {
        if (const auto* text = std::get_if<std::string>(&prompt[i])) {
            // Only a prompt that starts with text gets the model's BOS; special tokens written as
            // text (e.g. "<|im_start|>") become their control tokens, as chat templates need.
            const auto piece = vocabulary.tokenize(*text, /*add_special=*/i == 0, /*parse_special=*/true);
            tokens.insert(tokens.end(), piece.begin(), piece.end());
        } else {
            const Token id = std::get<Token>(prompt[i]);
            if (!vocabulary.contains(id)) {
                throw invalid_request(std::string("'") + field + "' contains token id " + std::to_string(id) +
                                          ", outside the vocabulary [0, " + std::to_string(vocabulary.size() - 1) + "]",
                                      field);
            }
            tokens.push_back(id);
        }
    }
    if (tokens.empty()) throw invalid_request(std::string("'") + field + "' is empty", field);
    return tokens;
}

json generation_settings_json(const GenerationRequest& r, const std::string& model_name, int32_t n_ctx_slot) {
    const SamplingParams& s = r.sampling;
    return {
        {"n_ctx", n_ctx_slot},
        {"n_predict", r.stop.n_predict},
        {"model", model_name},
        {"seed", s.seed == kRandomSeed ? -1 : static_cast<int64_t>(s.seed)},
        {"temperature", s.temperature},
        {"dynatemp_range", 0.0},
        {"dynatemp_exponent", 1.0},
        {"top_k", s.top_k},
        {"top_p", s.top_p},
        {"min_p", s.min_p},
        {"tfs_z", 1.0},
        {"typical_p", 1.0},
        {"repeat_last_n", s.repeat_last_n},
        {"repeat_penalty", s.repeat_penalty},
        {"presence_penalty", 0.0},
        {"frequency_penalty", 0.0},
        {"penalty_prompt_tokens", json::array()},
        {"use_penalty_prompt_tokens", false},
        {"mirostat", 0},
        {"mirostat_tau", 5.0},
        {"mirostat_eta", 0.1},
        {"penalize_nl", true},
        {"stop", r.stop.stop},
        {"n_keep", r.n_keep},
        {"ignore_eos", r.stop.ignore_eos},
        {"stream", r.stream},
        {"logit_bias", json::array()},
        {"n_probs", 0},
        {"min_keep", 0},
        {"grammar", ""},
        {"samplers", s.temperature <= 0.0f ? json::array({"penalties", "greedy"})
                                           : json::array({"penalties", "top_k", "top_p", "min_p", "temperature"})},
        {"cache_prompt", r.cache_prompt},
        {"id_slot", r.id_slot},
    };
}

}  // namespace cria
