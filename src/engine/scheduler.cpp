#include "engine/scheduler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <numeric>

#include "engine/sampling.h"

namespace cria {

namespace {

using Clock = std::chrono::steady_clock;

// How long running requests may take to finish once the server is told to stop.
constexpr std::chrono::seconds kShutdownGrace{30};

// A donor must save at least this many tokens of prompt processing to be worth waiting for.
constexpr size_t kMinSharedPrefix = 32;

double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}


}  // namespace

std::vector<float> l2_normalized(const float* v, int32_t n) {
    double norm = 0.0;
    for (int32_t i = 0; i < n; ++i) norm += static_cast<double>(v[i]) * v[i];
    norm = std::sqrt(norm);
    std::vector<float> out(v, v + n);
    if (norm > 0.0) {
        for (auto& x : out) x = static_cast<float>(x / norm);
    }
    return out;
}

Scheduler::Scheduler(LoadedModel& model, const EngineConfig& config, const EngineInfo& info, TaskQueue& queue,
                     SlotFileJobs& slot_files, StatusBoard& board, EngineMetrics& metrics)
    : model_(model),
      ctx_(model.context.get()),
      memory_(llama_get_memory(model.context.get())),
      config_(config),
      info_(info),
      queue_(queue),
      slot_files_(slot_files),
      board_(board),
      metrics_(metrics),
      vocabulary_(model.vocab),
      slots_(static_cast<size_t>(info.n_slots)),
      n_batch_(static_cast<int32_t>(std::min(llama_n_batch(model.context.get()), llama_n_ubatch(model.context.get())))),
      batch_(llama_batch_init(n_batch_, 0, 1)),
      admitted_at_(static_cast<size_t>(info.n_slots), 0),
      self_extend_(config.grp_attn_n, config.grp_attn_w) {
    for (size_t i = 0; i < slots_.size(); ++i) slots_[i].id = static_cast<int32_t>(i);
    publish_status();
}

Scheduler::~Scheduler() { llama_batch_free(batch_); }

void Scheduler::run() {
    // After shutdown() closes the queue, requests already running may finish, within a grace period.
    std::optional<Clock::time_point> drain_deadline;
    for (;;) {
        if (queue_.closed()) {
            if (!drain_deadline) drain_deadline = Clock::now() + kShutdownGrace;
            if (!any_busy() || Clock::now() >= *drain_deadline) break;
        }
        if (!any_busy()) queue_.wait_for_tasks(std::chrono::milliseconds(500));
        ++step_;
        const bool freed = release_cancelled();
        const bool files = run_slot_files();
        const bool started = admit_waiting();
        // Readers of /health must see a slot busy while its prompt is decoded, not only after.
        if (freed || files || started) publish_status();
        if (decode_next_image()) sample_outputs();  // multimodal prompts: see scheduler_images.cpp
        if (build_batch() && decode_batch()) sample_outputs();
        publish_status();
    }
    for (const auto& task : queue_.close()) task->push(TaskFailure{503, "the server is shutting down"});
    for (auto& job : slot_files_.take()) {
        SlotFileResult stopped;
        stopped.http_status = 503;
        stopped.error = "the server is shutting down";
        job.second.set_value(stopped);
    }
    for (auto& slot : slots_) {
        if (slot.busy()) fail(slot, 503, "the server is shutting down");
    }
    publish_status();
}

bool Scheduler::any_busy() const {
    return std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.busy(); });
}

// ---- admission ------------------------------------------------------------------------------

bool Scheduler::release_cancelled() {
    bool freed = false;
    for (auto& slot : slots_) {
        if (slot.busy() && slot.task->cancelled()) {
            release(slot);
            freed = true;
        }
    }
    return freed;
}

bool Scheduler::run_slot_files() {
    bool changed = false;
    for (auto& [request, promise] : slot_files_.take()) {
        Slot& slot = slots_[static_cast<size_t>(request.id_slot)];
        // A slot another one is about to copy its prefix from must keep its cache until then.
        const bool donating = std::any_of(slots_.begin(), slots_.end(),
                                          [&](const Slot& s) { return s.busy() && s.donor == slot.id; });
        if (slot.busy() || donating) {
            SlotFileResult busy;
            busy.http_status = 409;
            busy.error = "slot " + std::to_string(slot.id) + " is busy; try again when it is idle";
            promise.set_value(busy);
            continue;
        }
        SlotFileResult result = run_slot_file_request(ctx_, slot, info_.n_ctx_slot, request);
        if (result.http_status == 200 && request.action != SlotFileAction::save) adopt_slot_file_cache(slot, &result);
        promise.set_value(result);
        slot.last_used = step_;
        changed = true;
    }
    return changed;
}

void Scheduler::adopt_slot_file_cache(Slot& slot, SlotFileResult* result) {
    // A restored cache counts as computed under the server's current LoRA scales. Its positions
    // must be the ones this server gives that many tokens (self-extend settings included).
    slot.cached_lora = model_.loras.scales();
    slot.self_extend = self_extend_.state_for(slot.cached.size());
    if (llama_memory_seq_pos_max(memory_, slot.id) + 1 == slot.self_extend.next_pos) return;
    llama_memory_seq_rm(memory_, slot.id, -1, -1);
    slot.cached.clear();
    slot.self_extend = {};
    result->http_status = 400;
    result->error = "the slot file was saved with other self-extend settings (--grp-attn-n, --grp-attn-w) than "
                    "this server's";
}

bool Scheduler::admit_waiting() {
    // Without continuous batching, requests start together only when every slot is free.
    if (!config_.cont_batching && any_busy()) return false;
    bool started = false;
    queue_.take_in_order([&](const std::shared_ptr<Task>& task) {
        if (task->cancelled()) return true;  // drop it: nobody is listening
        Slot* slot = choose_slot(task->request());
        if (slot == nullptr) return false;
        start(*slot, task);
        started = true;
        return true;
    });
    return started;
}

Slot* Scheduler::choose_slot(const GenerationRequest& request) {
    if (request.id_slot >= 0) {
        Slot& pinned = slots_[static_cast<size_t>(request.id_slot)];
        return pinned.busy() ? nullptr : &pinned;
    }
    // Prefer the idle slot whose cache shares the longest prefix with the prompt, then the one
    // idle the longest (its cache is the least likely to be wanted again).
    Slot* best = nullptr;
    size_t best_prefix = 0;
    for (auto& slot : slots_) {
        if (slot.busy()) continue;
        const bool reusable = request.cache_prompt && slot.cached_lora == request.lora;
        const size_t prefix = reusable ? common_prefix(slot.cached, request.prompt) : 0;
        if (best == nullptr || prefix > best_prefix || (prefix == best_prefix && slot.last_used < best->last_used)) {
            best = &slot;
            best_prefix = prefix;
        }
    }
    return best;
}

void Scheduler::start(Slot& slot, std::shared_ptr<Task> task) {
    const GenerationRequest& request = task->request();
    if (request.prompt.empty() || static_cast<int32_t>(request.prompt.size()) >= info_.n_ctx_slot) {
        // The API layer checks this first; this guards the slot's invariant regardless.
        task->push(TaskFailure{400, "the prompt does not fit in the context of a slot"});
        return;
    }
    if (request.embed && static_cast<int32_t>(request.prompt.size()) > n_batch_) {
        task->push(TaskFailure{400, "the input is longer than one batch (" + std::to_string(n_batch_) + " tokens)"});
        return;
    }
    // An embedding is computed from scratch, in one batch: no cache to reuse. Nor are cells
    // computed under other LoRA scales.
    const bool reusable = request.cache_prompt && !request.embed && slot.cached_lora == request.lora;
    size_t reuse = reusable ? common_prefix(slot.cached, request.prompt) : 0;
    // The last prompt token is always evaluated again: its logits give the first new token.
    reuse = std::min(reuse, request.prompt.size() - 1);
    reuse = image_boundary_at_or_before(request.images, reuse);
    if (self_extend_.enabled()) {
        reuse = self_extend_.keep_prefix(memory_, slot.id, slot.self_extend, reuse);
    } else {
        llama_memory_seq_rm(memory_, slot.id, static_cast<llama_pos>(reuse), -1);
    }
    slot.cached.resize(reuse);
    slot.cached_lora = request.lora.value_or(LoraScales{});
    slot.last_batched = 0;  // a new request goes first among the LoRA groups

    slot.task = std::move(task);
    slot.state = SlotState::prefill;
    slot.prompt_done = reuse;
    slot.cache_reused = static_cast<int32_t>(reuse);
    slot.generated.clear();
    slot.probabilities.clear();
    slot.truncated = false;
    slot.output.emplace(request.stop.stop);
    if (!request.embed) slot.sampler = make_sampler_chain(request.sampling, model_.vocab, info_.n_ctx_slot, request.prompt);
    slot.started = Clock::now();
    slot.last_used = step_;
    slot.donor = -1;
    slot.draft.clear();
    slot.n_drafted = 0;
    slot.n_draft_accepted = 0;
    admitted_at_[static_cast<size_t>(slot.id)] = ++admissions_;
    if (request.cache_prompt && !request.embed) find_prefix_donor(slot);
}

void Scheduler::find_prefix_donor(Slot& slot) {
    if (self_extend_.enabled()) return;  // a donor's positions are not token indices
    const auto& prompt = slot.request().prompt;
    const size_t usable = prompt.size() - 1;  // the last prompt token is always evaluated here
    Slot* best = nullptr;
    size_t best_tokens = slot.cached.size() + kMinSharedPrefix;
    for (auto& other : slots_) {
        if (&other == &slot || other.copy_pending || other.cached_lora != slot.cached_lora) continue;
        // A slot still reading its prompt will hold all of it soon; any other holds `cached`.
        const auto& tokens = other.state == SlotState::prefill ? other.request().prompt : other.cached;
        const size_t shared =
            image_boundary_at_or_before(slot.request().images, std::min(common_prefix(tokens, prompt), usable));
        if (shared >= best_tokens) {
            best = &other;
            best_tokens = shared;
        }
    }
    if (best == nullptr) return;
    slot.donor = best->id;
    slot.donor_tokens = best_tokens;
    take_donated_prefixes();  // a donor that already holds the prefix gives it right away
}

void Scheduler::take_donated_prefixes() {
    for (auto& slot : slots_) {
        if (slot.state != SlotState::prefill || slot.donor < 0) continue;
        Slot& donor = slots_[static_cast<size_t>(slot.donor)];
        const auto& prompt = slot.request().prompt;
        if (donor.copy_pending) continue;  // its own copy lands at the next decode: wait for it
        if (donor.cached.size() >= slot.donor_tokens && common_prefix(donor.cached, prompt) >= slot.donor_tokens) {
            copy_prefix(donor, slot, slot.donor_tokens);
            slot.donor = -1;
        } else if (donor.state != SlotState::prefill ||
                   common_prefix(donor.request().prompt, prompt) < slot.donor_tokens) {
            slot.donor = -1;  // the donor stopped or moved on without the prefix: read it ourselves
        }
    }
}

void Scheduler::copy_prefix(Slot& from, Slot& to, size_t n_tokens) {
    llama_memory_seq_rm(memory_, to.id, -1, -1);
    if (config_.kv_unified) {
        // Both sequences then point at the same cells: nothing is copied or recomputed.
        llama_memory_seq_cp(memory_, from.id, to.id, 0, static_cast<llama_pos>(n_tokens));
    } else {
        // Separate streams: libllama copies only whole streams, and does it at the next decode
        // (a memcpy, far cheaper than recomputing the prefix). The tail is dropped right away.
        llama_memory_seq_cp(memory_, from.id, to.id, -1, -1);
        llama_memory_seq_rm(memory_, to.id, static_cast<llama_pos>(n_tokens), -1);
        to.copy_pending = true;
    }
    to.cached.assign(from.cached.begin(), from.cached.begin() + static_cast<std::ptrdiff_t>(n_tokens));
    to.prompt_done = n_tokens;
    to.cache_reused = static_cast<int32_t>(n_tokens);
}

// ---- batch ----------------------------------------------------------------------------------

void Scheduler::add_to_batch(Slot& slot, Token token, bool wants_logits) {
    const int32_t i = batch_.n_tokens++;
    batch_.token[i] = token;
    batch_.pos[i] = self_extend_.enabled() ? self_extend_.take_position(slot.self_extend)
                                           : static_cast<llama_pos>(slot.cached.size());
    batch_.n_seq_id[i] = 1;
    batch_.seq_id[i][0] = slot.id;
    batch_.logits[i] = wants_logits ? 1 : 0;
    if (wants_logits) slot.batch_index = i;
    slot.cached.push_back(token);
    slot.last_batched = step_;
}

bool Scheduler::shift_context(Slot& slot) {
    // Keep the first n_keep tokens, drop half of the rest, slide the remainder down.
    // Self-extend already keeps positions low; with it, a full slot stops instead.
    if (!config_.context_shift || !llama_memory_can_shift(memory_) || self_extend_.enabled()) return false;
    const auto& request = slot.request();
    if (!request.images.empty()) return false;  // dropping part of an image would leave half a picture
    const int32_t n_past = static_cast<int32_t>(slot.cached.size());
    int32_t n_keep = request.n_keep < 0 ? static_cast<int32_t>(request.prompt.size()) : request.n_keep;
    if (n_keep == 0 && request.prompt.front() == vocabulary_.bos()) n_keep = 1;  // keep BOS: models expect it
    n_keep = std::min(n_keep, info_.n_ctx_slot / 2);
    const int32_t n_discard = (n_past - n_keep) / 2;
    if (n_discard < 1) return false;  // a slot of a token or two: nothing left to drop
    llama_memory_seq_rm(memory_, slot.id, n_keep, n_keep + n_discard);
    llama_memory_seq_add(memory_, slot.id, n_keep + n_discard, n_past, -n_discard);
    slot.cached.erase(slot.cached.begin() + n_keep, slot.cached.begin() + n_keep + n_discard);
    slot.truncated = true;
    return true;
}

bool Scheduler::build_batch() {
    batch_.n_tokens = 0;
    for (auto& slot : slots_) slot.batch_index = -1;
    take_donated_prefixes();  // before anything is added: donors' caches hold only decoded tokens

    const bool prefilling = std::any_of(slots_.begin(), slots_.end(),
                                        [](const Slot& s) { return s.state == SlotState::prefill; });
    // Without continuous batching a step either reads prompts or generates, never both.
    const bool generating_allowed = config_.cont_batching || !prefilling;
    const LoraScales* lora = pick_batch_lora(generating_allowed);
    batch_lora_ = lora ? *lora : LoraScales{};
    auto in_lora_group = [lora](const Slot& s) { return lora == nullptr || s.request().lora == *lora; };
    if (generating_allowed) {
        for (auto& slot : slots_) {
            if (slot.state != SlotState::generate || batch_.n_tokens >= n_batch_ || !in_lora_group(slot)) continue;
            if (static_cast<int32_t>(slot.cached.size()) >= info_.n_ctx_slot && !shift_context(slot)) {
                slot.truncated = true;  // the context is full and cannot shift: stop here
                finish(slot, StopReason::limit);
                continue;
            }
            if (self_extend_.enabled()) self_extend_.make_room(memory_, slot.id, slot.self_extend);
            add_to_batch(slot, slot.next_input, true);
        }
    }
    if (speculator_) add_drafts();

    // Prompt chunks fill the rest of the batch, oldest admission first.
    std::vector<Slot*> readers;
    for (auto& slot : slots_) {
        if (slot.state == SlotState::prefill && slot.donor < 0 && in_lora_group(slot)) readers.push_back(&slot);
    }
    std::sort(readers.begin(), readers.end(), [&](const Slot* a, const Slot* b) {
        return admitted_at_[static_cast<size_t>(a->id)] < admitted_at_[static_cast<size_t>(b->id)];
    });
    for (Slot* slot : readers) {
        const auto& prompt = slot->request().prompt;
        if (slot->request().embed) {
            // An embedding input goes alone into its step, whole: pooling needs all of it in one
            // batch, and nothing batched beside it can change its numbers.
            if (batch_.n_tokens > 0 || !slot->request().images.empty()) continue;
            slot->batch_first = 0;
            for (const Token t : prompt) add_to_batch(*slot, t, /*wants_logits=*/true);
            slot->prompt_done = prompt.size();
            break;
        }
        // Text up to the next image; the image itself is decoded by decode_next_image().
        const size_t text_end = next_image_start(slot->request(), slot->prompt_done);
        // With self-extend, a chunk ends where the current window is full: it is grouped first.
        int32_t room = self_extend_.enabled() && slot->prompt_done < prompt.size() && batch_.n_tokens < n_batch_
                           ? self_extend_.make_room(memory_, slot->id, slot->self_extend)
                           : n_batch_;
        while (slot->prompt_done < text_end && batch_.n_tokens < n_batch_ && room-- > 0) {
            const bool last = slot->prompt_done + 1 == prompt.size();
            add_to_batch(*slot, prompt[slot->prompt_done], last);
            ++slot->prompt_done;
        }
    }
    return batch_.n_tokens > 0;
}

const LoraScales* Scheduler::pick_batch_lora(bool generating_allowed) const {
    if (model_.loras.size() == 0) return nullptr;
    std::vector<LoraCandidate> candidates;
    for (const auto& slot : slots_) {
        const bool wants_batch = (slot.state == SlotState::generate && generating_allowed) ||
                                 (slot.state == SlotState::prefill && slot.donor < 0);
        if (!wants_batch || !slot.request().lora) continue;
        candidates.push_back({&*slot.request().lora, slot.last_batched, admitted_at_[static_cast<size_t>(slot.id)]});
    }
    return pick_lora_group(candidates);
}

bool Scheduler::decode_batch() {
    const bool lora_ok = model_.loras.size() == 0 || model_.loras.apply(ctx_, batch_lora_);
    const int32_t status = lora_ok ? llama_decode(ctx_, batch_) : -100;
    for (auto& slot : slots_) slot.copy_pending = false;  // stream copies are applied by any decode
    if (status == 0) return true;
    // The KV cache of every slot in this batch is now uncertain: start those slots afresh.
    const std::string message =
        lora_ok ? "llama_decode failed with status " + std::to_string(status) : "libllama refused the LoRA adapter set";
    for (auto& slot : slots_) {
        bool in_batch = false;
        for (int32_t i = 0; i < batch_.n_tokens && !in_batch; ++i) in_batch = batch_.seq_id[i][0] == slot.id;
        if (!in_batch) continue;
        llama_memory_seq_rm(memory_, slot.id, -1, -1);
        slot.cached.clear();
        slot.self_extend = {};
        if (slot.busy()) fail(slot, 500, message);
    }
    return false;
}

// ---- sampling and emission ------------------------------------------------------------------

void Scheduler::sample_outputs() {
    for (auto& slot : slots_) {
        if (slot.batch_index < 0 || !slot.busy()) continue;
        if (slot.state == SlotState::prefill) {
            if (slot.prompt_done < slot.request().prompt.size()) continue;  // more prompt to read
            if (slot.request().embed) {
                emit_embedding(slot);
                continue;
            }
            slot.prompt_finished = Clock::now();
            slot.state = SlotState::generate;
            if (slot.request().stop.n_predict == 0) {
                finish(slot, StopReason::limit);
                continue;
            }
        }
        if (!slot.draft.empty()) {
            verify_draft(slot);
        } else {
            accept_token(slot, sample(slot, slot.batch_index));
        }
    }
}

Token Scheduler::sample(Slot& slot, int32_t batch_index) {
    const int32_t n_probs = slot.request().n_probs;
    if (n_probs <= 0) return llama_sampler_sample(slot.sampler.get(), ctx_, batch_index);

    // The same steps as llama_sampler_sample, keeping the candidates to report probabilities.
    const float* logits = llama_get_logits_ith(ctx_, batch_index);
    const int32_t n_vocab = info_.n_vocab;
    candidates_.resize(static_cast<size_t>(n_vocab));
    for (int32_t i = 0; i < n_vocab; ++i) candidates_[static_cast<size_t>(i)] = {i, logits[i], 0.0f};
    llama_token_data_array cur = {candidates_.data(), candidates_.size(), -1, false};
    llama_sampler_apply(slot.sampler.get(), &cur);
    const Token token = cur.data[cur.selected].id;
    llama_sampler_accept(slot.sampler.get(), token);

    // Post-sampling probabilities: a softmax over the candidates the chain left, as they stood
    // when the token was drawn (after temperature, truncation, penalties and biases).
    float max_logit = -INFINITY;
    for (size_t i = 0; i < cur.size; ++i) max_logit = std::max(max_logit, cur.data[i].logit);
    std::vector<TokenCandidate> all;
    all.reserve(cur.size);
    double sum = 0.0;
    for (size_t i = 0; i < cur.size; ++i) {
        if (!std::isfinite(cur.data[i].logit)) continue;
        const float e = std::exp(cur.data[i].logit - max_logit);
        all.push_back({cur.data[i].id, e});
        sum += e;
    }
    TokenProbabilities probs;
    probs.token = token;
    for (auto& c : all) {
        c.prob = static_cast<float>(c.prob / sum);
        if (c.token == token) probs.prob = c.prob;
    }
    const size_t n_top = std::min(all.size(), static_cast<size_t>(n_probs));
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n_top), all.end(),
                      [](const TokenCandidate& a, const TokenCandidate& b) { return a.prob > b.prob; });
    probs.top.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n_top));
    slot.probabilities.push_back(std::move(probs));
    return token;
}

void Scheduler::accept_token(Slot& slot, Token token) {
    const auto& request = slot.request();
    if (!request.stop.ignore_eos && vocabulary_.is_end_of_generation(token)) {
        finish(slot, StopReason::eos);
        return;
    }
    slot.generated.push_back(token);
    const bool hit_stop_string = slot.output->append(vocabulary_.piece(token));
    if (request.stream) {
        TokenChunk chunk{token, slot.output->take_sendable(), {}};
        if (request.n_probs > 0) chunk.probabilities.push_back(slot.probabilities.back());
        slot.task->push(std::move(chunk));
    }
    if (hit_stop_string) {
        finish(slot, StopReason::word);
    } else if (request.stop.n_predict > 0 && static_cast<int32_t>(slot.generated.size()) >= request.stop.n_predict) {
        finish(slot, StopReason::limit);
    } else {
        slot.next_input = token;
    }
}

void Scheduler::emit_embedding(Slot& slot) {
    const int32_t n_embd = info_.n_embd;
    auto normalized = [n_embd](const float* v) { return l2_normalized(v, n_embd); };
    EmbeddingResult result;
    result.n_tokens = static_cast<int32_t>(slot.request().prompt.size());
    bool ok = true;
    if (info_.pooling == "none") {
        for (int32_t i = 0; i < result.n_tokens && ok; ++i) {
            const float* v = llama_get_embeddings_ith(ctx_, slot.batch_first + i);
            ok = v != nullptr;
            if (ok) result.vectors.push_back(normalized(v));
        }
    } else {
        const float* v = llama_get_embeddings_seq(ctx_, slot.id);
        ok = v != nullptr;
        if (ok) result.vectors.push_back(normalized(v));
    }
    // Nothing of an embedding input is worth keeping in the cache.
    llama_memory_seq_rm(memory_, slot.id, -1, -1);
    slot.cached.clear();
    slot.self_extend = {};
    if (!ok) return fail(slot, 500, "the model produced no embedding for this input");
    answer_and_release(slot, std::move(result));
}

void Scheduler::finish(Slot& slot, StopReason reason) {
    const auto now = Clock::now();
    if (slot.state == SlotState::prefill) slot.prompt_finished = now;
    slot.output->finish();

    CompletionResult result;
    result.unsent_text = slot.request().stream ? slot.output->take_sendable() : std::string();
    result.content = slot.output->text();
    result.tokens = slot.generated;
    // An end-of-generation token was sampled (with its probabilities) but is not part of the text.
    slot.probabilities.resize(std::min(slot.probabilities.size(), slot.generated.size()));
    result.probabilities = std::move(slot.probabilities);
    result.stop_reason = reason;
    result.stopping_word = slot.output->stopping_word();
    result.truncated = slot.truncated;
    result.n_prompt_tokens = static_cast<int32_t>(slot.request().prompt.size());
    result.tokens_cached = static_cast<int32_t>(slot.cached.size());
    result.id_slot = slot.id;
    result.timings.cache_n = slot.cache_reused;
    result.timings.prompt_n = result.n_prompt_tokens - slot.cache_reused;
    result.timings.prompt_ms = ms_between(slot.started, slot.prompt_finished);
    result.timings.predicted_n = static_cast<int32_t>(slot.generated.size());
    result.timings.predicted_ms = ms_between(slot.prompt_finished, now);
    result.timings.draft_n = slot.n_drafted;
    result.timings.draft_n_accepted = slot.n_draft_accepted;
    metrics_.record_request(static_cast<uint64_t>(result.timings.prompt_n), result.timings.prompt_ms / 1e3,
                            static_cast<uint64_t>(result.timings.predicted_n), result.timings.predicted_ms / 1e3);
    answer_and_release(slot, std::move(result));
}

void Scheduler::fail(Slot& slot, int http_status, const std::string& message) {
    answer_and_release(slot, TaskFailure{http_status, message});
}

void Scheduler::answer_and_release(Slot& slot, TaskEvent last_event) {
    // The slot is free, and published as free, before the client can read its answer: a client
    // that asks /health right after its response must not still see its own request running.
    std::shared_ptr<Task> task = slot.task;
    release(slot);
    publish_status();
    task->push(std::move(last_event));
}

void Scheduler::release(Slot& slot) {
    // The KV cache keeps what was decoded, so the next request can reuse the prefix.
    slot.state = SlotState::idle;
    slot.task.reset();
    slot.sampler.reset();
    slot.output.reset();
    slot.batch_index = -1;
    slot.last_used = step_;
}

void Scheduler::publish_status() {
    std::vector<SlotStatus> statuses;
    statuses.reserve(slots_.size());
    for (const auto& slot : slots_) {
        SlotStatus s;
        s.id = slot.id;
        s.processing = slot.busy();
        s.task_id = slot.busy() ? slot.task->id() : 0;
        s.n_cached = static_cast<int32_t>(slot.cached.size());
        s.n_decoded = static_cast<int32_t>(slot.generated.size());
        s.task = slot.task;
        statuses.push_back(s);
    }
    board_.publish(std::move(statuses));
}

}  // namespace cria
