#include "api/completion_request.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "api/completion_prompts.h"
#include "api/json_fields.h"
#include "api/json_schema_grammar.h"
#include "api/lora_api.h"

namespace cria {

namespace {

constexpr int64_t kInt32Max = INT32_MAX;

// Fields of the llama.cpp /completion API that cria does not implement yet (or, for image_data,
// not on every route that shares these options), with the test that a value is neutral (asks for
// nothing beyond what cria does). Anything else is a 400.
struct PendingField {
    const char* name;
    std::function<bool(const json&)> is_neutral;
};

bool is_empty_container(const json& v) { return (v.is_array() || v.is_object()) && v.empty(); }
bool is_empty_string(const json& v) { return v.is_string() && v.get<std::string>().empty(); }

const std::vector<PendingField>& pending_fields() {
    static const std::vector<PendingField> fields = {
        {"image_data", is_empty_container},
    };
    return fields;
}

void reject_pending_fields(const json& body, bool accept_image_data) {
    for (const auto& field : pending_fields()) {
        if (!has_field(body, field.name)) continue;
        if (accept_image_data && std::string(field.name) == "image_data") continue;
        if (!field.is_neutral(body.at(field.name))) {
            if (std::string(field.name) == "image_data") {
                throw invalid_request("'image_data' is taken by /completion and /embedding only; chat requests send "
                                      "images as image_url content parts",
                                      "image_data");
            }
            throw invalid_request(std::string("'") + field.name + "' is not supported yet by this server", field.name);
        }
    }
}

// `samplers`: the stages in the order given ("typical", "temp", "adaptive-p" are accepted as aliases).
std::vector<SamplerStage> parse_sampler_order(const json& value, const RequestLimits& limits) {
    if (!value.is_array()) throw invalid_request("'samplers' must be an array of sampler names", "samplers");
    check_limit(value.size(), limits.max_samplers, "samplers", "entries", "--max-samplers");
    std::vector<SamplerStage> order;
    for (const auto& item : value) {
        if (!item.is_string()) throw invalid_request("'samplers' must contain only sampler names", "samplers");
        const auto stage = sampler_stage_from_name(item.get<std::string>());
        if (!stage) {
            std::string known;
            for (const auto s : default_sampler_order()) known += std::string(known.empty() ? "" : ", ") + sampler_stage_name(s);
            known += std::string(", ") + sampler_stage_name(SamplerStage::adaptive_p);
            throw invalid_request("'samplers' has unknown sampler '" + item.get<std::string>() + "' (known: " + known + ")",
                                  "samplers");
        }
        order.push_back(*stage);
    }
    return order;
}

// The grammar for a request's json_schema, keeping the schema's own property order when the raw
// body is at hand (nlohmann::json sorts keys; ordered_json keeps them).
std::string json_schema_grammar_for(const json& schema, const std::string& raw_body, size_t max_bytes) {
    if (!raw_body.empty()) {
        const auto ordered = nlohmann::ordered_json::parse(raw_body, nullptr, /*allow_exceptions=*/false);
        if (ordered.is_object() && ordered.contains("json_schema")) {
            return json_schema_to_gbnf_ordered(ordered.at("json_schema"), max_bytes);
        }
    }
    return json_schema_to_gbnf(schema, max_bytes);
}

SamplingParams parse_sampling(const json& body, const SamplingParams& defaults, const RequestLimits& limits) {
    SamplingParams s = defaults;  // every field the request does not set keeps the server's value
    s.temperature = static_cast<float>(read_number(body, "temperature", defaults.temperature, 0.0, 1000.0));
    s.top_k = static_cast<int32_t>(read_int(body, "top_k", defaults.top_k, -1, kInt32Max));
    s.top_p = static_cast<float>(read_number(body, "top_p", defaults.top_p, 0.0, 1.0));
    s.min_p = static_cast<float>(read_number(body, "min_p", defaults.min_p, 0.0, 1.0));
    const int64_t seed = read_int(body, "seed", defaults.seed == kRandomSeed ? -1 : defaults.seed, -1, UINT32_MAX);
    s.seed = seed < 0 ? kRandomSeed : static_cast<uint32_t>(seed);
    s.repeat_penalty = static_cast<float>(read_number(body, "repeat_penalty", defaults.repeat_penalty, 0.0, 1000.0));
    if (s.repeat_penalty <= 0.0f) throw invalid_request("'repeat_penalty' must be greater than 0", "repeat_penalty");
    s.repeat_last_n = static_cast<int32_t>(read_int(body, "repeat_last_n", defaults.repeat_last_n, -1, kInt32Max));
    s.penalize_nl = read_bool(body, "penalize_nl", defaults.penalize_nl);
    s.backend_sampling = read_bool(body, "backend_sampling", defaults.backend_sampling);
    auto number = [&](const char* name, float fallback, double min, double max) {
        return static_cast<float>(read_number(body, name, fallback, min, max));
    };
    s.dynatemp_range = number("dynatemp_range", defaults.dynatemp_range, 0.0, 1000.0);
    s.dynatemp_exponent = number("dynatemp_exponent", defaults.dynatemp_exponent, 0.0, 1000.0);
    s.typical_p = number("typical_p", defaults.typical_p, 0.0, 1.0);
    s.tfs_z = number("tfs_z", defaults.tfs_z, 0.0, 1.0);
    s.min_keep = static_cast<int32_t>(read_int(body, "min_keep", defaults.min_keep, 0, kInt32Max));
    s.presence_penalty = number("presence_penalty", defaults.presence_penalty, -100.0, 100.0);
    s.frequency_penalty = number("frequency_penalty", defaults.frequency_penalty, -100.0, 100.0);
    s.mirostat = static_cast<int32_t>(read_int(body, "mirostat", defaults.mirostat, 0, 2));
    s.mirostat_tau = number("mirostat_tau", defaults.mirostat_tau, 0.0, 1000.0);
    s.mirostat_eta = number("mirostat_eta", defaults.mirostat_eta, 0.0, 1000.0);
    // adaptive-p: like llama-server, a target above 1 reads as 1 and a negative one turns it off;
    // a decay outside 0 .. 0.99 is refused.
    s.adaptive_target = std::min(1.0f, number("adaptive_target", defaults.adaptive_target, -1e9, 1e9));
    s.adaptive_decay = number("adaptive_decay", defaults.adaptive_decay, 0.0, 0.99);
    s.xtc_probability = number("xtc_probability", defaults.xtc_probability, 0.0, 1.0);
    s.xtc_threshold = number("xtc_threshold", defaults.xtc_threshold, 0.0, 1.0);
    s.top_n_sigma = number("top_n_sigma", defaults.top_n_sigma, -1.0, 1000.0);
    s.dry_multiplier = number("dry_multiplier", defaults.dry_multiplier, 0.0, 1000.0);
    s.dry_base = number("dry_base", defaults.dry_base, 1.0, 1000.0);
    s.dry_allowed_length = static_cast<int32_t>(read_int(body, "dry_allowed_length", defaults.dry_allowed_length, 0, kInt32Max));
    s.dry_penalty_last_n = static_cast<int32_t>(read_int(body, "dry_penalty_last_n", defaults.dry_penalty_last_n, -1, kInt32Max));
    if (has_field(body, "dry_sequence_breakers")) {
        s.dry_sequence_breakers = read_string_list(body, "dry_sequence_breakers");
        for (const auto& b : s.dry_sequence_breakers) {
            if (b.empty()) throw invalid_request("'dry_sequence_breakers' must not contain empty strings", "dry_sequence_breakers");
        }
    }
    if (has_field(body, "samplers")) s.samplers = parse_sampler_order(body.at("samplers"), limits);
    s.grammar = read_string(body, "grammar", "");
    check_limit(s.grammar.size(), limits.max_grammar_bytes, "grammar", "bytes", "--max-grammar-size");
    return s;
}

// `speculative.n_max`, `speculative.n_min`, `speculative.p_min`: flat keys with a dot, as
// llama-server spells them. Like llama-server, an n_min above n_max is lowered to it.
SpeculativeParams parse_speculative(const json& body, const SpeculativeParams& defaults) {
    SpeculativeParams p;
    p.n_max = static_cast<int32_t>(read_int(body, "speculative.n_max", defaults.n_max, 0, kInt32Max));
    p.n_min = static_cast<int32_t>(read_int(body, "speculative.n_min", defaults.n_min, 0, kInt32Max));
    p.n_min = std::min(p.n_min, p.n_max);
    p.p_min = static_cast<float>(read_number(body, "speculative.p_min", defaults.p_min, 0.0, 1.0));
    return p;
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
    return prompt_parts(p, std::string("'") + field + "' array items must be strings or integer token ids", field);
}

std::vector<PromptPart> prompt_parts(const json& list, const std::string& message, const char* field) {
    std::vector<PromptPart> parts;
    parts.reserve(list.size());
    for (const auto& item : list) {
        if (item.is_string()) {
            parts.emplace_back(item.get<std::string>());
        } else if (item.is_number_integer() && item.get<int64_t>() >= INT32_MIN && item.get<int64_t>() <= INT32_MAX) {
            parts.emplace_back(static_cast<Token>(item.get<int64_t>()));
        } else {
            throw invalid_request(message, field);
        }
    }
    return parts;
}

namespace {

float parse_bias_value(const json& v) {
    if (v.is_boolean()) {
        if (v.get<bool>()) throw invalid_request("'logit_bias' values must be numbers or false", "logit_bias");
        return -std::numeric_limits<float>::infinity();
    }
    if (!v.is_number() || !std::isfinite(v.get<double>())) {
        throw invalid_request("'logit_bias' values must be numbers or false", "logit_bias");
    }
    return static_cast<float>(v.get<double>());
}

PromptPart parse_bias_target(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer() && v.get<int64_t>() >= INT32_MIN && v.get<int64_t>() <= INT32_MAX) {
        return static_cast<Token>(v.get<int64_t>());
    }
    throw invalid_request("'logit_bias' entries must name a token id or a string", "logit_bias");
}

bool is_token_id_text(const std::string& s) {
    return !s.empty() && s.size() < 10 && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

CompletionResponseOptions parse_response_options(const json& body, const RequestLimits& limits) {
    CompletionResponseOptions r;
    r.post_sampling_probs = read_bool(body, "post_sampling_probs", false);
    r.timings_per_token = read_bool(body, "timings_per_token", false);
    r.return_progress = read_bool(body, "return_progress", false);
    r.return_tokens = read_bool(body, "return_tokens", false);
    if (has_field(body, "response_fields")) r.response_fields = read_string_list(body, "response_fields");
    // Each completion is a task of its own: at most what one request may make (--max-request-tasks).
    r.n_cmpl = static_cast<int32_t>(read_int(body, "n_cmpl", 1, 1, std::max<int64_t>(1, limits.max_tasks)));
    return r;
}

}  // namespace

std::vector<LogitBiasRequest> parse_logit_bias(const json& value, const RequestLimits& limits) {
    // Counted before anything is built: a huge list costs no more than this check.
    if (value.is_array() || value.is_object()) {
        check_limit(value.size(), limits.max_logit_bias, "logit_bias", "entries", "--max-logit-bias");
    }
    std::vector<LogitBiasRequest> entries;
    if (value.is_object()) {
        for (const auto& [key, bias] : value.items()) {
            PromptPart target = is_token_id_text(key) ? PromptPart(static_cast<Token>(std::stol(key))) : PromptPart(key);
            entries.push_back({std::move(target), parse_bias_value(bias)});
        }
        return entries;
    }
    if (!value.is_array()) throw invalid_request("'logit_bias' must be an array of [token, bias] pairs or an object", "logit_bias");
    for (const auto& pair : value) {
        if (!pair.is_array() || pair.size() != 2) {
            throw invalid_request("'logit_bias' entries must be [token, bias] pairs", "logit_bias");
        }
        entries.push_back({parse_bias_target(pair[0]), parse_bias_value(pair[1])});
    }
    return entries;
}

int32_t read_reasoning_budget(const json& body) {
    for (const char* name : {"reasoning_budget_tokens", "thinking_budget_tokens", "reasoning_budget"}) {
        if (has_field(body, name)) return static_cast<int32_t>(read_int(body, name, -1, -1, kInt32Max));
    }
    return -1;
}

std::optional<std::string> read_reasoning_budget_text(const json& body, const char* field) {
    if (!has_field(body, field)) return std::nullopt;
    if (!body.at(field).is_string()) throw invalid_request(std::string("'") + field + "' must be a string", field);
    std::string text = body.at(field).get<std::string>();
    if (text.size() > kMaxReasoningBudgetText) {
        throw invalid_request(std::string("'") + field + "' has " + std::to_string(text.size()) + " bytes; at most " +
                                  std::to_string(kMaxReasoningBudgetText) + " are accepted",
                              field);
    }
    return text;
}

namespace {

// /completion has no chat template to say where thinking is: the request may name the tags
// (llama-server's reasoning_budget_start_tag / _end_tag), else <think> ... </think>. Whether the
// prompt opened the block is the front end's to say (it has the prompt's text).
ReasoningBudgetParams parse_reasoning_budget(const json& body) {
    ReasoningBudgetParams p;
    p.tokens = read_reasoning_budget(body);
    p.start_tag = read_reasoning_budget_text(body, "reasoning_budget_start_tag").value_or("<think>");
    p.end_tag = read_reasoning_budget_text(body, "reasoning_budget_end_tag").value_or("</think>");
    p.message = read_reasoning_budget_text(body, "reasoning_budget_message").value_or("");
    return p;
}

}  // namespace

CompletionRequest parse_completion_request(const json& body, const CompletionDefaults& defaults,
                                           const std::string& raw_body, bool accept_image_data) {
    reject_pending_fields(body, accept_image_data);
    CompletionRequest request;
    if (accept_image_data) {
        // /completion: llama-server's prompt shapes, several prompts among them, each completed
        // n_cmpl times; all of them held to --max-request-tasks before anything is copied.
        if (!has_field(body, "prompt")) throw invalid_request("'prompt' is required", "prompt");
        check_task_budget(count_completion_prompts(body.at("prompt")), read_int(body, "n_cmpl", 1, 1, kInt32Max), "n_cmpl",
                          defaults.limits);
        request.prompts = parse_completion_prompts(body.at("prompt"), defaults.limits);
        request.images = parse_image_data(body, defaults.limits);
    } else {
        request.prompt = parse_prompt(body, "prompt");
    }
    if (has_field(body, "logit_bias")) {
        request.logit_bias = parse_logit_bias(body.at("logit_bias"), defaults.limits);
    } else {
        // The server's -l list (ids checked at start-up); a request's own list replaces it whole.
        request.logit_bias.resize(defaults.logit_bias.size());
        for (size_t i = 0; i < defaults.logit_bias.size(); ++i) {
            request.logit_bias[i].target.emplace<Token>(defaults.logit_bias[i].token);
            request.logit_bias[i].bias = defaults.logit_bias[i].bias;
        }
    }
    if (has_field(body, "penalty_prompt")) request.penalty_prompt = parse_prompt(body, "penalty_prompt");
    // An empty string asks for nothing (clients of the seed's server send it by default).
    if (has_field(body, "system_prompt") && !is_empty_string(body.at("system_prompt"))) {
        request.system_prompt = parse_system_prompt(body.at("system_prompt"));
    }

    GenerationRequest& g = request.generation;
    g.sampling = parse_sampling(body, defaults.sampling, defaults.limits);
    if (has_field(body, "json_schema")) {
        const json& schema = body.at("json_schema");
        if (!schema.is_object() && !schema.is_boolean()) throw invalid_request("'json_schema' must be a JSON Schema object", "json_schema");
        if (!g.sampling.grammar.empty()) throw invalid_request("give either 'grammar' or 'json_schema', not both", "json_schema");
        check_limit(schema.dump().size(), defaults.limits.max_grammar_bytes, "json_schema", "bytes as JSON text",
                    "--max-grammar-size");
        // Member order follows the schema as written, which only the raw text still has.
        g.sampling.grammar = json_schema_grammar_for(schema, raw_body, static_cast<size_t>(defaults.limits.max_grammar_bytes));
        check_limit(g.sampling.grammar.size(), defaults.limits.max_grammar_bytes, "json_schema",
                    "bytes once converted to a grammar", "--max-grammar-size");
        request.grammar_from_schema = true;
    } else if (!has_field(body, "grammar")) {
        g.sampling.grammar = defaults.grammar;  // checked at start-up
    }
    g.stop.n_predict = static_cast<int32_t>(read_int(body, "n_predict", -1, -1, kInt32Max));
    if (defaults.n_predict_cap >= 0 && (g.stop.n_predict < 0 || g.stop.n_predict > defaults.n_predict_cap)) {
        g.stop.n_predict = defaults.n_predict_cap;
    }
    g.stop.ignore_eos = read_bool(body, "ignore_eos", defaults.ignore_eos);
    if (has_field(body, "stop") && body.at("stop").is_array()) {
        check_limit(body.at("stop").size(), defaults.limits.max_stop_strings, "stop", "strings", "--max-stop-strings");
    }
    g.stop.stop = has_field(body, "stop") ? read_string_list(body, "stop") : defaults.stop;
    for (const auto& s : g.stop.stop) {
        if (s.empty()) throw invalid_request("'stop' must not contain empty strings", "stop");
        if (s.size() > static_cast<size_t>(defaults.limits.max_stop_length)) {
            throw invalid_request("'stop' has a string of " + std::to_string(s.size()) + " bytes; at most " +
                                      std::to_string(defaults.limits.max_stop_length) +
                                      " bytes are accepted (--max-stop-length)",
                                  "stop");
        }
    }
    g.n_keep = static_cast<int32_t>(read_int(body, "n_keep", defaults.n_keep, -1, kInt32Max));
    g.cache_prompt = read_bool(body, "cache_prompt", defaults.cache_prompt);
    g.id_slot = static_cast<int32_t>(read_int(body, "id_slot", -1, -1, defaults.n_slots - 1));
    g.stream = read_bool(body, "stream", false);
    g.n_probs = static_cast<int32_t>(read_int(body, "n_probs", 0, 0, defaults.limits.max_n_probs));  // --max-n-probs
    g.stop.t_max_predict_ms = read_int(body, "t_max_predict_ms", 0, 0, INT64_MAX);
    // As in llama-server, a value of 0 or below asks for nothing.
    g.stop.n_indent = static_cast<int32_t>(std::max<int64_t>(0, read_int(body, "n_indent", 0, INT32_MIN, kInt32Max)));
    g.speculative = parse_speculative(body, defaults.speculative);
    g.reasoning_budget = parse_reasoning_budget(body);
    request.response = parse_response_options(body, defaults.limits);
    if (has_field(body, "lora")) g.lora = parse_lora_scales(body.at("lora"), defaults.n_lora_adapters, "lora");
    return request;
}

namespace {
json sampler_names(const std::vector<SamplerStage>& stages) {
    json names = json::array();
    for (const auto s : stages) names.push_back(sampler_stage_name(s));
    return names;
}

json logit_bias_json(const std::vector<LogitBias>& biases) {
    json out = json::array();
    for (const auto& b : biases) out.push_back({b.token, std::isinf(b.bias) ? json(false) : json(b.bias)});
    return out;
}
}  // namespace

json generation_settings_json(const GenerationRequest& r, const std::string& model_name, int32_t n_ctx_slot,
                              const std::string& speculative_types) {
    const SamplingParams& s = r.sampling;
    return {
        {"n_ctx", n_ctx_slot},
        {"n_predict", r.stop.n_predict},
        {"model", model_name},
        {"seed", s.seed == kRandomSeed ? -1 : static_cast<int64_t>(s.seed)},
        {"temperature", s.temperature},
        {"dynatemp_range", s.dynatemp_range},
        {"dynatemp_exponent", s.dynatemp_exponent},
        {"top_k", s.top_k},
        {"top_p", s.top_p},
        {"min_p", s.min_p},
        {"tfs_z", s.tfs_z},
        {"typical_p", s.typical_p},
        {"repeat_last_n", s.repeat_last_n},
        {"repeat_penalty", s.repeat_penalty},
        {"presence_penalty", s.presence_penalty},
        {"frequency_penalty", s.frequency_penalty},
        {"penalty_prompt_tokens", s.penalty_prompt.value_or(std::vector<Token>{})},
        {"use_penalty_prompt_tokens", s.penalty_prompt.has_value()},
        {"mirostat", s.mirostat},
        {"mirostat_tau", s.mirostat_tau},
        {"mirostat_eta", s.mirostat_eta},
        {"adaptive_target", s.adaptive_target},
        {"adaptive_decay", s.adaptive_decay},
        {"xtc_probability", s.xtc_probability},
        {"xtc_threshold", s.xtc_threshold},
        {"top_n_sigma", s.top_n_sigma},
        {"dry_multiplier", s.dry_multiplier},
        {"dry_base", s.dry_base},
        {"dry_allowed_length", s.dry_allowed_length},
        {"dry_penalty_last_n", s.dry_penalty_last_n},
        {"dry_sequence_breakers", s.dry_sequence_breakers},
        {"penalize_nl", s.penalize_nl},
        {"stop", r.stop.stop},
        {"n_keep", r.n_keep},
        {"n_indent", r.stop.n_indent},
        {"ignore_eos", r.stop.ignore_eos},
        {"stream", r.stream},
        {"logit_bias", logit_bias_json(s.logit_bias)},
        {"n_probs", r.n_probs},
        {"min_keep", s.min_keep},
        {"grammar", s.grammar},
        {"samplers", sampler_names(s.samplers)},
        {"cache_prompt", r.cache_prompt},
        {"id_slot", r.id_slot},
        {"speculative.n_max", r.speculative.n_max},
        {"speculative.n_min", r.speculative.n_min},
        {"speculative.p_min", r.speculative.p_min},
        {"lora", lora_scales_json(r.lora.value_or(LoraScales{}))},
        // llama-server's names for what cria does without a setting (same values as its defaults):
        // n_predict under OpenAI's name, no lazy grammars, no chat parsing on this route.
        {"max_tokens", r.stop.n_predict},
        {"n_discard", 0},
        {"grammar_lazy", false},
        {"grammar_triggers", json::array()},
        {"preserved_tokens", json::array()},
        {"chat_format", "Content-only"},
        {"reasoning_format", "none"},
        {"reasoning_in_content", false},
        {"generation_prompt", ""},
        {"speculative.types", speculative_types},
        {"t_max_predict_ms", r.stop.t_max_predict_ms},
        {"timings_per_token", false},    // the response's options (completion_response.cpp sets them)
        {"post_sampling_probs", false},
        {"backend_sampling", s.backend_sampling},
    };
}

}  // namespace cria
