// POST /rerank, /reranking, /v1/rerank, /v1/reranking: in reranking mode (--rerank), each
// document's relevance to the query (api/rerank_api.h).
#include "api/json_fields.h"
#include "api/rerank_api.h"
#include "frontend/rerank_prompt.h"
#include "http/model_frontend.h"
#include "http/result_stream.h"

namespace cria {

namespace {

void handle_rerank(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const EngineInfo& info = context.engine.info();
    if (!info.embedding || info.pooling != "rank") {
        throw not_supported_error("This server does not support reranking. Start it with `--reranking`");
    }
    RerankRequest request = parse_rerank_request(parse_json_object(req.body), context.options.defaults.limits);
    const ModelFrontend frontend(context);
    std::vector<GenerationRequest> pairs = prepare_rerank(frontend.model(), info.rerank, request);
    auto formatter = std::make_shared<RerankResultFormat>(std::move(request), context.model_name);
    respond_with_results(req, res, submit_all(context.engine, std::move(pairs)), std::move(formatter), /*stream=*/false,
                         context.options.http.sse_ping_interval_s);
}

}  // namespace

void register_rerank_routes(Routes& routes, ServerContext& context) {
    const auto rerank = api_route(context, handle_rerank);
    for (const char* path : {"/rerank", "/reranking", "/v1/rerank", "/v1/reranking"}) routes.Post(path, rerank);
}

}  // namespace cria
