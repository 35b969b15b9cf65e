#include "engine/mtp_head.h"

#include "engine/llama_private_api.h"
#include "util/log.h"

namespace cria {

namespace {

class MtpHead : public DraftHead {
public:
    MtpHead(llama_context* main, llama_context_ptr context, int32_t n_embd)
        : main_(main), context_(std::move(context)), n_embd_(n_embd) {}
    ~MtpHead() override { llama_set_embeddings_nextn(main_, false, false); }

    llama_context* context() override { return context_.get(); }
    int32_t n_embd() const override { return n_embd_; }
    int32_t shift() const override { return 0; }
    const float* hidden_states(const llama_batch&) override { return llama_get_embeddings_nextn(main_); }
    std::string name() const override { return "draft-mtp"; }

private:
    llama_context* main_;
    llama_context_ptr context_;  // the MTP context
    int32_t n_embd_;
};

}  // namespace

std::unique_ptr<DraftHead> create_mtp_head(const EngineConfig& config, const LoadedModel& main, std::string* error) {
    llama_model* model = main.model.get();
    llama_context* main_context = main.context.get();
    const std::string what = "--spec-type draft-mtp: '" + config.model_path + "'";
    if (llama_model_n_layer_nextn(model) <= 0) {
        // As llama-server: the start-up fails rather than running without the drafts asked for.
        *error = what + " has no multi-token-prediction (NextN) layers to draft with";
        return nullptr;
    }
    const int32_t n_embd = llama_model_n_embd_out(model);
    if (n_embd != llama_model_n_embd_inp(model)) {
        *error = what + ": its hidden state (" + std::to_string(n_embd) + " wide) does not fit its NextN input (" +
                 std::to_string(llama_model_n_embd_inp(model)) + ")";
        return nullptr;
    }

    // The MTP context mirrors the main one: one sequence per slot, the same room per sequence.
    llama_context_params params = llama_context_default_params();
    params.ctx_type = LLAMA_CONTEXT_TYPE_MTP;
    params.n_ctx = llama_n_ctx(main_context);
    params.n_batch = llama_n_batch(main_context);
    params.n_ubatch = llama_n_ubatch(main_context);
    params.n_seq_max = llama_n_seq_max(main_context);
    params.n_threads = llama_n_threads(main_context);
    params.n_threads_batch = llama_n_threads_batch(main_context);
    params.kv_unified = config.kv_unified;
    params.no_perf = true;
    llama_context_ptr context(llama_init_from_model(model, params));
    if (!context) {
        *error = what + ": libllama could not create the context of its NextN layers";
        return nullptr;
    }
    // Every row of a main decode gives its hidden state (the rows without logits too: each is the
    // input of the row after it). The MTP context's rows too, though only those with logits are
    // read: libllama 0.7's masked mode keeps the batch's first rows rather than its rows with
    // logits, so llama_get_embeddings_nextn_ith() would give a wrong row wherever rows without
    // logits come first (the rows caught up before a slot's next input, in the same decode).
    llama_set_embeddings_nextn(main_context, true, /*masked=*/false);
    llama_set_embeddings_nextn(context.get(), true, /*masked=*/false);
    log_info("draft-mtp: " + std::to_string(llama_model_n_layer_nextn(model)) + " NextN layer(s), context of " +
             std::to_string(llama_n_ctx(context.get())) + " tokens");
    return std::make_unique<MtpHead>(main_context, std::move(context), n_embd);
}

}  // namespace cria
