// POST /tokenize and /detokenize. Tokenizing runs on the handler's thread (see vocabulary.h).
#include "api/json_fields.h"
#include "api/tokenize_api.h"
#include "frontend/engine_adapters.h"
#include "http/server_context.h"

namespace cria {

namespace {

void handle_tokenize(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const TokenizeRequest r = parse_tokenize_request(parse_json_object(req.body), context.options.defaults.limits);
    const VocabularyTokenizer vocabulary(context.engine.vocabulary());
    const auto tokens = vocabulary.tokenize(r.content, r.add_special, r.parse_special);
    send_json(res, tokenize_response_json(tokens, r.with_pieces, vocabulary));
}

void handle_detokenize(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const VocabularyTokenizer vocabulary(context.engine.vocabulary());
    const auto tokens = parse_detokenize_request(parse_json_object(req.body), vocabulary, context.options.defaults.limits);
    send_json(res, {{"content", vocabulary.detokenize(tokens)}});
}

}  // namespace

void register_tokenize_routes(Routes& routes, ServerContext& context) {
    routes.Post("/tokenize", api_route(context, handle_tokenize));
    routes.Post("/detokenize", api_route(context, handle_detokenize));
}

}  // namespace cria
