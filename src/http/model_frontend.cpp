#include "http/model_frontend.h"

#include "frontend/chat_prompt.h"

namespace cria {

namespace {

// Stateless: one for the whole server.
const LibllamaChatFormats kLibllamaChatFormats;

FrontendModel describe(const ServerContext& context, const Tokenizer& tokenizer, const ImageTokenizer* images) {
    const EngineInfo& info = context.engine.info();
    FrontendModel model{tokenizer,      images,
                        info.n_ctx_slot, info.n_ubatch,
                        info.embedding, chat_template_source(context.options.chat_template, info.chat_template),
                        context.options.chat, nullptr, "",
                        context.options.spm_infill};
    if (!context.options.jinja) {
        model.builtin_chat = &kLibllamaChatFormats;
        model.builtin_chat_template = context.options.chat_template;
    }
    return model;
}

const MediaProjector* vision_projector(const ServerContext& context) {
    const MediaProjector* media = context.engine.media();
    return media != nullptr && media->supports_vision() ? media : nullptr;
}

}  // namespace

ModelFrontend::ModelFrontend(const ServerContext& context)
    : tokenizer_(std::make_shared<const VocabularyTokenizer>(context.engine.vocabulary())),
      images_(vision_projector(context) ? std::optional<ProjectorImageTokenizer>(*vision_projector(context)) : std::nullopt),
      model_(describe(context, *tokenizer_, images_ ? &*images_ : nullptr)) {}

}  // namespace cria
