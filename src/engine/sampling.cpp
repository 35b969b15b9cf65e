#include "engine/sampling.h"

#include <algorithm>

#include "engine/custom_samplers.h"

namespace cria {

namespace {

// A sampler that keeps history (penalties, DRY) first sees the end of the prompt, so that it
// penalizes repeating the prompt too. The other samplers of the chain must not see the prompt.
llama_sampler* with_history(llama_sampler* sampler, const std::vector<Token>& history, int32_t last_n) {
    const size_t n = std::min(history.size(), static_cast<size_t>(std::max(0, last_n)));
    for (size_t i = history.size() - n; i < history.size(); ++i) {
        if (!is_image_position(history[i])) llama_sampler_accept(sampler, history[i]);  // images are no tokens
    }
    return sampler;
}

// A look-back window (repeat_last_n, dry_penalty_last_n) as the samplers get it: -1 (any negative)
// is the whole slot context, and no window is longer than the slot context, which is all a slot
// can hold. libllama sizes its penalty and DRY buffers by the window, so an unclamped
// 2147483647 would allocate gigabytes; clamped, the output is the same as with n_ctx_slot.
int32_t look_back_window(int32_t requested, int32_t n_ctx_slot) {
    return requested < 0 ? n_ctx_slot : std::min(requested, n_ctx_slot);
}

// The tokens that are a newline: the vocabulary's own newline token and what "\n" tokenizes to.
std::vector<llama_token> newline_tokens(const llama_vocab* vocab) {
    std::vector<llama_token> tokens;
    if (llama_vocab_nl(vocab) >= 0) tokens.push_back(llama_vocab_nl(vocab));
    llama_token buffer[8];
    const int32_t n = llama_tokenize(vocab, "\n", 1, buffer, 8, false, false);
    for (int32_t i = 0; i < n; ++i) tokens.push_back(buffer[i]);
    return tokens;
}

// What every stage of one request's chain is built from.
struct ChainInputs {
    const SamplingParams& params;
    const llama_vocab* vocab;
    int32_t n_vocab;
    int32_t n_ctx_slot;
    const std::vector<Token>& history;
    size_t min_keep;
    bool greedy;
};

// The grammar comes first: every later stage only sees tokens that keep the output valid.
void add_constraints(llama_sampler* chain, const ChainInputs& in) {
    const SamplingParams& params = in.params;
    if (!params.grammar.empty()) {
        if (llama_sampler* grammar = llama_sampler_init_grammar(in.vocab, params.grammar.c_str(), "root")) {
            llama_sampler_chain_add(chain, grammar);
        }
    }
    if (!params.logit_bias.empty()) {
        std::vector<llama_logit_bias> biases;
        for (const auto& b : params.logit_bias) biases.push_back({b.token, b.bias});
        llama_sampler_chain_add(chain,
                                llama_sampler_init_logit_bias(in.n_vocab, static_cast<int32_t>(biases.size()), biases.data()));
    }
}

// The repetition penalties, having seen the end of the history; null when they would do nothing.
llama_sampler* penalties_stage(const ChainInputs& in) {
    const SamplingParams& params = in.params;
    const int32_t last_n = look_back_window(params.repeat_last_n, in.n_ctx_slot);
    const bool penalize = last_n > 0 && (params.repeat_penalty != 1.0f || params.presence_penalty != 0.0f ||
                                         params.frequency_penalty != 0.0f);
    if (!penalize) return nullptr;
    // libllama's penalties have no newline exemption: ours does, and is used only when needed.
    llama_sampler* penalties =
        params.penalize_nl
            ? llama_sampler_init_penalties(in.n_vocab, last_n, params.repeat_penalty, params.frequency_penalty,
                                           params.presence_penalty)
            : make_penalties_sampler(in.n_vocab, last_n, params.repeat_penalty, params.frequency_penalty,
                                     params.presence_penalty, false, newline_tokens(in.vocab));
    return with_history(penalties, params.penalty_prompt.value_or(in.history), last_n);
}

llama_sampler* dry_stage(const ChainInputs& in) {
    const SamplingParams& params = in.params;
    if (params.dry_multiplier <= 0.0f) return nullptr;
    const int32_t last_n = look_back_window(params.dry_penalty_last_n, in.n_ctx_slot);
    std::vector<const char*> breakers;
    for (const auto& b : params.dry_sequence_breakers) breakers.push_back(b.c_str());
    return with_history(llama_sampler_init_dry(in.vocab, params.dry_multiplier, params.dry_base,
                                               params.dry_allowed_length, last_n, breakers.data(), breakers.size()),
                        in.history, last_n);
}

// The sampler of one stage of the request's order, or null when its settings make it a no-op.
llama_sampler* stage_sampler(SamplerStage stage, const ChainInputs& in) {
    const SamplingParams& params = in.params;
    const size_t min_keep = in.min_keep;
    switch (stage) {
        case SamplerStage::penalties: return penalties_stage(in);
        case SamplerStage::dry: return dry_stage(in);
        case SamplerStage::top_k: return params.top_k > 0 ? llama_sampler_init_top_k(params.top_k) : nullptr;
        case SamplerStage::tfs_z: return params.tfs_z < 1.0f ? make_tail_free_sampler(params.tfs_z, min_keep) : nullptr;
        case SamplerStage::typical_p:
            return params.typical_p < 1.0f ? llama_sampler_init_typical(params.typical_p, min_keep) : nullptr;
        case SamplerStage::top_p: return params.top_p < 1.0f ? llama_sampler_init_top_p(params.top_p, min_keep) : nullptr;
        case SamplerStage::min_p: return params.min_p > 0.0f ? llama_sampler_init_min_p(params.min_p, min_keep) : nullptr;
        case SamplerStage::xtc:
            return params.xtc_probability > 0.0f
                       ? llama_sampler_init_xtc(params.xtc_probability, params.xtc_threshold, min_keep, params.seed)
                       : nullptr;
        case SamplerStage::top_n_sigma:
            return params.top_n_sigma > 0.0f ? llama_sampler_init_top_n_sigma(params.top_n_sigma) : nullptr;
        case SamplerStage::temperature:
            if (in.greedy) return nullptr;
            return params.dynatemp_range > 0.0f
                       ? llama_sampler_init_temp_ext(params.temperature, params.dynatemp_range, params.dynatemp_exponent)
                       : llama_sampler_init_temp(params.temperature);
        case SamplerStage::adaptive_p: return nullptr;  // it draws the token: final_draw() places it last
    }
    return nullptr;
}

// The stage that picks the token: argmax when greedy (adaptive-p would pick the only candidate
// left by a zero temperature anyway); adaptive-p when the order names it, wherever (it must
// come last, as llama-server places it); otherwise a seeded random draw.
llama_sampler* final_draw(const ChainInputs& in) {
    const SamplingParams& params = in.params;
    if (in.greedy) return llama_sampler_init_greedy();
    const bool adaptive = std::find(params.samplers.begin(), params.samplers.end(), SamplerStage::adaptive_p) !=
                          params.samplers.end();
    return adaptive ? llama_sampler_init_adaptive_p(params.adaptive_target, params.adaptive_decay, params.seed)
                    : llama_sampler_init_dist(params.seed);
}

void add_if_any(llama_sampler* chain, llama_sampler* stage) {
    if (stage != nullptr) llama_sampler_chain_add(chain, stage);
}

}  // namespace

llama_sampler_ptr make_sampler_chain(const SamplingParams& params, const llama_vocab* vocab,
                                     int32_t n_ctx_slot, const std::vector<Token>& history) {
    llama_sampler_chain_params chain_params = llama_sampler_chain_default_params();
    chain_params.no_perf = true;
    llama_sampler_ptr chain(llama_sampler_chain_init(chain_params));
    llama_sampler* c = chain.get();
    const ChainInputs in{params,  vocab, llama_vocab_n_tokens(vocab), n_ctx_slot, history,
                         static_cast<size_t>(std::max(1, params.min_keep)), params.temperature <= 0.0f};
    add_constraints(c, in);

    if (params.mirostat == 1 || params.mirostat == 2) {
        // Mirostat chooses the token itself, steering surprise toward tau; it replaces truncation.
        add_if_any(c, penalties_stage(in));
        llama_sampler_chain_add(c, llama_sampler_init_temp(params.temperature));
        llama_sampler_chain_add(c, params.mirostat == 1 ? llama_sampler_init_mirostat(in.n_vocab, params.seed, params.mirostat_tau,
                                                                                      params.mirostat_eta, 100)
                                                        : llama_sampler_init_mirostat_v2(params.seed, params.mirostat_tau,
                                                                                         params.mirostat_eta));
        return chain;
    }

    // top-k, top-p and min-p always keep the most likely token: before an argmax they are wasted
    // work on every step (a partial sort of the vocabulary), so greedy requests skip them.
    auto keeps_top_token = [](SamplerStage s) {
        return s == SamplerStage::top_k || s == SamplerStage::top_p || s == SamplerStage::min_p;
    };
    for (const SamplerStage stage : params.samplers) {
        if (in.greedy && keeps_top_token(stage)) continue;
        add_if_any(c, stage_sampler(stage, in));
    }
    llama_sampler_chain_add(c, final_draw(in));
    return chain;
}

}  // namespace cria
