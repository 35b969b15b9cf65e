// Ollama's API: GET /api/version, /api/tags, /api/ps; POST /api/show, /api/generate, /api/chat,
// /api/embed, /api/embeddings. Each request is parsed into cria's typed requests
// (api/ollama_request.h) and runs the same front end and result stream as every other route;
// only the answers' shapes (api/ollama_format.h) and the error shape are Ollama's.
#include <sys/stat.h>

#include <chrono>

#include "api/json_fields.h"
#include "api/ollama_format.h"
#include "api/ollama_models.h"
#include "api/ollama_request.h"
#include "api/ollama_template.h"
#include "frontend/chat_prompt.h"
#include "http/model_frontend.h"
#include "http/result_stream.h"

namespace cria {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

OllamaModelFacts model_facts(const ServerContext& context) {
    const EngineInfo& info = context.engine.info();
    OllamaModelFacts facts;
    facts.model_name = context.model_name;
    facts.model_path = info.model_path;
    facts.size = info.model_size;
    facts.n_params = info.n_params;
    facts.n_ctx_slot = info.n_ctx_slot;
    struct stat file {};
    if (::stat(info.model_path.c_str(), &file) == 0) facts.modified = file.st_mtime;
    facts.chat_template = chat_template_source(context.options.chat_template, info.chat_template);
    facts.metadata = info.metadata;
    facts.embedding = info.embedding;
    facts.vision = info.vision;
    return facts;
}

// The body, once the model it names is known to be the loaded one.
json model_request(const ServerContext& context, const httplib::Request& req) {
    require_ready(context);
    json body = parse_json_object(req.body);
    if (!has_field(body, "model") && has_field(body, "name")) body["model"] = body["name"];  // Ollama's older name
    require_ollama_model(model_facts(context), body);
    return body;
}

void handle_version(ServerContext&, const httplib::Request&, httplib::Response& res) {
    send_json(res, {{"version", kOllamaApiVersion}});
}

void handle_tags(ServerContext& context, const httplib::Request&, httplib::Response& res) {
    require_ready(context);
    send_json(res, ollama_tags(model_facts(context)));
}

void handle_ps(ServerContext& context, const httplib::Request&, httplib::Response& res) {
    require_ready(context);
    send_json(res, ollama_ps(model_facts(context)));
}

void handle_show(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    model_request(context, req);
    send_json(res, ollama_show(model_facts(context)));
}

void handle_chat(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    const auto started = Clock::now();
    const json body = model_request(context, req);
    const std::string model = body["model"].get<std::string>();
    if (!has_field(body, "messages") || (body["messages"].is_array() && body["messages"].empty())) {
        return send_json(res, ollama_load_answer(model, /*chat=*/true, ollama_keep_alive_is_zero(body)));
    }
    const ChatRequest request = parse_ollama_chat(body, *context.completion_defaults.get(), req.body);
    const ModelFrontend frontend(context);
    PreparedRequest prepared = prepare_chat(frontend.model(), request);
    context.prompt_log.write(prepared.prompts);
    auto formatter = std::make_shared<OllamaChatFormat>(
        OllamaAnswerContext{model, started, prepared.answer});
    std::vector<GenerationRequest> requests;
    requests.push_back(std::move(prepared.prompts.front().generation));
    respond_with_results(req, res, submit_all(context.engine, std::move(requests)), std::move(formatter),
                         request.options.generation.stream,
                         context.options.http.sse_ping_interval_s);
}

// The text a generate request runs: the prompt as it is (raw), through the request's own
// template, or through the model's chat template as one user turn (Ollama's default). Images are
// placed by [img-N]: where the prompt does not place one, it goes first, as Ollama does.
std::string generate_text(const FrontendModel& model, const OllamaGenerateRequest& request) {
    std::string prompt = request.prompt;
    for (size_t i = request.images.size(); i-- > 0;) {
        const std::string tag = "[img-" + std::to_string(i) + "]";
        if (prompt.find(tag) == std::string::npos) prompt = tag + prompt;
    }
    if (request.raw) return prompt;
    if (request.template_text) return render_ollama_template(*request.template_text, request.system, prompt);
    json messages = json::array();
    if (!request.system.empty()) messages.push_back({{"role", "system"}, {"content", request.system}});
    messages.push_back({{"role", "user"}, {"content", prompt}});
    std::string text = render_conversation(model.chat_template, model.tokenizer, messages, json::array());
    // The prompt's tokenizer adds the BOS: one the template wrote would be a second.
    const std::string bos = model.tokenizer.piece(model.tokenizer.bos(), true);
    if (model.tokenizer.adds_bos() && !bos.empty() && text.compare(0, bos.size(), bos) == 0) text.erase(0, bos.size());
    return text;
}

void handle_generate(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    const auto started = Clock::now();
    const json body = model_request(context, req);
    const std::string model = body["model"].get<std::string>();
    const OllamaGenerateRequest parsed = parse_ollama_generate(body, *context.completion_defaults.get(), req.body);
    if (parsed.load_only) return send_json(res, ollama_load_answer(model, /*chat=*/false, parsed.unload));
    const ModelFrontend frontend(context);
    CompletionRequest request = parsed.options;
    request.prompt.assign(parsed.context.begin(), parsed.context.end());
    request.prompt.emplace_back(generate_text(frontend.model(), parsed));
    request.images = parsed.images;
    PreparedRequest prepared = prepare_completion(frontend.model(), request, nullptr);
    context.prompt_log.write(prepared.prompts);
    auto formatter = std::make_shared<OllamaGenerateFormat>(
        OllamaAnswerContext{model, started, AnswerOptions{}}, /*with_context=*/!parsed.raw);
    std::vector<GenerationRequest> requests;
    requests.push_back(std::move(prepared.prompts.front().generation));
    respond_with_results(req, res, submit_all(context.engine, std::move(requests)), std::move(formatter),
                         request.generation.stream,
                         context.options.http.sse_ping_interval_s);
}

// Ollama's embeddings are one vector per input: an embedding model with pooling.
void require_pooled_embeddings(const ServerContext& context) {
    const EngineInfo& info = context.engine.info();
    if (!info.embedding || info.pooling == "rank") {
        throw not_supported_error("This server does not support embeddings. Start it with `--embeddings` and without "
                                  "`--reranking`.");
    }
    if (info.pooling == "none") {
        throw not_supported_error("Ollama's embeddings are one vector per input; this server's --pooling is none");
    }
}

void answer_embeddings(ServerContext& context, const httplib::Request& req, httplib::Response& res,
                       const EmbeddingRequest& request, std::shared_ptr<ResultFormatter> formatter) {
    if (request.inputs.empty()) return send_json(res, formatter->whole_response());  // nothing to compute
    const ModelFrontend frontend(context);
    std::vector<GenerationRequest> inputs = prepare_embeddings(frontend.model(), request);
    respond_with_results(req, res, submit_all(context.engine, std::move(inputs)), std::move(formatter), /*stream=*/false,
                         context.options.http.sse_ping_interval_s);
}

void handle_embed(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    const auto started = Clock::now();
    const json body = model_request(context, req);
    require_pooled_embeddings(context);
    const OllamaEmbedRequest request = parse_ollama_embed(body, context.options.defaults.limits);
    auto formatter = std::make_shared<OllamaEmbedFormat>(
        OllamaAnswerContext{body["model"].get<std::string>(), started, AnswerOptions{}}, request.dimensions);
    answer_embeddings(context, req, res, request.embedding, std::move(formatter));
}

void handle_embeddings(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    const json body = model_request(context, req);
    require_pooled_embeddings(context);
    answer_embeddings(context, req, res, parse_ollama_embeddings(body), std::make_shared<OllamaEmbeddingsFormat>());
}

}  // namespace

void register_ollama_routes(Routes& routes, ServerContext& context) {
    // Every error under /api (the handlers', and the 401/404/413 before them) is Ollama's {"error": message}.
    context.error_shapes.claim("/api", ollama_error_json);
    routes.Get("/api/version", api_route(context, handle_version));
    routes.Get("/api/tags", api_route(context, handle_tags));
    routes.Get("/api/ps", api_route(context, handle_ps));
    routes.Post("/api/show", api_route(context, handle_show));
    routes.Post("/api/chat", api_route(context, handle_chat));
    routes.Post("/api/generate", api_route(context, handle_generate));
    routes.Post("/api/embed", api_route(context, handle_embed));
    routes.Post("/api/embeddings", api_route(context, handle_embeddings));
}

}  // namespace cria
