// GET /lora-adapters: the loaded adapters and their server-wide scales.
// POST /lora-adapters: new server-wide scales, [{id, scale}]; adapters not listed get scale 0.
// Requests already submitted keep the scales they started with.
#include "api/json_fields.h"
#include "api/lora_api.h"
#include "http/server_context.h"

namespace cria {

namespace {

void handle_list(ServerContext& context, const httplib::Request&, httplib::Response& res) {
    require_ready(context);
    send_json(res, lora_adapters_json(context.engine.lora_adapters()));
}

void handle_set_scales(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const json body = parse_json_value(req.body);  // an array, not an object
    context.engine.set_lora_scales(parse_lora_scales(body, context.engine.lora_adapter_count(), ""));
    send_json(res, {{"success", true}});
}

}  // namespace

void register_lora_routes(Routes& routes, ServerContext& context) {
    routes.Get("/lora-adapters", api_route(context, handle_list));
    routes.Post("/lora-adapters", api_route(context, handle_set_scales));
}

}  // namespace cria
