// The typed request the engine runs: tokens in, sampling and stop rules, no JSON.
//
// api/ builds one of these from a validated HTTP body; the engine never sees the body itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cria {

// libllama's llama_token is int32_t; code outside engine/ uses this name and never includes llama.h.
using Token = int32_t;

// How many tokens `a` and `b` share from the start: what a cache holding `a` saves of `b`.
inline size_t common_prefix(const std::vector<Token>& a, const std::vector<Token>& b) {
    const size_t n = a.size() < b.size() ? a.size() : b.size();
    size_t i = 0;
    while (i < n && a[i] == b[i]) ++i;
    return i;
}

// Image positions in a prompt hold placeholder tokens: negative ids derived from the image's
// content (see engine/multimodal.h), so two prompts with the same image at the same place compare
// equal token by token, and the cached-prefix logic needs no special case for images.
inline bool is_image_position(Token token) { return token < 0; }

struct ImageChunk;  // engine/multimodal.cpp: libmtmd's tokenized image and, once encoded, its embeddings

// An image inside a prompt: n_positions placeholder tokens from prompt[position] on.
struct PromptImage {
    size_t position = 0;
    size_t n_positions = 0;
    std::shared_ptr<ImageChunk> chunk;  // shared by copies of one request (n choices); the engine thread alone uses it
};

// Random seed value that means "pick a fresh random seed for this request".
inline constexpr uint32_t kRandomSeed = 0xFFFFFFFFu;

// The truncation and shaping samplers a request can order with `samplers`. adaptive_p chooses the
// token itself: wherever it is named, it replaces the final random draw (as in llama-server).
enum class SamplerStage { top_k, tfs_z, typical_p, top_p, min_p, temperature, xtc, top_n_sigma, dry, penalties, adaptive_p };

// Names as the API spells them ("top_k", "typical_p", ...), in SamplerStage order.
const char* sampler_stage_name(SamplerStage stage);

// The stage a name denotes ("typical" and "temp" are accepted as aliases); nullopt if none.
std::optional<SamplerStage> sampler_stage_from_name(const std::string& name);

// The default order: penalties, dry, top_n_sigma, top_k, tfs_z, typical_p, top_p, min_p, xtc, temperature.
std::vector<SamplerStage> default_sampler_order();

struct LogitBias {
    Token token = 0;
    float bias = 0.0f;             // -infinity: the token is never sampled
};

struct SamplingParams {
    float temperature = 0.8f;      // <= 0: greedy (argmax after penalties and biases)
    float dynatemp_range = 0.0f;   // > 0: temperature varies in [t - range, t + range] with entropy
    float dynatemp_exponent = 1.0f;
    int32_t top_k = 40;            // <= 0: off
    float top_p = 0.95f;           // 1.0: off
    float min_p = 0.05f;           // 0.0: off
    float typical_p = 1.0f;        // 1.0: off
    float tfs_z = 1.0f;            // tail-free sampling; 1.0: off
    int32_t min_keep = 0;          // truncating samplers keep at least this many candidates
    uint32_t seed = kRandomSeed;
    float repeat_penalty = 1.0f;   // 1.0: off
    int32_t repeat_last_n = 64;    // 0: off, -1: the whole slot context (also for dry_penalty_last_n)
    float presence_penalty = 0.0f; // 0: off
    float frequency_penalty = 0.0f;
    bool penalize_nl = true;       // false: newline tokens are exempt from the penalties
    std::optional<std::vector<Token>> penalty_prompt;  // set: penalties look at these instead of the prompt
    int32_t mirostat = 0;          // 1 or 2: Mirostat replaces the truncation samplers
    float mirostat_tau = 5.0f;
    float mirostat_eta = 0.1f;
    float adaptive_target = -1.0f; // adaptive-p (when `samplers` names it): < 0 plain random draw; at most 1
    float adaptive_decay = 0.9f;   // 0 .. 0.99: how slowly its moving average of chosen probabilities forgets
    float xtc_probability = 0.0f;  // 0: off
    float xtc_threshold = 0.1f;
    float top_n_sigma = -1.0f;     // <= 0: off
    float dry_multiplier = 0.0f;   // 0: off
    float dry_base = 1.75f;
    int32_t dry_allowed_length = 2;
    int32_t dry_penalty_last_n = -1;
    std::vector<std::string> dry_sequence_breakers = {"\n", ":", "\"", "*"};
    std::vector<LogitBias> logit_bias;
    std::vector<SamplerStage> samplers = default_sampler_order();
    std::string grammar;           // GBNF with a "root" rule; "" = unconstrained. Already validated.
    // Run the chain on the backend device, inside the compute graph, when the request allows it
    // (engine/backend_sampling.h says when); -bs sets the default. The output is the same.
    bool backend_sampling = false;
};

struct StopRules {
    int32_t n_predict = -1;              // generated-token limit; -1: none; 0: only evaluate the prompt
    bool ignore_eos = false;             // keep going past end-of-generation tokens
    std::vector<std::string> stop;       // stop strings; never part of the returned text
    // > 0: once a '\n' was generated, stop (as "limit") when generation has run this long (FIM
    // clients' time budget, llama-server's t_max_predict_ms); 0: no limit.
    int64_t t_max_predict_ms = 0;
    // > 0: a generated line indented by fewer spaces/tabs ends generation as "limit", cut where the
    // line's content begins (llama-server's n_indent; engine/indent_limit.h). 0: no such rule.
    int32_t n_indent = 0;
};

// Speculative decoding limits for one request (`speculative.n_max` and friends). They matter only
// when the server drafts (--model-draft or --spec-type ngram-simple); the output is the same either way.
struct SpeculativeParams {
    int32_t n_max = 16;            // most tokens drafted per step; 0: this request never drafts
    int32_t n_min = 0;             // a shorter draft is dropped (that step decodes one token)
    float p_min = 0.75f;           // the draft model stops drafting at a token it gives less probability
};

// A thinking budget (--reasoning-budget, reasoning_budget_tokens; engine/reasoning_budget.h runs
// it). Inside a thinking block (opened by the prompt, or by start_tag at the very start of the
// answer) the engine counts generated tokens; at `tokens` it stops sampling and feeds the tokens
// of message + end_tag instead, one per step, as ordinary output. No effect when tokens < 0,
// end_tag is empty, or the request has a grammar (forcing a token the grammar refuses would break
// its state, so a grammar wins).
struct ReasoningBudgetParams {
    int32_t tokens = -1;           // -1: unrestricted; 0: end thinking at once; N > 0: N tokens of thinking
    std::string start_tag;         // "<think>": opens the block when the answer starts with it
    std::string end_tag;           // "</think>": closes it (naturally, or forced)
    std::string message;           // forced before end_tag when the budget is spent ("" = none)
    bool prompt_opened = false;    // the prompt ends inside an opened block: counting starts at once
    bool enabled() const { return tokens >= 0 && !end_tag.empty(); }
};

struct GenerationRequest {
    std::vector<Token> prompt;           // never empty; every id is inside the vocabulary, or an image position
    SamplingParams sampling;
    StopRules stop;
    int32_t n_keep = 0;                  // prompt tokens kept on a context shift; -1: the whole prompt
    bool cache_prompt = true;            // reuse the longest common prefix already in a slot's cache
    int32_t id_slot = -1;                // -1: any idle slot; otherwise wait for exactly this slot
    bool stream = false;                 // emit one TokenChunk per generated token
    int32_t n_probs = 0;                 // > 0: report each token's probability and the top n_probs
    bool embed = false;                  // embedding mode: compute the prompt's embedding, generate nothing
    std::vector<PromptImage> images;     // in prompt order; empty for a text-only prompt
    SpeculativeParams speculative;
    ReasoningBudgetParams reasoning_budget;
    // Control tokens' text goes into the output, as with --special, for this request only: the
    // answer reader of gpt-oss (Harmony) needs <|channel|>, <|message|>, <|end|>, <|start|>.
    bool render_special = false;
    // LoRA adapter scales by adapter id (one per loaded adapter). Unset: the server's scales when
    // the request is submitted (Engine::submit fills them in).
    std::optional<std::vector<float>> lora;
};

// The largest n' <= n that does not fall inside an image: a cache may be reused, or a prefix
// shared, up to a position between images only (an image is always decoded whole).
inline size_t image_boundary_at_or_before(const std::vector<PromptImage>& images, size_t n) {
    for (const auto& image : images) {
        if (n > image.position && n < image.position + image.n_positions) return image.position;
    }
    return n;
}

// Where the first image at or after prompt position `from` starts; the prompt's end if none.
inline size_t next_image_start(const GenerationRequest& request, size_t from) {
    for (const auto& image : request.images) {
        if (image.position >= from) return image.position;
    }
    return request.prompt.size();
}

}  // namespace cria
