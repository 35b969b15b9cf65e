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
#include <algorithm>
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

// Combines the pooled outputs of an embedding input decoded run by run: the mean weighted by run
// length, the first run's CLS, the last run's LAST; without pooling, each run's per-position
// vectors in order. Every vector returned is normalized as --embd-normalize says.
class EmbeddingPool {
public:
    EmbeddingPool(int32_t n_embd, const std::string& pooling, int32_t normalize)
        : n_embd_(n_embd), normalize_(normalize), pooling_(pooling), sum_(static_cast<size_t>(n_embd), 0.0) {}

    // After the decode of a run of `run` positions (the first run if `first`). False when the
    // model gave no embedding.
    bool add(llama_context* ctx, int32_t seq, size_t run, bool first, std::vector<std::vector<float>>* vectors) {
        if (pooling_ == "none") {
            for (size_t i = 0; i < run; ++i) {
                const float* v = llama_get_embeddings_ith(ctx, static_cast<int32_t>(i));
                if (v == nullptr) return false;
                vectors->push_back(normalized_embedding(v, n_embd_, normalize_));
            }
            return true;
        }
        const float* v = llama_get_embeddings_seq(ctx, seq);
        if (v == nullptr) return false;
        if (!(pooling_ == "mean" || pooling_ == "last" || (pooling_ == "cls" && first))) return true;
        const double weight = pooling_ == "mean" ? static_cast<double>(run) : 1.0;
        total_weight_ = pooling_ == "last" ? weight : total_weight_ + weight;
        for (int32_t k = 0; k < n_embd_; ++k) {
            const double x = weight * v[k];
            sum_[static_cast<size_t>(k)] = pooling_ == "last" ? x : sum_[static_cast<size_t>(k)] + x;
        }
        return true;
    }

    // After the last run: the pooled vector (the weighted mean; one vector for cls and last).
    void finish(std::vector<std::vector<float>>* vectors) const {
        if (pooling_ == "none") return;
        std::vector<float> pooled(sum_.size());
        for (size_t k = 0; k < sum_.size(); ++k) pooled[k] = static_cast<float>(sum_[k] / std::max(total_weight_, 1.0));
        vectors->push_back(normalized_embedding(pooled.data(), n_embd_, normalize_));
    }

private:
    int32_t n_embd_;
    int32_t normalize_;
    double total_weight_ = 0.0;
    const std::string& pooling_;
    std::vector<double> sum_;
};

}  // namespace

bool Scheduler::apply_request_lora(const Slot& slot, std::string* error) {
    // The image's positions are computed under the request's adapters, like its text.
    if (model_.loras.size() == 0) return true;
    if (model_.loras.apply(ctx_, slot.request().lora.value_or(LoraScales{}))) return true;
    *error = "libllama refused the LoRA adapter set";
    return false;
}

Slot* Scheduler::next_image_reader() {
    Slot* next = nullptr;
    for (auto& slot : slots_) {
        if (slot.state != SlotState::prefill || slot.donor >= 0 || slot.request().images.empty()) continue;
        if (!slot.request().embed && image_starting_at(slot.request(), slot.prompt_done) == nullptr) continue;
        if (next == nullptr || admitted_at_[static_cast<size_t>(slot.id)] < admitted_at_[static_cast<size_t>(next->id)]) {
            next = &slot;
        }
    }
    return next;
}

bool Scheduler::decode_image(Slot& slot, const PromptImage& image, ImageOutputs outputs, std::string* error) {
    const bool ok = model_.media->decode_image(ctx_, image, slot.id, kv_.next_position(slot.id), n_batch_, outputs, error);
    if (!ok) return false;
    kv_.decoded();
    const auto& prompt = slot.request().prompt;
    kv_.append_decoded(slot.id, prompt.data() + image.position, prompt.data() + image.position + image.n_positions);
    return true;
}

void Scheduler::encode_image_batch(const Slot& slot, const PromptImage& image) {
    std::vector<const PromptImage*> images{&image};
    auto add_upcoming = [&images](const Slot& reader, size_t from) {
        for (const auto& later : reader.request().images) {
            if (later.position >= from && &later != images.front()) images.push_back(&later);
        }
    };
    add_upcoming(slot, image.position);
    std::vector<const Slot*> others;
    for (const auto& other : slots_) {
        if (&other != &slot && other.state == SlotState::prefill && !other.request().images.empty()) others.push_back(&other);
    }
    std::sort(others.begin(), others.end(), [this](const Slot* a, const Slot* b) {
        return admitted_at_[static_cast<size_t>(a->id)] < admitted_at_[static_cast<size_t>(b->id)];
    });
    for (const Slot* other : others) add_upcoming(*other, other->prompt_done);
    model_.media->encode_images(images);
}

bool Scheduler::decode_next_image() {
    if (!model_.media) return false;
    Slot* next = next_image_reader();
    if (next == nullptr) return false;
    Slot& slot = *next;
    if (slot.request().embed) {
        try {
            embed_with_images(slot);
        } catch (...) {
            fail_from_exception(slot, "computing the embedding of an input with images");
        }
        return false;
    }

    for (auto& s : slots_) s.batch_index = -1;
    const PromptImage& image = *image_starting_at(slot.request(), slot.prompt_done);
    const size_t end = image.position + image.n_positions;
    const bool ends_prompt = end == slot.request().prompt.size();
    std::string error;
    bool ok = false;
    slot.last_batched = step_;
    try {
        encode_image_batch(slot, image);
        ok = apply_request_lora(slot, &error) &&
             decode_image(slot, image, ends_prompt ? ImageOutputs::last : ImageOutputs::none, &error);
    } catch (...) {
        fail_from_exception(slot, "encoding an image");
        return false;
    }
    if (!ok) {
        clear_cache_and_fail(slot, 500, error);
        return false;
    }
    slot.prompt_done = end;
    if (!ends_prompt) return false;
    slot.batch_index = static_cast<int32_t>((image.n_positions - 1) % static_cast<size_t>(n_batch_));
    return true;
}

void Scheduler::embed_with_images(Slot& slot) {
    // The input is decoded run by run (text, image, text, ...) into the slot's sequence; later runs
    // attend to earlier ones through the KV cache, as in one batch. Pooled outputs are those of
    // each decode, so they are combined (EmbeddingPool). The admission checks made the whole input
    // fit one batch, so each run is one llama_decode.
    const auto& prompt = slot.request().prompt;
    if (!kv_.memory_present() || info_.pooling == "rank") {
        return clear_cache_and_fail(slot, 400, "this embedding model cannot take images (its input must be one batch)");
    }
    kv_.clear(slot.id);
    if (std::string error; !apply_request_lora(slot, &error)) return clear_cache_and_fail(slot, 500, error);

    encode_image_batch(slot, slot.request().images.front());
    EmbeddingPool pool(info_.n_embd, info_.pooling, config_.embd_normalize);
    EmbeddingResult result;
    result.n_tokens = static_cast<int32_t>(prompt.size());
    for (size_t pos = 0; pos < prompt.size();) {
        std::string error;
        const size_t run = decode_embedding_run(slot, pos, &error);
        if (run == 0) return clear_cache_and_fail(slot, 500, error);
        if (!pool.add(ctx_, slot.id, run, pos == 0, &result.vectors)) {
            return clear_cache_and_fail(slot, 500, "the model produced no embedding for this input");
        }
        pos += run;
    }
    pool.finish(&result.vectors);
    kv_.clear(slot.id);
    answer_and_release(slot, std::move(result));
}

size_t Scheduler::decode_embedding_run(Slot& slot, size_t pos, std::string* error) {
    const GenerationRequest& request = slot.request();
    if (const PromptImage* image = image_starting_at(request, pos)) {
        return decode_image(slot, *image, ImageOutputs::all, error) ? image->n_positions : 0;
    }
    batch_.n_tokens = 0;
    const size_t end = next_image_start(request, pos);
    for (size_t i = pos; i < end; ++i) add_to_batch(slot, request.prompt[i], /*wants_logits=*/true);
    const int32_t status = decode_tokens();
    batch_.n_tokens = 0;
    if (status == 0) return end - pos;
    *error = "llama_decode failed with status " + std::to_string(status);
    return 0;
}

}  // namespace cria
