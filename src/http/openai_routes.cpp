// OpenAI-compatible routes: GET /v1/models, POST /v1/completions.
#include <ctime>

#include "api/json_fields.h"
#include "api/openai_completion_format.h"
#include "http/completion_answer.h"
#include "http/result_stream.h"

namespace cria {

namespace {

using json = nlohmann::json;

// The file type as libllama describes the model ("llama ?B F16": the last word).
std::string model_ftype(const EngineInfo& info) {
    const auto space = info.model_description.rfind(' ');
    return space == std::string::npos ? info.model_description : info.model_description.substr(space + 1);
}

// llama-server's Ollama-style entry of the same model, beside OpenAI's "data".
json ollama_model_json(const ServerContext& context, const EngineInfo& info) {
    return {{"name", context.model_name},
            {"model", context.model_name},
            {"modified_at", ""},
            {"size", ""},
            {"digest", ""},
            {"type", "model"},
            {"description", ""},
            {"tags", json::array({""})},
            {"capabilities", json::array({info.embedding ? "embedding" : "completion"})},
            {"parameters", ""},
            {"details",
             {{"parent_model", ""},
              {"format", "gguf"},
              {"family", ""},
              {"families", json::array({""})},
              {"parameter_size", ""},
              {"quantization_level", ""}}}};
}

json models_json(const ServerContext& context) {
    const EngineInfo& info = context.engine.info();
    json input = json::array({"text"});
    if (info.vision) input.push_back("image");
    return {{"object", "list"},
            {"models", json::array({ollama_model_json(context, info)})},
            {"data", json::array({{{"id", context.model_name},
                                   {"aliases", json::array({context.model_name})},
                                   {"tags", json::array()},
                                   {"object", "model"},
                                   {"architecture", {{"input_modalities", input}, {"output_modalities", {"text"}}}},
                                   {"created", static_cast<int64_t>(std::time(nullptr))},
                                   {"owned_by", "cria"},
                                   {"meta",
                                    {{"n_vocab", info.n_vocab},
                                     {"n_ctx", info.n_ctx_slot},
                                     {"n_ctx_train", info.n_ctx_train},
                                     {"n_embd", info.n_embd},
                                     {"n_params", info.n_params},
                                     {"size", info.model_size},
                                     {"ftype", model_ftype(info)}}}}})}};
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
    context.prompt_log.write(prepared.prompts);
    install_system_prompt(context, prepared);
    const OpenAiEnvelope envelope{openai_id("cmpl-"), static_cast<int64_t>(std::time(nullptr)), context.model_name};
    auto formatter = std::make_shared<OpenAiCompletionFormat>(request, envelope, frontend.pieces(), choice_prompts(prepared));
    respond_with_results(req, res, submit_all(context.engine, expand_choices(prepared.prompts, request.n)),
                         std::move(formatter), request.options.generation.stream,
                         context.options.http.sse_ping_interval_s);
}

}  // namespace

void register_openai_routes(Routes& routes, ServerContext& context) {
    const auto models = api_route(context, handle_models);
    routes.Get("/v1/models", models);
    routes.Get("/models", models);

    routes.Post("/v1/completions", api_route(context, handle_completions));
}

}  // namespace cria
