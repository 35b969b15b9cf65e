// POST /v1/chat/completions (and /chat/completions), POST /apply-template.
#include <ctime>

#include "api/chat_format.h"
#include "api/json_fields.h"
#include "frontend/chat_prompt.h"
#include "http/model_frontend.h"
#include "http/result_stream.h"

namespace cria {

namespace {

using json = nlohmann::json;

void handle_chat(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const ChatRequest request = parse_chat_request(parse_json_object(req.body), *context.completion_defaults.get(), req.body);
    const ModelFrontend frontend(context);
    PreparedRequest prepared = prepare_chat(frontend.model(), request);
    context.prompt_log.write(prepared.prompts);
    const OpenAiEnvelope envelope{openai_id("chatcmpl-"), static_cast<int64_t>(std::time(nullptr)), context.model_name};
    auto formatter = std::make_shared<ChatFormat>(request, envelope, frontend.pieces(), choice_prompts(prepared), prepared.answer);
    respond_with_results(req, res, submit_all(context.engine, expand_choices(prepared.prompts, request.n)),
                         std::move(formatter), request.options.generation.stream,
                         context.options.http.sse_ping_interval_s);
}

void handle_apply_template(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const ChatRequest request = parse_chat_request(parse_json_object(req.body), *context.completion_defaults.get());
    const ModelFrontend frontend(context);
    send_json(res, {{"prompt", render_chat_prompt(frontend.model(), request)}});
}

}  // namespace

void register_chat_routes(Routes& routes, ServerContext& context) {
    const auto chat = api_route(context, handle_chat);
    routes.Post("/v1/chat/completions", chat);
    routes.Post("/chat/completions", chat);
    routes.Post("/apply-template", api_route(context, handle_apply_template));
}

}  // namespace cria
