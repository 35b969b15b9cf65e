// GET and POST /tools: the built-in agent tools (--tools) and the MCP servers' tools, as
// llama-server 0.7 serves them. Off unless an option turns them on (403 feature_disabled). A tool
// runs on the request's own HTTP thread, never the engine's; its errors are answers, not crashes.
#include <algorithm>
#include <memory>
#include <mutex>

#include "agent/toolbox.h"
#include "api/json_fields.h"
#include "engine/output_text.h"
#include "http/server_context.h"
#include "util/log.h"

namespace cria {

namespace {

constexpr size_t kMaxHeaderBytes = 4096;  // x-tool-cwd, x-tool-runtime

// POST /tools answers its errors flat, as llama-server does: {"code", "message", "type"}.
nlohmann::json tools_error_body(const ApiError& error) {
    return {{"code", error.status}, {"message", error.message}, {"type", error.type}};
}

std::string header_value(const httplib::Request& req, const char* name) {
    const std::string value = req.get_header_value(name);
    if (value.size() > kMaxHeaderBytes) throw invalid_request(std::string(name) + " is longer than 4096 bytes", name);
    return value;
}

// The toolbox is built once, before the server listens (MCP servers are asked for their tools
// then); a setup failure is logged and every call answers it.
struct ToolsRoute {
    std::unique_ptr<agent::AgentToolbox> toolbox;
    std::string setup_error;
};

void stream_tool(agent::AgentToolbox& toolbox, const std::string& name, nlohmann::json params, agent::CallPlace place,
                 httplib::Response& res, const std::shared_ptr<ToolsRoute>& keep) {
    res.set_header("X-Accel-Buffering", "no");
    send_event_stream(
        res,
        [&toolbox, keep, name, params = std::move(params), place = std::move(place)](size_t, httplib::DataSink& sink) {
            auto event = [&sink](const nlohmann::json& data) {
                const std::string text = "data: " + data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
                return sink.write(text.data(), text.size());
            };
            try {
                // A client that leaves ends the command (its output has nowhere to go). A UTF-8
                // character split between two reads is held back until it is whole.
                std::string pending;
                const nlohmann::json answer = toolbox.invoke(name, params, place, [&](const std::string& piece) {
                    pending += piece;
                    const size_t whole = pending.size() - std::min(pending.size(), incomplete_utf8_suffix(pending));
                    const std::string chunk = pending.substr(0, whole);
                    pending.erase(0, whole);
                    return chunk.empty() || event({{"chunk", chunk}});
                });
                if (!pending.empty()) event({{"chunk", pending}});
                if (answer.contains("error")) event(answer);
            } catch (const std::exception& e) {
                event({{"error", e.what()}});
            }
            event({{"done", true}});
            sink.done();
            return true;
        },
        [](bool) {});
}

void handle_post_tools(ToolsRoute& route, const std::shared_ptr<ToolsRoute>& keep, const httplib::Request& req,
                       httplib::Response& res) {
    if (!route.toolbox) throw server_error("tools setup failed: " + route.setup_error);
    const nlohmann::json body = parse_json_object(req.body);
    const auto tool = body.find("tool");
    if (tool == body.end() || !tool->is_string()) throw invalid_request("'tool' must be a string", "tool");
    const std::string name = tool->get<std::string>();
    nlohmann::json params = body.value("params", nlohmann::json::object());
    if (!params.is_object()) throw invalid_request("'params' must be an object", "params");
    const bool stream = read_bool(body, "stream", false);
    agent::CallPlace place{header_value(req, "x-tool-cwd"), header_value(req, "x-tool-runtime")};
    if (!route.toolbox->has(name)) throw not_found_error("unknown tool \"" + name + "\"");
    if (stream && !route.toolbox->streams(name)) {
        throw invalid_request("tool \"" + name + "\" does not support stream = true", "stream");
    }
    if (stream) return stream_tool(*route.toolbox, name, std::move(params), std::move(place), res, keep);
    // A file's bytes need not be UTF-8: they are answered with U+FFFD where they are not.
    const nlohmann::json answer = route.toolbox->invoke(name, params, place);
    res.set_content(answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json; charset=utf-8");
}

}  // namespace

void send_feature_disabled(httplib::Response& res) {
    send_json(res, {{"error", {{"message", "this feature is disabled"}, {"type", "feature_disabled"}}}}, 403);
}

void register_agent_tool_routes(Routes& routes, ServerContext& context) {
    const AgentConfig& config = context.options.agent;
    context.error_shapes.claim("/tools", tools_error_body);
    if (!config.tools_route_on()) {
        const auto disabled = [](ServerContext&, const httplib::Request&, httplib::Response& res) { send_feature_disabled(res); };
        routes.Get("/tools", api_route(context, disabled));
        routes.Post("/tools", api_route(context, disabled));
        return;
    }
    auto route = std::make_shared<ToolsRoute>();
    try {
        route->toolbox = std::make_unique<agent::AgentToolbox>(config);
    } catch (const std::exception& e) {
        route->setup_error = e.what();
        log_error(std::string("tools setup failed: ") + e.what());
    }
    log_warn("security: agent tools are enabled (experimental): do not expose this server to untrusted clients");
    routes.Get("/tools", api_route(context, [route](ServerContext&, const httplib::Request&, httplib::Response& res) {
        if (!route->toolbox) throw server_error("tools setup failed: " + route->setup_error);
        res.set_content(route->toolbox->list().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                        "application/json; charset=utf-8");
    }));
    routes.Post("/tools", api_route(context, [route](ServerContext&, const httplib::Request& req, httplib::Response& res) {
        handle_post_tools(*route, route, req, res);
    }));
}

}  // namespace cria
