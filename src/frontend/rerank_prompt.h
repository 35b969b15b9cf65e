// Reranking's prompts: one engine request per (query, document) pair, laid out as the model's
// RerankFormat says (engine.h: its "rerank" template, else [BOS] query [EOS] [SEP] document [EOS]),
// each checked to fit one batch like an embedding input.
#pragma once

#include <vector>

#include "api/rerank_api.h"
#include "engine/engine.h"
#include "frontend/request_pipeline.h"

namespace cria {

// The tokens of one pair (public for tests).
std::vector<Token> rerank_pair_tokens(const Tokenizer& tokenizer, const RerankFormat& format, const std::string& query,
                                      const std::string& document);

// Every document's request, in order; a 400 naming `documents` if one does not fit a batch.
std::vector<GenerationRequest> prepare_rerank(const FrontendModel& model, const RerankFormat& format,
                                              const RerankRequest& request);

}  // namespace cria
