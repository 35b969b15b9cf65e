// POST /infill: fill in the middle between a prefix and a suffix, with /completion's options.
#include "api/infill_request.h"
#include "api/json_fields.h"
#include "http/completion_answer.h"

namespace cria {

namespace {

void handle_infill(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const InfillRequest infill = parse_infill_request(parse_json_object(req.body), *context.completion_defaults.get(), req.body);
    const ModelFrontend frontend(context);
    answer_native_completion(context, req, res, frontend, prepare_infill(frontend.model(), infill), infill.options.response);
}

}  // namespace

void register_infill_routes(Routes& routes, ServerContext& context) {
    routes.Post("/infill", api_route(context, handle_infill));
}

}  // namespace cria
