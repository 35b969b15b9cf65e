// Anthropic's Messages API: POST /v1/messages and POST /v1/messages/count_tokens, over the same
// chat pipeline as /v1/chat/completions (api/anthropic_messages.h reads the request into a
// ChatRequest). Every error under /v1/messages answers in Anthropic's shape (api/anthropic_error.h),
// the API-key check's 401 included. The anthropic-version and anthropic-beta headers are accepted
// and not needed; the key comes as x-api-key or Authorization: Bearer (http_server.cpp).
#include "api/anthropic_error.h"
#include "api/anthropic_format.h"
#include "api/anthropic_messages.h"
#include "api/json_fields.h"
#include "api/tool_calls.h"
#include "frontend/chat_prompt.h"
#include "http/model_frontend.h"
#include "http/result_stream.h"

namespace cria {

namespace {

using json = nlohmann::json;

void handle_messages(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const ChatRequest request = parse_anthropic_messages(parse_json_object(req.body), *context.completion_defaults.get());
    const ModelFrontend frontend(context);
    PreparedRequest prepared = prepare_chat(frontend.model(), request);
    context.prompt_log.write(prepared.prompts);
    const auto input_tokens = static_cast<int64_t>(prepared.prompts.at(0).generation.prompt.size());
    const AnthropicEnvelope envelope{openai_id("msg_"), context.model_name, input_tokens};
    auto formatter = std::make_shared<AnthropicFormat>(envelope, prepared.answer);
    respond_with_results(req, res, submit_all(context.engine, expand_choices(prepared.prompts, 1)), std::move(formatter),
                         request.options.generation.stream,
                         context.options.http.sse_ping_interval_s);
}

// The prompt's tokens as /v1/messages would read them: the same template, tools and images.
void handle_count_tokens(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const ChatRequest request = parse_anthropic_messages(parse_json_object(req.body), *context.completion_defaults.get(),
                                                         MessagesRoute::count_tokens);
    const ModelFrontend frontend(context);
    const FrontendModel& model = frontend.model();
    const std::string text = render_chat_prompt(model, request);
    const PromptTokens prompt = tokenize_conversation(model.tokenizer, model.images, text, request.images);
    send_json(res, {{"input_tokens", prompt.tokens.size()}});
}

}  // namespace

void register_anthropic_routes(Routes& routes, ServerContext& context) {
    context.error_shapes.claim("/v1/messages", anthropic_error_json);
    routes.Post("/v1/messages", api_route(context, handle_messages));
    routes.Post("/v1/messages/count_tokens", api_route(context, handle_count_tokens));
}

}  // namespace cria
