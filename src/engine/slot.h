// Slot: one sequence of the shared context, and the request it is serving.
//
// State machine: idle -> prefill (prompt chunks go into batches) -> generate (one token per step)
// -> idle. Only the engine thread touches a Slot. The slot's sequence id in the KV cache is its id;
// what that sequence holds (tokens, their LoRA scales, self-extend positions, pending copies) is
// recorded by the KV cache's owner (engine/kv/kv_cache.h), not here.
#pragma once

#include <llama-cpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "engine/indent_limit.h"
#include "engine/output_text.h"
#include "engine/reasoning_budget.h"
#include "engine/task.h"

namespace cria {

enum class SlotState { idle, prefill, generate };

struct Slot {
    int32_t id = 0;
    SlotState state = SlotState::idle;

    uint64_t last_used = 0;          // engine step of the last activity, for least-recently-used choice
    uint64_t last_batched = 0;       // engine step this slot last had tokens in a batch (0: not yet, this request)

    // The request being served (null when idle).
    std::shared_ptr<Task> task;
    llama_sampler_ptr sampler;
    bool backend_sampling = false;   // `sampler` is attached to the context (engine/backend_sampling.h)
    std::optional<OutputText> output;
    IndentLimit indent_limit{0};            // the request's n_indent (0: none)
    std::optional<ReasoningBudget> budget;  // the request's thinking budget (reasoning_budget.h); none: no budget
    size_t prompt_done = 0;          // prompt tokens already in the slot's KV sequence (prefill progress)
    Token next_input = 0;            // generate state: the sampled token to feed at the next step
    int32_t batch_index = -1;        // where this slot's logits are in the current batch, or -1
    int32_t batch_first = 0;         // embedding inputs: where the input's first token is in the batch
    std::vector<Token> generated;
    // n_probs > 0: a whole response's, one per generated token up to n_ctx_slot of them; a
    // stream's, only the token's being sent (Scheduler::keep_probabilities).
    std::vector<TokenProbabilities> probabilities;
    bool truncated = false;
    int32_t cache_reused = 0;        // prompt tokens taken from a cache (own or a donor's)

    // Prefix sharing: another slot that holds (or is computing) a longer prefix of this prompt.
    // While set, this slot reads no prompt; once the donor's cache holds `donor_tokens` matching
    // tokens they are shared into this sequence (no recomputation). -1: no donor. The KV cache is
    // kept after a request ends, so the next request (or another slot) can reuse it.
    int32_t donor = -1;
    size_t donor_tokens = 0;
    std::chrono::steady_clock::time_point started, prompt_finished;
    bool has_new_line = false;  // the generated text has a '\n'

    // Speculative decoding (speculative.h): this step's draft, which follows next_input in the
    // batch from draft_index on, and the request's totals for its timings.
    std::vector<Token> draft;
    int32_t draft_index = -1;
    int32_t n_drafted = 0;
    int32_t n_draft_accepted = 0;

    const GenerationRequest& request() const { return task->request(); }
    bool busy() const { return state != SlotState::idle; }
};

}  // namespace cria
