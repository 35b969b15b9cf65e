#include "api/embedding_format.h"

#include "api/embedding_api.h"

namespace cria {

using json = nlohmann::json;

void EmbeddingFormat::take_embedding(size_t task, EmbeddingResult result) {
    if (results_.size() <= task) results_.resize(task + 1);
    results_[task] = std::move(result);
}

json EmbeddingFormat::vectors_json(const EmbeddingResult& r) {
    if (r.vectors.size() == 1) return r.vectors[0];
    return r.vectors;
}

json NativeEmbeddingFormat::whole_response() { return {{"embedding", vectors_json(results_.front())}}; }

json OpenAiEmbeddingFormat::whole_response() {
    json data = json::array();
    int64_t tokens = 0;
    for (size_t i = 0; i < results_.size(); ++i) {
        const EmbeddingResult& r = results_[i];
        tokens += r.n_tokens;
        json vector = base64_ && r.vectors.size() == 1 ? json(base64_floats(r.vectors[0])) : vectors_json(r);
        data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", std::move(vector)}});
    }
    return {{"object", "list"},
            {"data", data},
            {"model", model_name_},
            {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}};
}

}  // namespace cria
