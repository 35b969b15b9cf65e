#include "engine/control_vectors.h"

#include <ggml.h>
#include <gguf.h>

#include <cstdlib>
#include <memory>
#include <vector>

namespace cria {

namespace {

struct GgufFree {
    void operator()(gguf_context* ctx) const { gguf_free(ctx); }
};
struct GgmlFree {
    void operator()(ggml_context* ctx) const { ggml_free(ctx); }
};

// The layer of a tensor named "direction.<layer>" (1 and up); 0 for any other name.
int32_t direction_layer(const std::string& name) {
    const std::string prefix = "direction.";
    if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size()) return 0;
    char* end = nullptr;
    const long layer = std::strtol(name.c_str() + prefix.size(), &end, 10);
    return *end == '\0' && layer > 0 && layer < 100000 ? static_cast<int32_t>(layer) : 0;
}

// Adds one file's vectors, times `scale`, into `sum` (n_embd values per layer from layer 1).
bool add_control_vector(const ControlVectorConfig& cv, int32_t n_embd, std::vector<float>* sum, std::string* error) {
    ggml_context* raw_tensors = nullptr;
    gguf_init_params params{/*no_alloc=*/false, &raw_tensors};
    std::unique_ptr<gguf_context, GgufFree> file(gguf_init_from_file(cv.path.c_str(), params));
    std::unique_ptr<ggml_context, GgmlFree> tensors(raw_tensors);
    if (!file) {
        *error = "cannot read the control vector '" + cv.path + "': not a readable GGUF file";
        return false;
    }
    for (int64_t i = 0; i < gguf_get_n_tensors(file.get()); ++i) {
        const std::string name = gguf_get_tensor_name(file.get(), i);
        const int32_t layer = direction_layer(name);
        if (layer == 0) continue;
        const ggml_tensor* t = ggml_get_tensor(tensors.get(), name.c_str());
        if (t == nullptr || t->type != GGML_TYPE_F32 || ggml_nelements(t) != n_embd) {
            *error = "the control vector '" + cv.path + "': tensor " + name + " is not " + std::to_string(n_embd) +
                     " F32 values (the model's embedding width)";
            return false;
        }
        const size_t offset = static_cast<size_t>(layer - 1) * static_cast<size_t>(n_embd);
        if (sum->size() < offset + static_cast<size_t>(n_embd)) sum->resize(offset + static_cast<size_t>(n_embd), 0.0f);
        const auto* values = static_cast<const float*>(t->data);
        for (int32_t k = 0; k < n_embd; ++k) (*sum)[offset + static_cast<size_t>(k)] += cv.scale * values[k];
    }
    return true;
}

}  // namespace

bool apply_control_vectors(const BackendConfig& config, const llama_model* model, llama_context* ctx, std::string* error) {
    if (config.control_vectors.empty()) return true;
    const int32_t n_embd = llama_model_n_embd(model);
    std::vector<float> sum;
    for (const auto& cv : config.control_vectors) {
        if (!add_control_vector(cv, n_embd, &sum, error)) return false;
    }
    if (sum.empty()) {
        *error = "the control vectors hold no direction.<layer> tensors";
        return false;
    }
    const int32_t n_layer = llama_model_n_layer(model);
    const int32_t start = config.control_vector_layer_start < 0 ? 1 : config.control_vector_layer_start;
    const int32_t end = config.control_vector_layer_end < 0 ? n_layer : config.control_vector_layer_end;
    if (llama_set_adapter_cvec(ctx, sum.data(), sum.size(), n_embd, start, end) != 0) {
        *error = "libllama refused the control vectors (layers " + std::to_string(start) + " to " + std::to_string(end) +
                 " of " + std::to_string(n_layer) + "; see its message above)";
        return false;
    }
    return true;
}

}  // namespace cria
