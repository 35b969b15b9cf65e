#include "engine/dflash_drafter.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "engine/draft_engine_config.h"
#include "engine/kv/llama_kv_memory.h"
#include "engine/llama_private_api.h"
#include "util/log.h"

namespace cria {

namespace {

constexpr size_t kTopK = 10;  // llama-server's draft sampler keeps the 10 most likely tokens

// A metadata value of the draft model ("" when absent).
std::string meta(const llama_model* model, const char* key) {
    char buf[64] = {};
    if (llama_model_meta_val_str(model, key, buf, sizeof(buf)) < 0) return "";
    return buf;
}

}  // namespace

std::unique_ptr<DflashDrafter> DflashDrafter::create(const EngineConfig& config, const LoadedModel& main, bool dspark,
                                                     std::string* error) {
    // The draft options (-ngld, -td, -devd, -otd, -ctkd, ...) apply as to any draft model. A
    // warm-up decode would be a block without its rows: none.
    EngineConfig draft_config = draft_engine_config(config);
    draft_config.warmup = false;
    // Its rows sit at the main context's positions: as much room, unless -cd says otherwise.
    if (config.speculative.n_ctx_draft <= 0) draft_config.n_ctx = static_cast<int32_t>(llama_n_ctx(main.context.get()));
    const std::string kind = dspark ? "draft-dspark" : "draft-dflash";
    const std::string what = "--spec-type " + kind + ": draft model '" + draft_config.model_path + "'";
    if (draft_config.model_path.empty()) {
        *error = "--spec-type " + kind + " needs a draft model: give --model-draft FNAME";
        return nullptr;
    }
    std::unique_ptr<DflashDrafter> d(new DflashDrafter());
    d->dspark_ = dspark;
    d->draft_ = std::make_unique<LoadedModel>();
    EngineInfo info;
    std::string why;
    if (!load_model(draft_config, d->draft_.get(), &info, &why, nullptr, main.context.get())) {
        *error = draft_load_error(why);
        return nullptr;
    }
    d->context_ = d->draft_->context.get();
    if (!d->read_metadata(main, what, error)) return nullptr;
    const llama_model* model = d->draft_->model.get();
    llama_context* main_context = main.context.get();
    // A block's tokens see each other both ways, unless the model says it was trained causal.
    llama_set_causal_attn(d->context_, meta(model, "dflash.attention.causal") == "true");
    for (const uint32_t il : d->target_layers_) llama_set_embeddings_layer_inp(main_context, il, true);
    // DSpark's confidence of each row comes back as the row's hidden state (rows with logits only).
    if (dspark) llama_set_embeddings_nextn(d->context_, true, /*masked=*/true);
    if (dspark && meta(model, "dflash.has_confidence_head") == "false") {
        // llama-server refuses to start unless --spec-draft-p-min is 0; here p_min is the request's.
        log_warn("draft-dspark: the draft model has no confidence head: p_min does not shorten its drafts");
    }
    d->main_ = main_context;
    d->n_batch_ = static_cast<int32_t>(llama_n_batch(d->context_));
    d->n_slots_ = std::max(1, config.n_parallel);
    d->batch_ = llama_batch_ext_init(d->context_);
    d->rows_.resize(static_cast<size_t>(d->n_slots_));
    if (d->batch_ == nullptr) {
        *error = what + ": libllama gave no batch for its context";
        return nullptr;
    }
    const std::string problem = d->check(main);
    if (!problem.empty()) {
        *error = what + ": " + problem;
        return nullptr;
    }
    log_info(kind + ": block of " + std::to_string(d->block_size_) + " tokens, reading " +
             std::to_string(d->target_layers_.size()) + " layer(s) of the main model, context of " +
             std::to_string(llama_n_ctx(d->context_)) + " tokens");
    return d;
}

bool DflashDrafter::read_metadata(const LoadedModel& main, const std::string& what, std::string* error) {
    const llama_model* model = draft_->model.get();
    const llama_model* main_model = main.model.get();
    const std::string arch = meta(model, "general.architecture");
    const uint32_t n_targets = llama_model_target_layer_ids_n(model);
    if (arch != "dflash" || n_targets == 0) {
        *error = what + " is not a DFlash draft (architecture '" + arch + "')";
        return false;
    }
    if (llama_model_dflash_selector_top_k(model) > 0) {
        *error = what + " is a DFlash2 draft (with a candidate selector), which cria does not run";
        return false;
    }
    const int32_t n_layer_main = llama_model_n_layer(main_model);
    const int32_t* ids = llama_model_target_layer_ids(model);
    for (uint32_t k = 0; k < n_targets; ++k) {
        // An id equal to the main model's layer count (its final hidden state, which newer
        // llama.cpp reads another way) is refused too: libllama 0.7 keeps no input of a layer past
        // the last, and its llama-server aborts on such a draft at the first decode.
        if (ids[k] < 0 || ids[k] >= n_layer_main) {
            *error = what + " reads layer " + std::to_string(ids[k]) + " of the main model, which has " +
                     std::to_string(n_layer_main);
            return false;
        }
        target_layers_.push_back(static_cast<uint32_t>(ids[k]));
    }
    n_embd_main_ = llama_model_n_embd(main_model);
    mask_ = llama_vocab_mask(llama_model_get_vocab(model));
    const std::string block = meta(model, "dflash.block_size");
    if (dspark_ && block.empty()) {
        // libllama's DSpark graph asserts (aborts) without it.
        *error = what + " has no dflash.block_size, which a DSpark draft needs";
        return false;
    }
    block_size_ = block.empty() ? 16 : std::atoi(block.c_str());  // llama-server's default
    n_vocab_ = llama_vocab_n_tokens(main.vocab);
    n_embd_draft_ = llama_model_n_embd(model);
    // A DSpark draft trained with the block's first row as a guess (the default) drafts from it too.
    const std::string from_anchor = meta(model, "dflash.sample_from_anchor");
    anchor_drafts_ = dspark_ && (from_anchor.empty() || from_anchor == "true");
    if (mask_ < 0 || mask_ >= n_vocab_ || block_size_ < 2) {
        *error = what + " has no mask token or no block of at least 2 tokens";
        return false;
    }
    return true;
}

std::string DflashDrafter::check(const LoadedModel& main) {
    // One token through the main model, its row into the draft context, one block: what drafting
    // relies on, checked before anything else uses either context (both are emptied again).
    llama_context* main_context = main.context.get();
    const Token probe = llama_vocab_bos(main.vocab) != LLAMA_TOKEN_NULL ? llama_vocab_bos(main.vocab) : 0;
    llama_batch one = llama_batch_init(1, 0, 1);
    one.n_tokens = 1;
    one.token[0] = probe;
    one.pos[0] = 0;
    one.n_seq_id[0] = 1;
    one.seq_id[0][0] = 0;
    one.logits[0] = 1;
    std::string problem;
    if (llama_decode(main_context, one) != 0) {
        problem = "a one-token decode of the main model failed";
    } else {
        for (const uint32_t il : target_layers_) {
            if (llama_get_embeddings_layer_inp(main_context, il) == nullptr) {
                problem = "libllama gave no hidden state of the main model's layer " + std::to_string(il);
            }
        }
    }
    if (problem.empty()) {
        rows_[0].clear();
        inject(one, nullptr);
        std::vector<Token> history = {probe, probe};
        DraftJob job;
        job.seq = 0;
        job.history = &history;
        job.n_max = 1;
        std::vector<DraftJob*> jobs = {&job};
        draft(jobs);
        if (rows_[0].size() != 1 || job.draft.size() != 1) problem = "a decode of the draft model gave no draft";
    }
    llama_batch_free(one);
    LlamaKvMemory(main_context).seq_rm(0, -1, -1);
    truncate(0, 0);
    return problem;
}

DflashDrafter::~DflashDrafter() {
    if (main_ != nullptr) {
        for (const uint32_t il : target_layers_) llama_set_embeddings_layer_inp(main_, il, false);
    }
    if (batch_ != nullptr) llama_batch_ext_free(batch_);
}

void DflashDrafter::truncate(int32_t seq, size_t from) {
    auto& rows = rows_[static_cast<size_t>(seq)];
    if (rows.size() <= from) return;
    LlamaKvMemory(context_).seq_rm(seq, static_cast<llama_pos>(from), -1);
    rows.resize(from);
}

bool DflashDrafter::process(const std::vector<int32_t>& seqs) {
    const int32_t status = llama_process(context_, LLAMA_PROCESS_TYPE_DECODE, batch_);
    llama_batch_ext_clear(batch_);
    if (status != 0) {
        // What the failed batch left in the cache is unknown: those sequences start afresh.
        log_warn("draft-dflash/dspark: a decode of the draft model failed (" + std::to_string(status) + ")");
        for (const int32_t seq : seqs) {
            LlamaKvMemory(context_).seq_rm(seq, -1, -1);
            rows_[static_cast<size_t>(seq)].clear();
        }
    }
    return status == 0;
}

void DflashDrafter::observe(const llama_batch& batch, const KvCache& main_kv) { inject(batch, &main_kv); }

void DflashDrafter::inject(const llama_batch& batch, const KvCache* main_kv) {
    if (batch.token == nullptr || batch.n_tokens <= 0) return;  // an image's embeddings: not mirrored
    std::vector<const float*> layers;
    for (const uint32_t il : target_layers_) {
        const float* rows = llama_get_embeddings_layer_inp(main_, il);
        if (rows == nullptr) return;
        layers.push_back(rows);
    }
    // Each slot's rows: consecutive positions (its next input then its draft, or a prompt chunk).
    std::vector<std::vector<int32_t>> mine(static_cast<size_t>(n_slots_));
    for (int32_t i = 0; i < batch.n_tokens; ++i) {
        const llama_seq_id seq = batch.seq_id[i][0];
        if (seq >= 0 && seq < n_slots_) mine[static_cast<size_t>(seq)].push_back(i);
    }
    std::vector<int32_t> seqs;
    std::vector<std::pair<int32_t, llama_pos>> added;  // (sequence, position) of each draft row
    features_.clear();
    for (int32_t seq = 0; seq < n_slots_; ++seq) {
        if (mine[static_cast<size_t>(seq)].empty()) continue;
        collect(batch, layers, seq, mine[static_cast<size_t>(seq)], main_kv, &added);
        seqs.push_back(seq);
    }
    feed(added, seqs);
}

void DflashDrafter::collect(const llama_batch& batch, const std::vector<const float*>& layers, int32_t seq,
                            const std::vector<int32_t>& list, const KvCache* main_kv,
                            std::vector<std::pair<int32_t, llama_pos>>* added) {
    const size_t width = target_layers_.size() * static_cast<size_t>(n_embd_main_);
    const llama_pos first = batch.pos[list.front()];
    // Rows from `first` on are replaced; rows before it stay while the main cache holds the
    // same tokens there (a context shift or another prompt drops them).
    auto& rows = rows_[static_cast<size_t>(seq)];
    size_t keep = std::min(rows.size(), static_cast<size_t>(first));
    for (size_t p = 0; p < keep && main_kv != nullptr; ++p) {
        const auto& tokens = main_kv->tokens(seq);
        if (rows[p] >= 0 && (p >= tokens.size() || tokens[p] != rows[p])) {
            keep = p;
            break;
        }
    }
    truncate(seq, keep);
    // Positions the main model decoded while this sequence's rows were dropped (a context
    // shift, a failed decode here): rows of zeros, as libllama wants a sequence's positions
    // consecutive. The drafts are worse for it, never wrong: the main model verifies them.
    while (rows.size() < static_cast<size_t>(first)) {
        features_.insert(features_.end(), width, 0.0f);
        added->emplace_back(seq, static_cast<llama_pos>(rows.size()));
        rows.push_back(-1);
    }
    for (size_t k = 0; k < list.size(); ++k) {
        const int32_t i = list[k];
        if (batch.pos[i] != first + static_cast<llama_pos>(k)) break;  // not consecutive: stop there
        for (const float* layer : layers) {
            const float* row = layer + static_cast<size_t>(i) * static_cast<size_t>(n_embd_main_);
            features_.insert(features_.end(), row, row + n_embd_main_);
        }
        added->emplace_back(seq, batch.pos[i]);
        rows.push_back(batch.token[i]);
    }
}

void DflashDrafter::feed(const std::vector<std::pair<int32_t, llama_pos>>& added, const std::vector<int32_t>& seqs) {
    const size_t width = target_layers_.size() * static_cast<size_t>(n_embd_main_);
    // features_ is complete (it no longer moves) before the first row goes into libllama's batch.
    for (size_t r = 0; r < added.size(); ++r) {
        if (r > 0 && r % static_cast<size_t>(n_batch_) == 0 && !process(seqs)) return;
        const llama_embd embd{features_.data() + r * width, 1, width};
        const int32_t idx = llama_batch_ext_add_embd(batch_, added[r].first, embd);
        if (idx < 0) {
            log_warn("draft-dflash: the draft context refused a row of the main model's states");
            llama_batch_ext_clear(batch_);
            for (const int32_t seq : seqs) truncate(seq, 0);
            return;
        }
        llama_batch_ext_set_pos(batch_, idx, &added[r].second);
        llama_batch_ext_set_output_embd(batch_, idx, false);
    }
    process(seqs);
}

Token DflashDrafter::history_last(const DraftJob& job) { return job.history->back(); }

Token DflashDrafter::best_token(int32_t i, float p_min) const {
    const float* logits = llama_get_logits_ith(context_, i);
    if (logits == nullptr) return -1;
    // The most likely tokens, best first (ties: the lower id), and the best one's probability among them.
    std::vector<std::pair<float, Token>> top;
    top.reserve(kTopK + 1);
    for (Token t = 0; t < n_vocab_; ++t) {
        if (top.size() == kTopK && logits[t] <= top.back().first) continue;
        auto at = std::upper_bound(top.begin(), top.end(), logits[t],
                                   [](float v, const std::pair<float, Token>& e) { return v > e.first; });
        top.insert(at, {logits[t], t});
        if (top.size() > kTopK) top.pop_back();
    }
    if (p_min > 0.0f) {
        double sum = 0.0;
        for (const auto& e : top) sum += std::exp(static_cast<double>(e.first - top.front().first));
        if (1.0 / sum < p_min) return -1;
    }
    return top.front().second;
}

std::vector<DflashDrafter::Block> DflashDrafter::plan(std::vector<DraftJob*>& jobs) {
    std::vector<Block> blocks;
    const int64_t n_ctx_seq = static_cast<int64_t>(llama_n_ctx_seq(context_));
    const int32_t extra = anchor_drafts_ ? 0 : 1;
    // Every drafting slot's block fits its share of the batch.
    const int32_t fit = n_batch_ / std::max(1, static_cast<int32_t>(jobs.size())) - extra;
    for (auto* job : jobs) {
        job->draft.clear();
        job->q.clear();
        const auto& history = *job->history;
        if (history.empty() || job->seq < 0 || job->seq >= n_slots_) continue;
        const size_t n = history.size() - 1;
        const Token last = history[n];
        // As llama-server, a block of the request's size whatever room is left for its drafts (the
        // guesses depend on the block's size): the draft is cut to that room afterwards.
        const int32_t n_block = static_cast<int32_t>(std::min<int64_t>(
            {std::max(job->n_max, job->n_max_request), max_draft(), fit, n_ctx_seq - static_cast<int64_t>(n) - extra}));
        if (job->n_max < 1 || n_block < 1 || last < 0 || last >= n_vocab_) continue;
        // Rows from the next input on are a rejected draft's, or nothing; without every row before
        // it (a decode here failed since) the block could not go in.
        truncate(job->seq, n);
        if (rows_[static_cast<size_t>(job->seq)].size() != n) continue;
        blocks.push_back({job, n, n_block});
    }
    return blocks;
}

void DflashDrafter::draft(std::vector<DraftJob*>& jobs) {
    std::vector<Block> blocks = plan(jobs);
    // llama-server decodes all blocks at once. A DSpark draft's Markov head in libllama needs the
    // blocks of one micro-batch of one size (else it aborts): blocks go by size, a micro-batch's
    // worth at a time (the same guesses: a block sees only its own sequence).
    std::stable_sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) { return a.n < b.n; });
    const int32_t n_ubatch = static_cast<int32_t>(llama_n_ubatch(context_));
    const int32_t extra = anchor_drafts_ ? 0 : 1;
    for (size_t begin = 0; begin < blocks.size();) {
        size_t end = begin;
        const size_t most = static_cast<size_t>(std::max(1, n_ubatch / (blocks[begin].n + extra)));
        while (end < blocks.size() && end - begin < most && blocks[end].n == blocks[begin].n) ++end;
        run(blocks, begin, end);
        // The blocks leave the cache: their rows are guesses, not the main model's states.
        for (size_t k = begin; k < end; ++k) {
            LlamaKvMemory(context_).seq_rm(blocks[k].job->seq, static_cast<llama_pos>(blocks[k].at), -1);
        }
        begin = end;
    }
}

void DflashDrafter::run(std::vector<Block>& blocks, size_t begin, size_t end) {
    // A block's rows: the next input, then a mask per draft token; a DSpark block whose first row
    // gives the first draft token (sample_from_anchor) has one row less.
    const int32_t extra = anchor_drafts_ ? 0 : 1;
    llama_batch_ext_clear(batch_);
    std::vector<int32_t> seqs;
    for (size_t k = begin; k < end; ++k) {
        Block& b = blocks[k];
        for (int32_t i = 0; i < b.n + extra; ++i) {
            const int32_t idx = llama_batch_ext_add_token(batch_, b.job->seq, i == 0 ? history_last(*b.job) : mask_);
            if (idx < 0) {
                llama_batch_ext_clear(batch_);
                return;
            }
            const llama_pos pos = static_cast<llama_pos>(b.at) + i;
            llama_batch_ext_set_pos(batch_, idx, &pos);
            llama_batch_ext_set_output_logits(batch_, idx, true);
            if (i == 0) b.first = idx;
        }
        seqs.push_back(b.job->seq);
    }
    if (!process(seqs)) return;
    // DSpark's confidence of each row (its hidden-state row's first value), for p_min.
    const float* confidence = dspark_ ? llama_get_embeddings_nextn(context_) : nullptr;
    for (size_t k = begin; k < end; ++k) {
        Block& b = blocks[k];
        for (int32_t i = 0; i < std::min(b.n, b.job->n_max); ++i) {
            const int32_t row = b.first + extra + i;
            Token best = -1;
            if (dspark_) {
                if (b.job->p_min > 0.0f && confidence != nullptr &&
                    confidence[static_cast<size_t>(row) * static_cast<size_t>(n_embd_draft_)] < b.job->p_min) {
                    break;
                }
                best = best_token(row, 0.0f);
            } else {
                best = best_token(row, b.job->p_min);
            }
            if (best < 0) break;
            b.job->draft.push_back(best);
        }
    }
}

}  // namespace cria
