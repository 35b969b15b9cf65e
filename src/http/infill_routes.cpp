// POST /infill: fill in the middle between a prefix and a suffix, with /completion's options.
#include "api/infill_request.h"
#include "api/json_fields.h"
#include "http/server_context.h"

namespace cria {

void register_infill_routes(Routes& routes, ServerContext& context) {
    routes.Post("/infill", [&context](const httplib::Request& req, httplib::Response& res) {
        try {
            require_ready(context);
            const InfillRequest infill = parse_infill_request(parse_json_object(req.body), *context.completion_defaults.get(), req.body);
            const Vocabulary& vocabulary = context.engine.vocabulary();
            std::vector<Token> prompt = build_infill_prompt(infill, vocabulary);
            std::string prompt_text = vocabulary.detokenize(prompt, /*render_special=*/true);
            run_native_completion(context, req, res, prepare_generation(context, infill.options, std::move(prompt)),
                                  std::move(prompt_text));
        } catch (const ApiError& e) {
            send_error(res, e);
        }
    });
}

}  // namespace cria
