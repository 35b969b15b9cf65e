#include "api/rerank_api.h"

#include <algorithm>

#include "api/json_fields.h"

namespace cria {

namespace {

std::vector<std::string> document_texts(const json& list, const char* field, const RequestLimits& limits) {
    const std::string shape = std::string("'") + field + "' must be a non-empty array of strings (or {\"text\": ...} objects)";
    if (!list.is_array() || list.empty()) throw invalid_request(shape, field);
    check_limit(list.size(), limits.max_embedding_inputs, field, "documents", "--max-embedding-inputs");
    std::vector<std::string> texts;
    for (const auto& item : list) {
        if (item.is_string()) {
            texts.push_back(item.get<std::string>());
        } else if (item.is_object() && item.contains("text") && item["text"].is_string()) {
            texts.push_back(item["text"].get<std::string>());
        } else {
            throw invalid_request(shape, field);
        }
    }
    return texts;
}

}  // namespace

RerankRequest parse_rerank_request(const json& body, const RequestLimits& limits) {
    RerankRequest r;
    if (!has_field(body, "query")) throw invalid_request("'query' must be provided", "query");
    if (!body.at("query").is_string()) throw invalid_request("'query' must be a string", "query");
    r.query = body.at("query").get<std::string>();
    r.tei = !has_field(body, "documents") && has_field(body, "texts");
    const char* field = r.tei ? "texts" : "documents";
    if (!has_field(body, field)) throw invalid_request("'documents' must be a non-empty array of strings", "documents");
    r.documents = document_texts(body.at(field), field, limits);
    r.top_n = static_cast<size_t>(read_int(body, "top_n", static_cast<int64_t>(r.documents.size()), 0, INT32_MAX));
    r.return_text = read_bool(body, "return_text", false);
    r.model = read_string(body, "model", "");
    return r;
}

void RerankResultFormat::take_embedding(size_t task, EmbeddingResult result) {
    if (results_.size() <= task) results_.resize(task + 1);
    results_[task] = std::move(result);
}

json RerankResultFormat::whole_response() {
    const char* score_label = request_.tei ? "score" : "relevance_score";
    json results = json::array();
    int64_t tokens = 0;
    for (size_t i = 0; i < results_.size(); ++i) {
        const EmbeddingResult& r = results_[i];
        tokens += r.n_tokens;
        const double score = r.vectors.empty() || r.vectors[0].empty() ? -1e6 : r.vectors[0][0];
        json element = {{"index", i}, {score_label, score}};
        if (request_.return_text) {
            if (request_.tei) {
                element["text"] = request_.documents.at(i);
            } else {
                element["document"] = {{"text", request_.documents.at(i)}};
            }
        }
        results.push_back(std::move(element));
    }
    // Best first; equal scores keep the documents' order.
    std::stable_sort(results.begin(), results.end(), [score_label](const json& a, const json& b) {
        return a[score_label].get<double>() > b[score_label].get<double>();
    });
    if (results.size() > request_.top_n) results.erase(results.begin() + static_cast<std::ptrdiff_t>(request_.top_n), results.end());
    if (request_.tei) return results;
    return {{"model", request_.model.empty() ? model_name_ : request_.model},
            {"object", "list"},
            {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}},
            {"results", results}};
}

}  // namespace cria
