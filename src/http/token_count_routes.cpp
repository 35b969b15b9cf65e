// POST /v1/chat/completions/input_tokens (and /chat/completions/input_tokens): how many prompt
// tokens a chat request would take, without generating (llama-server's answer:
// {"input_tokens": N, "object": "response.input_tokens"}). The request is read and rendered exactly
// as a chat request is, so the count is what /v1/chat/completions would report in usage.
#include "api/json_fields.h"
#include "api/openai_chat.h"
#include "frontend/chat_prompt.h"
#include "http/model_frontend.h"

namespace cria {

namespace {

void handle_chat_input_tokens(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const ChatRequest request = parse_chat_request(parse_json_object(req.body), *context.completion_defaults.get(), req.body);
    const ModelFrontend frontend(context);
    const FrontendModel& model = frontend.model();
    const PromptTokens prompt = tokenize_conversation(model.tokenizer, model.images, render_chat_prompt(model, request),
                                                      request.images);
    send_json(res, {{"input_tokens", prompt.tokens.size()}, {"object", "response.input_tokens"}});
}

}  // namespace

void register_token_count_routes(Routes& routes, ServerContext& context) {
    const auto chat = api_route(context, handle_chat_input_tokens);
    routes.Post("/v1/chat/completions/input_tokens", chat);
    routes.Post("/chat/completions/input_tokens", chat);
}

}  // namespace cria
