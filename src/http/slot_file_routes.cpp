// POST /slots/{id}?action=save|restore|erase: a slot's KV cache to and from files in
// --slot-save-path, so a long prompt's work survives a restart or moves between slots.
#include <sys/stat.h>

#include <chrono>

#include "api/slot_file_request.h"
#include "http/server_context.h"

namespace cria {

namespace {

using json = nlohmann::json;

// How long a handler waits for the engine to reach the request between two steps.
constexpr std::chrono::seconds kSlotFileWait{120};

bool is_regular_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

SlotFileRequest engine_request(const SlotFileCall& call, const std::string& save_dir) {
    SlotFileRequest r;
    r.id_slot = call.id_slot;
    switch (call.verb) {
        case SlotFileVerb::save: r.action = SlotFileAction::save; break;
        case SlotFileVerb::restore: r.action = SlotFileAction::restore; break;
        case SlotFileVerb::erase: r.action = SlotFileAction::erase; break;
    }
    if (!call.filename.empty()) r.path = save_dir + "/" + call.filename;
    return r;
}

json response_json(const SlotFileCall& call, const SlotFileResult& r) {
    const double ms = r.ms;
    switch (call.verb) {
        case SlotFileVerb::save:
            return {{"id_slot", call.id_slot}, {"filename", call.filename}, {"n_saved", r.n_tokens},
                    {"n_written", r.n_bytes}, {"timings", {{"save_ms", ms}}}};
        case SlotFileVerb::restore:
            return {{"id_slot", call.id_slot}, {"filename", call.filename}, {"n_restored", r.n_tokens},
                    {"n_read", r.n_bytes}, {"timings", {{"restore_ms", ms}}}};
        case SlotFileVerb::erase: break;
    }
    return {{"id_slot", call.id_slot}, {"n_erased", r.n_tokens}};
}

void handle_slot_file(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    if (context.options.http.slot_save_path.empty()) {
        throw not_supported_error("This server does not support slot actions: start it with --slot-save-path DIR");
    }
    require_ready(context);
    const SlotFileCall call = parse_slot_file_call(req.get_param_value("action"), req.path_params.at("id"), req.body,
                                                   context.engine.info().n_slots);
    const SlotFileRequest request = engine_request(call, context.options.http.slot_save_path);
    if (call.verb == SlotFileVerb::restore && !is_regular_file(request.path)) {
        throw invalid_request("filename '" + call.filename + "' is not a file in the slot save directory", "filename");
    }
    auto future = context.engine.slot_file(request);
    if (future.wait_for(kSlotFileWait) != std::future_status::ready) {
        throw unavailable_error("the engine did not reach the slot request in time");
    }
    const SlotFileResult result = future.get();
    if (!result.error.empty()) {
        if (call.verb == SlotFileVerb::restore && result.http_status == 400) {
            throw invalid_request("filename '" + call.filename + "': " + result.error, "filename");
        }
        throw ApiError{result.http_status, result.http_status < 500 ? "invalid_request_error" : "server_error",
                       result.error, ""};
    }
    send_json(res, response_json(call, result));
}

}  // namespace

void register_slot_file_routes(Routes& routes, ServerContext& context) {
    routes.Post("/slots/:id", api_route(context, handle_slot_file));
}

}  // namespace cria
