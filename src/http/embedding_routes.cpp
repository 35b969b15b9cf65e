// POST /embedding (the seed's shape) and POST /v1/embeddings (OpenAI's), in --embedding mode.
#include "api/embedding_api.h"
#include "api/embedding_format.h"
#include "api/json_fields.h"
#include "http/model_frontend.h"
#include "http/result_stream.h"

namespace cria {

namespace {

void require_embedding_mode(const ServerContext& context) {
    require_ready(context);
    if (!context.engine.info().embedding) {
        throw not_supported_error("This server does not support embeddings. Start it with `--embedding`.");
    }
    if (context.engine.info().pooling == "rank") {
        // A reranker's outputs are scores, not vectors (llama-server answers zeros here).
        throw not_supported_error("This server does not support embeddings. Start it with `--embeddings` and without "
                                  "`--reranking`.");
    }
}

// Every input is tokenized and checked before the first is submitted: a request that fails on
// any input runs none of them.
void answer_embeddings(ServerContext& context, const httplib::Request& req, httplib::Response& res,
                       const EmbeddingRequest& request, std::shared_ptr<ResultFormatter> formatter) {
    const ModelFrontend frontend(context);
    std::vector<GenerationRequest> inputs = prepare_embeddings(frontend.model(), request);
    respond_with_results(req, res, submit_all(context.engine, std::move(inputs)), std::move(formatter), /*stream=*/false,
                         context.options.http.sse_ping_interval_s);
}

void handle_native(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_embedding_mode(context);
    const EmbeddingRequest request = parse_native_embedding_request(parse_json_object(req.body), context.options.defaults.limits);
    answer_embeddings(context, req, res, request, std::make_shared<NativeEmbeddingFormat>());
}

void handle_openai(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_embedding_mode(context);
    const EmbeddingRequest request = parse_openai_embedding_request(parse_json_object(req.body), context.options.defaults.limits);
    answer_embeddings(context, req, res, request, std::make_shared<OpenAiEmbeddingFormat>(context.model_name, request.base64));
}

}  // namespace

void register_embedding_routes(Routes& routes, ServerContext& context) {
    const auto native = api_route(context, handle_native);
    routes.Post("/embedding", native);
    routes.Post("/embeddings", native);
    routes.Post("/v1/embeddings", api_route(context, handle_openai));
}

}  // namespace cria
