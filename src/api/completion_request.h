// /completion requests: JSON body -> CompletionRequest, validated field by field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/image_input.h"
#include "api/request_defaults.h"
#include "api/system_prompt.h"
#include "engine/generation_request.h"

namespace cria {

// One element of a prompt: text to tokenize, or a token id given directly.
using PromptPart = std::variant<std::string, Token>;

// One `logit_bias` entry before tokenization: a token id, or text whose every token gets the bias.
struct LogitBiasRequest {
    PromptPart target;
    float bias = 0.0f;  // -infinity for `false`: never sample it
};

// How a /completion response is shaped (llama-server's request fields; none changes generation).
struct CompletionResponseOptions {
    bool post_sampling_probs = false;  // n_probs as probabilities (prob/top_probs), not logprobs
    bool timings_per_token = false;    // every streamed event carries the timings so far
    bool return_progress = false;      // a stream reports the prompt's progress before the first token
    bool return_tokens = false;        // accepted: cria always returns the generated token ids
    std::vector<std::string> response_fields;  // non-empty: only these fields ("a/b" reaches into objects)
    int32_t n_cmpl = 1;                // completions of each prompt (more than one result: an array)
};

// One prompt of a /completion request (api/completion_prompts.h): its parts, and the media its
// multimodal_data gives (each file an image or a video, by its own bytes), placed in order at the
// kImageMarker texts of its one string part.
struct CompletionPrompt {
    std::vector<PromptPart> parts;
    std::vector<ImageFile> media;
};

struct CompletionRequest {
    std::vector<PromptPart> prompt;  // the one prompt, on every route but /completion
    // /completion (accept_image_data) only, instead of `prompt`: every prompt of llama-server's
    // shapes, in order; more than one gives an array of results.
    std::vector<CompletionPrompt> prompts;
    std::vector<LogitBiasRequest> logit_bias;  // the request's own, else the server's default list;
                                               // resolved into generation.sampling by the front end
    std::optional<std::vector<PromptPart>> penalty_prompt;  // null/absent: the penalties look at the prompt
    bool grammar_from_schema = false;  // generation.sampling.grammar was made from `json_schema`
    std::optional<SystemPrompt> system_prompt;  // `system_prompt`: the new server-wide system prompt
    GenerationRequest generation;  // every field but generation.prompt, which the front end makes
    std::vector<ImageFile> images;  // `image_data`, where the route takes it (accept_image_data)
    CompletionResponseOptions response;
};

// Throws ApiError naming the field on any invalid value, or on one over defaults.limits (stop,
// logit_bias, samplers, n_probs, grammar, json_schema, image_data: api/request_limits.h). Fields of /completion that cria does not
// implement yet are accepted only with their neutral value, so that a request never silently gets
// something other than what it asked for.
// `raw_body`, when given, is the text `body` was parsed from: json_schema properties then keep
// the order they are written in. `image_data` is read only with accept_image_data (/completion);
// other routes refuse a non-empty one.
CompletionRequest parse_completion_request(const nlohmann::json& body, const CompletionDefaults& defaults,
                                           const std::string& raw_body = {}, bool accept_image_data = false);

// The thinking budget a request asks for: `reasoning_budget_tokens` (llama-server's name; also
// `thinking_budget_tokens`, and `reasoning_budget` on chat routes), an integer from -1 (the
// server's default) to INT32_MAX; -1 when absent. A bad value is a 400 naming the field given.
int32_t read_reasoning_budget(const nlohmann::json& body);

// `reasoning_budget_message` (and /completion's `reasoning_budget_start_tag` / `_end_tag`): a
// string of at most kMaxReasoningBudgetText bytes, else a 400 naming it; nullopt when absent.
inline constexpr size_t kMaxReasoningBudgetText = 4096;
std::optional<std::string> read_reasoning_budget_text(const nlohmann::json& body, const char* field);

// Parses `prompt`: a string, an array of token ids, or an array mixing strings and token ids.
std::vector<PromptPart> parse_prompt(const nlohmann::json& body, const char* field);

// One prompt given as an array of strings and token ids (int32): a 400 saying `message`, naming
// `field`, for any other item.
std::vector<PromptPart> prompt_parts(const nlohmann::json& list, const std::string& message, const char* field);

// Accepts [[id, bias]], [["text", bias]], bias false (never), and the object form {"id": bias}.
// More than limits.max_logit_bias entries: 400 naming logit_bias.
std::vector<LogitBiasRequest> parse_logit_bias(const nlohmann::json& value, const RequestLimits& limits = RequestLimits{});

// The effective settings of a request, as /completion's generation_settings and /props report them.
// `speculative_types`: what "speculative.types" says (/props: "none", as llama-server's does).
nlohmann::json generation_settings_json(const GenerationRequest& request, const std::string& model_name,
                                        int32_t n_ctx_slot, const std::string& speculative_types = "none");

}  // namespace cria
