// OpenAI-compatible routes: GET /v1/models, POST /v1/completions.
#include <ctime>

#include "api/json_fields.h"
#include "api/openai_completion_format.h"
#include "http/completion_answer.h"
#include "http/result_stream.h"

namespace cria {

namespace {

using json = nlohmann::json;

json models_json(const ServerContext& context) {
    const EngineInfo& info = context.engine.info();
    return {{"object", "list"},
            {"data", json::array({{{"id", context.model_name},
                                   {"object", "model"},
                                   {"created", static_cast<int64_t>(std::time(nullptr))},
                                   {"owned_by", "cria"},
                                   {"meta",
                                    {{"n_vocab", info.n_vocab},
                                     {"n_ctx_train", info.n_ctx_train},
                                     {"n_embd", info.n_embd},
                                     {"n_params", info.n_params},
                                     {"size", info.model_size}}}}})}};
}

void handle_models(ServerContext& context, const httplib::Request&, httplib::Response& res) {
    require_ready(context);
    send_json(res, models_json(context));
}

void handle_completions(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const OpenAiCompletionRequest request =
        parse_openai_completion_request(parse_json_object(req.body), *context.completion_defaults.get(), req.body);
    const ModelFrontend frontend(context);
    PreparedRequest prepared = prepare_openai_completion(frontend.model(), request, context.system_prompt.get());
    install_system_prompt(context, prepared);
    const OpenAiEnvelope envelope{openai_id("cmpl-"), static_cast<int64_t>(std::time(nullptr)), context.model_name};
    auto formatter = std::make_shared<OpenAiCompletionFormat>(request, envelope, frontend.pieces(), choice_prompts(prepared));
    respond_with_results(req, res, submit_all(context.engine, expand_choices(prepared.prompts, request.n)),
                         std::move(formatter), request.options.generation.stream);
}

}  // namespace

void register_openai_routes(Routes& routes, ServerContext& context) {
    const auto models = api_route(context, handle_models);
    routes.Get("/v1/models", models);
    routes.Get("/models", models);

    routes.Post("/v1/completions", api_route(context, handle_completions));
}

}  // namespace cria
