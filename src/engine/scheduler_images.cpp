// The scheduler's multimodal steps: images in prompts (see multimodal.h for the prompt's shape).
//
// A llama_batch holds tokens or embeddings, never both, so an image's embeddings are decoded in a
// llama_decode of their own, before the step's token batch: one image per step, for the reader
// admitted first among those that have reached an image. Generating slots therefore lose at most
// one image's decode between two tokens, and a prompt's text before an image is always decoded
// (in earlier steps) before the image itself. When an image ends a prompt, its last position's
// logits are sampled right away, before the token batch overwrites them.
//
// Caches and prefix sharing need nothing special: image positions hold content-derived
// placeholder tokens, and a reused prefix never ends inside an image
// (image_boundary_at_or_before), so an image is always decoded whole.
#include <cmath>

#include "engine/scheduler.h"

namespace cria {

namespace {

const PromptImage* image_starting_at(const GenerationRequest& request, size_t position) {
    for (const auto& image : request.images) {
        if (image.position == position) return &image;
    }
    return nullptr;
}

}  // namespace

bool Scheduler::apply_request_lora(const Slot& slot, std::string* error) {
    // The image's positions are computed under the request's adapters, like its text.
    if (model_.loras.size() == 0) return true;
    if (model_.loras.apply(ctx_, slot.request().lora.value_or(LoraScales{}))) return true;
    *error = "libllama refused the LoRA adapter set";
    return false;
}

bool Scheduler::decode_next_image() {
    if (!model_.media) return false;
    Slot* next = nullptr;
    for (auto& slot : slots_) {
        if (slot.state != SlotState::prefill || slot.donor >= 0 || slot.request().images.empty()) continue;
        if (!slot.request().embed && image_starting_at(slot.request(), slot.prompt_done) == nullptr) continue;
        if (next == nullptr || admitted_at_[static_cast<size_t>(slot.id)] < admitted_at_[static_cast<size_t>(next->id)]) {
            next = &slot;
        }
    }
    if (next == nullptr) return false;
    Slot& slot = *next;
    if (slot.request().embed) {
        embed_with_images(slot);
        return false;
    }

    for (auto& s : slots_) s.batch_index = -1;
    const auto& prompt = slot.request().prompt;
    const PromptImage& image = *image_starting_at(slot.request(), slot.prompt_done);
    const size_t end = image.position + image.n_positions;
    const bool ends_prompt = end == prompt.size();
    std::string error;
    const bool ok = apply_request_lora(slot, &error) &&
                    model_.media->decode_image(ctx_, image, slot.id, static_cast<int32_t>(slot.cached.size()), n_batch_,
                                               ends_prompt ? ImageOutputs::last : ImageOutputs::none, &error);
    slot.last_batched = step_;
    for (auto& s : slots_) s.copy_pending = false;  // any decode applies pending stream copies
    if (!ok) {
        llama_memory_seq_rm(memory_, slot.id, -1, -1);
        slot.cached.clear();
        fail(slot, 500, error);
        return false;
    }
    slot.cached.insert(slot.cached.end(), prompt.begin() + static_cast<std::ptrdiff_t>(image.position),
                       prompt.begin() + static_cast<std::ptrdiff_t>(end));
    slot.prompt_done = end;
    if (!ends_prompt) return false;
    slot.batch_index = static_cast<int32_t>((image.n_positions - 1) % static_cast<size_t>(n_batch_));
    return true;
}

void Scheduler::embed_with_images(Slot& slot) {
    // The input is decoded run by run (text, image, text, ...) into the slot's sequence; later runs
    // attend to earlier ones through the KV cache, as in one batch. Pooled outputs are those of
    // each decode, so they are combined: the mean weighted by run length, the first run's CLS, the
    // last run's LAST; without pooling, each run's per-position vectors in order. The admission
    // checks made the whole input fit one batch, so each run is one llama_decode.
    const GenerationRequest& request = slot.request();
    const auto& prompt = request.prompt;
    const int32_t n_embd = info_.n_embd;
    const std::string& pooling = info_.pooling;
    auto give_up = [&](int status, const std::string& message) {
        llama_memory_seq_rm(memory_, slot.id, -1, -1);
        slot.cached.clear();
        fail(slot, status, message);
    };
    if (memory_ == nullptr || pooling == "rank") {
        return give_up(400, "this embedding model cannot take images (its input must be one batch)");
    }
    llama_memory_seq_rm(memory_, slot.id, -1, -1);
    slot.cached.clear();
    if (std::string error; !apply_request_lora(slot, &error)) return give_up(500, error);

    std::vector<double> sum(static_cast<size_t>(n_embd), 0.0);
    EmbeddingResult result;
    result.n_tokens = static_cast<int32_t>(prompt.size());
    size_t pos = 0;
    while (pos < prompt.size()) {
        const PromptImage* image = image_starting_at(request, pos);
        size_t run = 0;
        if (image != nullptr) {
            std::string error;
            const bool ok = model_.media->decode_image(ctx_, *image, slot.id, static_cast<int32_t>(pos), n_batch_,
                                                      ImageOutputs::all, &error);
            for (auto& s : slots_) s.copy_pending = false;
            if (!ok) return give_up(500, error);
            run = image->n_positions;
            slot.cached.insert(slot.cached.end(), prompt.begin() + static_cast<std::ptrdiff_t>(pos),
                               prompt.begin() + static_cast<std::ptrdiff_t>(pos + run));
        } else {
            batch_.n_tokens = 0;
            const size_t end = next_image_start(request, pos);
            for (size_t i = pos; i < end; ++i) add_to_batch(slot, prompt[i], /*wants_logits=*/true);
            run = end - pos;
            const int32_t status = llama_decode(ctx_, batch_);
            batch_.n_tokens = 0;
            for (auto& s : slots_) s.copy_pending = false;
            if (status != 0) return give_up(500, "llama_decode failed with status " + std::to_string(status));
        }
        if (pooling == "none") {
            for (size_t i = 0; i < run; ++i) {
                const float* v = llama_get_embeddings_ith(ctx_, static_cast<int32_t>(i));
                if (v == nullptr) return give_up(500, "the model produced no embedding for this input");
                result.vectors.push_back(l2_normalized(v, n_embd));
            }
        } else {
            const float* v = llama_get_embeddings_seq(ctx_, slot.id);
            if (v == nullptr) return give_up(500, "the model produced no embedding for this input");
            const bool take = pooling == "mean" || pooling == "last" || (pooling == "cls" && pos == 0);
            if (take) {
                const double weight = pooling == "mean" ? static_cast<double>(run) : 1.0;
                for (int32_t k = 0; k < n_embd; ++k) {
                    const double x = weight * v[k];
                    sum[static_cast<size_t>(k)] = pooling == "last" ? x : sum[static_cast<size_t>(k)] + x;
                }
            }
        }
        pos += run;
    }
    if (pooling != "none") {
        std::vector<float> pooled(sum.begin(), sum.end());
        result.vectors.push_back(l2_normalized(pooled.data(), n_embd));  // the mean's divisor cancels out
    }
    llama_memory_seq_rm(memory_, slot.id, -1, -1);
    slot.cached.clear();
    answer_and_release(slot, std::move(result));
}

}  // namespace cria
