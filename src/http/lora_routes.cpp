// GET /lora-adapters: the loaded adapters and their server-wide scales.
// POST /lora-adapters: new server-wide scales, [{id, scale}]; adapters not listed get scale 0.
// Requests already submitted keep the scales they started with.
#include "api/json_fields.h"
#include "api/lora_api.h"
#include "http/server_context.h"

namespace cria {

void register_lora_routes(Routes& routes, ServerContext& context) {
    routes.Get("/lora-adapters", [&context](const httplib::Request&, httplib::Response& res) {
        try {
            require_ready(context);
            send_json(res, lora_adapters_json(context.engine.lora_adapters()));
        } catch (const ApiError& e) {
            send_error(res, e);
        }
    });

    routes.Post("/lora-adapters", [&context](const httplib::Request& req, httplib::Response& res) {
        try {
            require_ready(context);
            json body;
            try {
                body = json::parse(req.body);
            } catch (const json::parse_error& e) {
                throw invalid_request(std::string("the body is not valid JSON: ") + e.what());
            }
            context.engine.set_lora_scales(parse_lora_scales(body, context.engine.lora_adapter_count(), ""));
            send_json(res, {{"success", true}});
        } catch (const ApiError& e) {
            send_error(res, e);
        }
    });
}

}  // namespace cria
