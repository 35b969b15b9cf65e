// OpenAI's Responses API: POST /v1/responses (and /responses), GET and DELETE
// /v1/responses/{id}, POST /v1/responses/input_tokens. A request is read as the one chat request
// (api/responses_request.h) and runs chat's pipeline; answers kept with `store: true` live in
// ServerContext::responses (http/responses_store.h).
#include <ctime>

#include "api/json_fields.h"
#include "api/completion_response.h"
#include "api/openai_completion.h"
#include "api/responses_format.h"
#include "api/tool_calls.h"
#include "frontend/chat_prompt.h"
#include "http/model_frontend.h"
#include "http/result_stream.h"

namespace cria {

namespace {

using json = nlohmann::json;

ApiError not_stored(const std::string& id, const ServerContext& context, const char* param) {
    std::string why = context.responses.enabled() ? "it was not stored (\"store\": true), was deleted, or was dropped "
                                                    "to make room (--responses-store, --responses-store-size)"
                                                  : "the response store is off (--responses-store 0)";
    return ApiError(404, "invalid_request_error", "'" + std::string(param) + "': no response '" + id + "' is stored: " + why,
                    param);
}

// The request, read after the conversation its previous_response_id names.
ResponsesRequest read_request(ServerContext& context, const httplib::Request& req) {
    const json body = parse_json_object(req.body);
    const std::string previous = read_previous_response_id(body);
    std::shared_ptr<const ResponsesStore::Entry> stored;
    if (!previous.empty()) {
        stored = context.responses.get(previous);
        if (!stored) throw not_stored(previous, context, "previous_response_id");
    }
    ResponsesRequest request = parse_responses_request(body, stored ? stored->conversation : json::array(),
                                                       *context.completion_defaults.get(), req.body);
    if (request.store && !context.responses.enabled()) request.settings["store"] = false;  // what the response says
    if (request.store && context.responses.enabled() &&
        dump_json(request.conversation).size() > context.responses.max_bytes()) {
        throw invalid_request("'store': the conversation is larger than the whole response store (" +
                                  std::to_string(context.responses.max_bytes()) +
                                  " bytes, --responses-store-size); send it without \"store\": true",
                              "store");
    }
    return request;
}

// What the formatter runs once the response is finished: keep it when asked to.
ResponsesFormat::Finished keeper(ServerContext& context, const ResponsesRequest& request) {
    if (!request.store || !context.responses.enabled()) return {};
    auto conversation = std::make_shared<json>(request.conversation);
    return [&store = context.responses, conversation](const json& response) {
        ResponsesStore::Entry entry{response, std::move(*conversation)};
        for (const auto& item : response["output"]) entry.conversation.push_back(item);
        store.put(response["id"].get<std::string>(), std::move(entry));
    };
}

// chat's pipeline, its errors naming the Responses fields.
PreparedRequest prepare(const FrontendModel& model, const ChatRequest& chat) {
    try {
        return prepare_chat(model, chat);
    } catch (const ApiError& e) {
        throw as_responses_error(e);
    }
}

PromptTokens input_tokens(const FrontendModel& model, const ChatRequest& chat) {
    try {
        const std::string text = render_chat_prompt(model, chat);
        return tokenize_conversation(model.tokenizer, model.images, text, chat.images);
    } catch (const ApiError& e) {
        throw as_responses_error(e);
    }
}

void handle_create(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const ResponsesRequest request = read_request(context, req);
    const ModelFrontend frontend(context);
    PreparedRequest prepared = prepare(frontend.model(), request.chat);
    context.prompt_log.write(prepared.prompts);
    ResponsesEnvelope envelope{openai_id("resp_"), static_cast<int64_t>(std::time(nullptr)), context.model_name};
    auto formatter = std::make_shared<ResponsesFormat>(request, std::move(envelope), prepared.answer,
                                                       keeper(context, request));
    respond_with_results(req, res, submit_all(context.engine, expand_choices(prepared.prompts, 1)), std::move(formatter),
                         request.stream,
                         context.options.http.sse_ping_interval_s);
}

// The tokens the request's input takes, as POST /v1/responses would send them to the model.
void handle_input_tokens(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const ResponsesRequest request = read_request(context, req);
    const ModelFrontend frontend(context);
    const PromptTokens prompt = input_tokens(frontend.model(), request.chat);
    send_json(res, {{"object", "response.input_tokens"}, {"input_tokens", prompt.tokens.size()}});
}

void handle_get(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.path_params.at("id");
    const auto stored = context.responses.get(id);
    if (!stored) throw not_stored(id, context, "response_id");
    send_json(res, stored->response);
}

void handle_delete(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.path_params.at("id");
    if (!context.responses.erase(id)) throw not_stored(id, context, "response_id");
    // After a successful DELETE that has no Content-Length (the openai SDK's, curl's), httplib
    // 0.41 stalls the client's next request on the same connection (seen with curl --next);
    // closing the connection after this answer avoids it.
    res.set_header("Connection", "close");
    send_json(res, {{"id", id}, {"object", "response"}, {"deleted", true}});
}

}  // namespace

void register_responses_routes(Routes& routes, ServerContext& context) {
    const auto create = api_route(context, handle_create);
    routes.Post("/v1/responses", create);
    routes.Post("/responses", create);
    const auto input_tokens = api_route(context, handle_input_tokens);
    routes.Post("/v1/responses/input_tokens", input_tokens);
    routes.Post("/responses/input_tokens", input_tokens);
    for (const char* path : {"/v1/responses/:id", "/responses/:id"}) {
        routes.Get(path, api_route(context, handle_get));
        routes.Delete(path, api_route(context, handle_delete));
    }
}

}  // namespace cria
