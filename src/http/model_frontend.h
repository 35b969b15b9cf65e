// ModelFrontend: the loaded model as the front end sees it (frontend/request_pipeline.h), made
// per request from the ServerContext. It only refers to the engine's vocabulary and projector,
// which live as long as the server.
#pragma once

#include <memory>
#include <optional>

#include "frontend/engine_adapters.h"
#include "frontend/request_pipeline.h"
#include "http/server_context.h"

namespace cria {

class ModelFrontend {
public:
    explicit ModelFrontend(const ServerContext& context);
    ModelFrontend(const ModelFrontend&) = delete;
    ModelFrontend& operator=(const ModelFrontend&) = delete;

    const FrontendModel& model() const { return model_; }
    const Tokenizer& tokenizer() const { return *tokenizer_; }
    // For formatters, which may outlive this object (a stream goes on after the handler returns).
    std::shared_ptr<const TokenPieces> pieces() const { return tokenizer_; }

private:
    std::shared_ptr<const VocabularyTokenizer> tokenizer_;
    std::optional<ProjectorImageTokenizer> images_;  // only with a projector that reads images
    FrontendModel model_;
};

}  // namespace cria
