// POST /completion (and /completions): prompts in (one, or several: api/completion_prompts.h),
// generated text out, whole or streamed as server-sent events.
#include "api/completion_format.h"
#include "api/json_fields.h"
#include "http/completion_answer.h"
#include "http/model_frontend.h"
#include "http/result_stream.h"

namespace cria {

void install_system_prompt(ServerContext& context, const PreparedRequest& prepared) {
    if (prepared.new_system_prompt) context.system_prompt.install(prepared.new_system_prompt);
}

void answer_native_completion(ServerContext& context, const httplib::Request& req, httplib::Response& res,
                              const ModelFrontend& frontend, PreparedRequest prepared,
                              const CompletionResponseOptions& response) {
    install_system_prompt(context, prepared);
    context.prompt_log.write(prepared.prompts);
    std::vector<GenerationRequest> requests = expand_choices(prepared.prompts, response.n_cmpl);
    std::vector<std::string> other_prompts;
    for (size_t i = 1; i < prepared.prompts.size(); ++i) other_prompts.push_back(std::move(prepared.prompts[i].prompt_text));
    PreparedPrompt& prompt = prepared.prompts.front();
    const bool stream = prompt.generation.stream;
    ResponseContext shape{context.model_name, context.engine.info().n_ctx_slot, std::move(prompt.prompt_text),
                          frontend.pieces(), response};
    const std::string kinds = draft_source_names(context.options.engine.speculative.sources);
    if (!kinds.empty()) shape.speculative_types += "," + kinds;
    auto formatter = std::make_shared<CompletionFormat>(std::move(shape), requests.size(), other_prompts);
    respond_with_results(req, res, submit_all(context.engine, std::move(requests)), std::move(formatter), stream,
                         context.options.http.sse_ping_interval_s);
}

namespace {

void handle_completion(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const CompletionRequest parsed = parse_completion_request(parse_json_object(req.body), *context.completion_defaults.get(),
                                                              req.body, /*accept_image_data=*/true);
    const ModelFrontend frontend(context);
    answer_native_completion(context, req, res, frontend,
                             prepare_completion(frontend.model(), parsed, context.system_prompt.get()), parsed.response);
}

}  // namespace

void register_completion_routes(Routes& routes, ServerContext& context) {
    const auto handler = api_route(context, handle_completion);
    routes.Post("/completion", handler);
    routes.Post("/completions", handler);
}

}  // namespace cria
