#include "api/openai_completion.h"

#include <cmath>
#include <random>

#include "api/json_fields.h"
#include "api/openai_chat.h"

namespace cria {

std::vector<std::vector<PromptPart>> parse_openai_prompts(const json& body, const char* field) {
    if (!has_field(body, field)) throw invalid_request(std::string("'") + field + "' is required", field);
    const json& p = body.at(field);
    const std::string shape =
        std::string("'") + field + "' must be a string, a list of strings, a list of token ids or a list of token lists";
    if (p.is_string()) return {{p.get<std::string>()}};
    if (!p.is_array() || p.empty()) throw invalid_request(shape, field);
    auto token = [&](const json& v) {
        if (!v.is_number_integer() || v.get<int64_t>() < INT32_MIN || v.get<int64_t>() > INT32_MAX) {
            throw invalid_request(shape, field);
        }
        return static_cast<Token>(v.get<int64_t>());
    };
    std::vector<std::vector<PromptPart>> prompts;
    if (p[0].is_number_integer()) {
        std::vector<PromptPart> ids;
        for (const auto& v : p) ids.emplace_back(token(v));
        prompts.push_back(std::move(ids));
        return prompts;
    }
    for (const auto& item : p) {
        if (item.is_string()) {
            prompts.push_back({item.get<std::string>()});
        } else if (item.is_array() && !item.empty()) {
            std::vector<PromptPart> ids;
            for (const auto& v : item) ids.emplace_back(token(v));
            prompts.push_back(std::move(ids));
        } else {
            throw invalid_request(shape, field);
        }
    }
    return prompts;
}

namespace {

// How many prompts `prompt` holds, read from the JSON before any prompt is copied: a string, or a
// list of token ids, is one prompt; otherwise each item is one.
size_t count_openai_prompts(const json& body) {
    if (!has_field(body, "prompt")) return 1;  // parse_openai_prompts says it is required
    const json& p = body.at("prompt");
    return p.is_array() && !p.empty() && !p[0].is_number_integer() ? p.size() : 1;
}

}  // namespace

OpenAiCompletionRequest parse_openai_completion_request(const json& body, const CompletionDefaults& defaults,
                                                        const std::string& raw_body) {
    OpenAiCompletionRequest r;
    r.n = static_cast<int32_t>(read_int(body, "n", 1, 1, 16));
    check_task_budget(count_openai_prompts(body), r.n, "n", defaults.limits);
    r.prompts = parse_openai_prompts(body, "prompt");
    if (has_field(body, "suffix")) throw invalid_request("'suffix' is not supported: use /infill", "suffix");
    if (has_field(body, "best_of") && read_int(body, "best_of", r.n, 1, 16) != r.n) {
        throw invalid_request("'best_of' must equal 'n' (each choice is returned)", "best_of");
    }
    r.echo = read_bool(body, "echo", false);
    r.logprobs = static_cast<int32_t>(read_int(body, "logprobs", -1, 0, 20));
    if (has_field(body, "stream_options")) {
        const json& so = body.at("stream_options");
        if (!so.is_object()) throw invalid_request("'stream_options' must be an object", "stream_options");
        r.include_usage = read_bool(so, "include_usage", false);
    }

    // Native names for what OpenAI spells differently; everything else passes through as is.
    json native = body;
    native["prompt"] = "";
    native.erase("n");
    native.erase("logprobs");
    native["n_predict"] = read_int(body, "max_tokens", 16, 0, INT32_MAX);  // OpenAI's default is 16
    native.erase("max_tokens");
    if (r.logprobs >= 0) native["n_probs"] = std::max(1, r.logprobs);
    r.options = parse_completion_request(native, defaults, raw_body);
    return r;
}

const char* finish_reason(StopReason reason) { return reason == StopReason::limit ? "length" : "stop"; }

json openai_logprobs_json(const std::vector<TokenProbabilities>& probabilities, const TokenPieces& vocabulary,
                          size_t text_offset) {
    json tokens = json::array(), token_logprobs = json::array(), top_logprobs = json::array(), offsets = json::array();
    auto logprob = [](float p) { return p > 0.0f ? std::log(p) : -1e30; };  // JSON has no -infinity
    for (const auto& p : probabilities) {
        const std::string piece = vocabulary.piece(p.token);
        tokens.push_back(piece);
        token_logprobs.push_back(logprob(p.prob));
        json top = json::object();
        for (const auto& c : p.top) top[vocabulary.piece(c.token)] = logprob(c.prob);
        top_logprobs.push_back(top);
        offsets.push_back(text_offset);
        text_offset += piece.size();
    }
    // llama-server also gives the chat shape, as "content".
    json content = chat_logprobs_json(probabilities, vocabulary)["content"];
    return {{"tokens", tokens}, {"token_logprobs", token_logprobs}, {"top_logprobs", top_logprobs}, {"text_offset", offsets},
            {"content", std::move(content)}};
}

json openai_object_json(const OpenAiEnvelope& envelope, const char* object, json choices, const json& usage) {
    json body = {{"id", envelope.id},
                 {"object", object},
                 {"created", envelope.created},
                 {"model", envelope.model},
                 {"system_fingerprint", "cria"},
                 {"choices", std::move(choices)}};
    if (!usage.is_null()) body["usage"] = usage;
    return body;
}

json openai_usage(int64_t prompt_tokens, int64_t completion_tokens, int64_t cached_tokens) {
    return {{"prompt_tokens", prompt_tokens},
            {"completion_tokens", completion_tokens},
            {"total_tokens", prompt_tokens + completion_tokens},
            {"prompt_tokens_details", {{"cached_tokens", cached_tokens}}}};
}

namespace {

std::string random_id(const std::string& prefix, int length) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static const char* alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string id = prefix;
    for (int i = 0; i < length; ++i) id += alphabet[rng() % 62];
    return id;
}

}  // namespace

std::string openai_id(const std::string& prefix) { return random_id(prefix, 24); }

std::string tool_call_id(ToolFormat format) {
    return format == ToolFormat::mistral ? random_id("", 9) : openai_id("call_");
}

}  // namespace cria
