#include "frontend/rerank_prompt.h"

#include <algorithm>

namespace cria {

namespace {

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
}

}  // namespace

std::vector<Token> rerank_pair_tokens(const Tokenizer& tokenizer, const RerankFormat& format, const std::string& query,
                                      const std::string& document) {
    if (!format.prompt_template.empty()) {
        std::string prompt = format.prompt_template;
        replace_all(prompt, "{query}", query);
        replace_all(prompt, "{document}", document);
        return tokenizer.tokenize(prompt, /*add_special=*/false, /*parse_special=*/true);
    }
    std::vector<Token> tokens;
    if (format.add_bos) tokens.push_back(format.bos);
    const auto q = tokenizer.tokenize(query, false, false);
    tokens.insert(tokens.end(), q.begin(), q.end());
    if (format.add_eos) tokens.push_back(format.eos);
    if (format.add_sep) tokens.push_back(format.sep);
    const auto d = tokenizer.tokenize(document, false, false);
    tokens.insert(tokens.end(), d.begin(), d.end());
    if (format.add_eos) tokens.push_back(format.eos);
    return tokens;
}

std::vector<GenerationRequest> prepare_rerank(const FrontendModel& model, const RerankFormat& format,
                                              const RerankRequest& request) {
    const int32_t limit = std::min(model.n_ubatch, model.n_ctx_slot - 1);
    std::vector<GenerationRequest> out;
    for (const std::string& document : request.documents) {
        GenerationRequest g;
        g.prompt = rerank_pair_tokens(model.tokenizer, format, request.query, document);
        if (g.prompt.empty()) throw invalid_request("a query and document make no tokens at all", "documents");
        if (static_cast<int32_t>(g.prompt.size()) > limit) {
            throw invalid_request("a query and document are " + std::to_string(g.prompt.size()) + " tokens long; at most " +
                                      std::to_string(limit) + " fit one batch (raise --ubatch-size and --ctx-size)",
                                  "documents");
        }
        g.embed = true;
        g.cache_prompt = false;
        g.stop.n_predict = 0;
        out.push_back(std::move(g));
    }
    return out;
}

}  // namespace cria
