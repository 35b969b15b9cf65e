#include "engine/eagle3_head.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "engine/draft_engine_config.h"
#include "engine/llama_private_api.h"
#include "util/log.h"

namespace cria {

namespace {

class Eagle3Head : public DraftHead {
public:
    Eagle3Head(llama_context* main, std::unique_ptr<LoadedModel> draft, std::vector<int32_t> layers)
        : main_(main), draft_(std::move(draft)), layers_(std::move(layers)) {
        n_layer_main_ = llama_model_n_layer(llama_get_model(main_));
        n_embd_main_ = llama_model_n_embd(llama_get_model(main_));
        n_embd_ = llama_model_n_embd(draft_->model.get());
        set_main_outputs(true);
        llama_set_embeddings_nextn(draft_->context.get(), true, /*masked=*/false);
    }
    ~Eagle3Head() override { set_main_outputs(false); }

    llama_context* context() override { return draft_->context.get(); }
    int32_t n_embd() const override { return n_embd_; }
    int32_t shift() const override { return 1; }
    std::string name() const override { return "draft-eagle3"; }

    const float* hidden_states(const llama_batch& batch) override {
        const size_t n = static_cast<size_t>(batch.n_tokens);
        const size_t width = static_cast<size_t>(n_embd_main_);
        const size_t n_in = layers_.size() * width;
        // Each row's input of fc: the kept layer inputs side by side, in the GGUF's order.
        features_.resize(n * n_in);
        for (size_t k = 0; k < layers_.size(); ++k) {
            const float* rows = layers_[k] < n_layer_main_
                                    ? llama_get_embeddings_layer_inp(main_, static_cast<unsigned int>(layers_[k]))
                                    : llama_get_embeddings_nextn(main_);
            if (rows == nullptr) return nullptr;
            for (size_t i = 0; i < n; ++i) {
                std::memcpy(features_.data() + i * n_in + k * width, rows + i * width, width * sizeof(float));
            }
        }
        // fc, as the draft context's encoder, one physical batch at a time (llama_encode takes no more).
        llama_context* context = draft_->context.get();
        const size_t step = std::max<size_t>(1, llama_n_ubatch(context));
        const size_t out = static_cast<size_t>(n_embd_);
        g_.resize(n * out);
        for (size_t i = 0; i < n; i += step) {
            const size_t chunk = std::min(step, n - i);
            llama_batch encode = {};
            encode.n_tokens = static_cast<int32_t>(chunk);
            encode.embd = features_.data() + i * n_in;
            if (llama_encode(context, encode) != 0) {
                log_warn("draft-eagle3: the draft model's fc projection failed");
                return nullptr;
            }
            const float* g = llama_get_embeddings_nextn(context);
            if (g == nullptr) return nullptr;
            std::memcpy(g_.data() + i * out, g, chunk * out * sizeof(float));
        }
        return g_.data();
    }

private:
    void set_main_outputs(bool on) {
        for (const int32_t layer : layers_) {
            if (layer < n_layer_main_) {
                llama_set_embeddings_layer_inp(main_, static_cast<unsigned int>(layer), on);
            } else {
                llama_set_embeddings_nextn(main_, on, /*masked=*/false);
            }
        }
    }

    llama_context* main_;
    std::unique_ptr<LoadedModel> draft_;
    std::vector<int32_t> layers_;
    int32_t n_layer_main_ = 0;
    int32_t n_embd_main_ = 0;
    int32_t n_embd_ = 0;
    std::vector<float> features_;  // scratch: fc's inputs
    std::vector<float> g_;         // fc's outputs, one row per main row
};

}  // namespace

std::unique_ptr<DraftHead> create_eagle3_head(const EngineConfig& config, const LoadedModel& main, std::string* error) {
    if (config.speculative.draft_model_path.empty()) {
        *error = "--spec-type draft-eagle3 needs an EAGLE-3 draft model (-md FILE or -hfd REPO)";
        return nullptr;
    }
    EngineConfig draft_config = draft_engine_config(config);
    // A warm-up decode feeds tokens alone, which the EAGLE-3 decoder cannot take.
    draft_config.warmup = false;
    // Its rows sit at the main context's positions: as much room, unless -cd says otherwise.
    if (config.speculative.n_ctx_draft <= 0) draft_config.n_ctx = static_cast<int32_t>(llama_n_ctx(main.context.get()));
    auto draft = std::make_unique<LoadedModel>();
    EngineInfo info;
    std::string why;
    if (!load_model(draft_config, draft.get(), &info, &why, nullptr, main.context.get())) {
        *error = draft_load_error(why);
        return nullptr;
    }
    const std::string what = "--spec-type draft-eagle3: draft model '" + draft_config.model_path + "'";
    const llama_model* model = draft->model.get();
    const llama_model* main_model = main.model.get();
    const unsigned int n_layers = llama_model_target_layer_ids_n(model);
    const int32_t* ids = llama_model_target_layer_ids(model);
    char arch[64] = {};
    llama_model_meta_val_str(model, "general.architecture", arch, sizeof(arch));
    if (std::string(arch) != "eagle3" || n_layers != 3 || ids == nullptr) {
        *error = what + " is not an EAGLE-3 model (architecture '" + arch + "')";
        return nullptr;
    }
    std::vector<int32_t> layers(ids, ids + n_layers);
    const int32_t n_layer_main = llama_model_n_layer(main_model);
    for (const int32_t layer : layers) {
        if (layer < 0 || layer > n_layer_main) {
            *error = what + " reads layer " + std::to_string(layer) + ", but the main model has " +
                     std::to_string(n_layer_main) + " layers";
            return nullptr;
        }
    }
    // fc reads the three layer inputs side by side: the main model must be as wide as the one the
    // draft model was made for (libllama would abort on the shapes in the first projection).
    char target_width[32] = {};
    if (llama_model_meta_val_str(model, "eagle3.target_hidden_size", target_width, sizeof(target_width)) > 0 &&
        std::atoi(target_width) != llama_model_n_embd(main_model)) {
        *error = what + " was made for a main model " + target_width + " wide; this one is " +
                 std::to_string(llama_model_n_embd(main_model));
        return nullptr;
    }
    // Its logits index the main model's tokens (a smaller draft vocabulary is mapped back in its graph).
    if (llama_vocab_n_tokens(draft->vocab) != llama_vocab_n_tokens(main.vocab)) {
        *error = what + " has " + std::to_string(llama_vocab_n_tokens(draft->vocab)) + " tokens, the main model " +
                 std::to_string(llama_vocab_n_tokens(main.vocab));
        return nullptr;
    }
    log_info("draft-eagle3: '" + draft_config.model_path + "' reads layers " + std::to_string(layers[0]) + ", " +
             std::to_string(layers[1]) + ", " + std::to_string(layers[2]) + " of the main model; context of " +
             std::to_string(llama_n_ctx(draft->context.get())) + " tokens");
    return std::make_unique<Eagle3Head>(main.context.get(), std::move(draft), std::move(layers));
}

}  // namespace cria
