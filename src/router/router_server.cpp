#include "router/router_server.h"

#include <algorithm>
#include <optional>
#include <thread>

#include "api/api_error.h"
#include "api/json_fields.h"
#include "http/api_keys.h"
#include "http/connection_pool.h"
#include "http/cors.h"
#include "http/listen_socket.h"
#include "http/routes.h"
#include "http/static_site.h"
#include "router/proxy.h"
#include "util/log.h"

namespace cria::router {

namespace {

using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
using json = nlohmann::json;

void send_json(httplib::Response& res, const json& body, int status = 200) {
    res.status = status;
    res.set_content(body.dump(), "application/json; charset=utf-8");
}

void send_api_error(httplib::Response& res, const ApiError& error) {
    if (error.status == 503) res.set_header("Retry-After", "1");
    send_json(res, error.to_json(), error.status);
}

// The router's one error path: whatever a handler throws is answered in OpenAI's error shape.
ApiRoute guarded(Handler handle) {
    return ApiRoute([handle = std::move(handle)](const httplib::Request& req, httplib::Response& res) {
        try {
            handle(req, res);
        } catch (...) {
            bool unexpected = false;
            const ApiError error = api_error_from(std::current_exception(), &unexpected);
            if (unexpected) log_error("router: unhandled exception in a handler: " + error.message);
            send_api_error(res, error);
        }
    });
}

// The longest model name a request may give: names are file names (and preset sections), and an
// unknown one is echoed in the error.
constexpr size_t kMaxModelNameBytes = 1024;

std::string bounded_name(std::string name) {
    if (name.size() > kMaxModelNameBytes) {
        throw invalid_request("'model' is longer than " + std::to_string(kMaxModelNameBytes) + " bytes", "model");
    }
    return name;
}

// The model a request names: a JSON body's "model" (POST), else the query's ?model=.
std::string requested_model(const httplib::Request& req, size_t max_json_depth) {
    if (req.has_param("model")) return bounded_name(req.get_param_value("model"));
    if (req.body.empty() || req.body.find('{') == std::string::npos) return "";
    check_json_depth(req.body, max_json_depth);
    const json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("model")) return "";
    if (!body["model"].is_string()) throw invalid_request("'model' must be a string", "model");
    return bounded_name(body["model"].get<std::string>());
}

// A small answer of a loaded child, read whole (/props, /metrics, /health); nullopt when the
// child did not answer.
httplib::Result fetch(const ModelRegistry::Lease& lease, const httplib::Request& req, const std::string& path) {
    httplib::Client client("127.0.0.1", lease.port());
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(30, 0);
    httplib::Headers headers;
    for (const char* name : {"Authorization", "X-Api-Key"}) {
        if (req.has_header(name)) headers.emplace(name, req.get_header_value(name));
    }
    return client.Get(path, headers);
}

ApiError not_running(const std::string& name, ModelState state) {
    return ApiError{503, "unavailable_error", "model '" + name + "' is " + state_name(state), "model"};
}

}  // namespace

RouterServer::RouterServer(const ServerOptions& options, ModelRegistry& registry)
    : options_(options), registry_(registry) {
    const HttpConfig& http = options_.http;
    if (http.ssl_cert_file.empty()) {
        server_ = std::make_unique<httplib::Server>();
    } else {
        server_ = std::make_unique<httplib::SSLServer>(http.ssl_cert_file.c_str(), http.ssl_key_file.c_str());
    }
    install_routes();
}

RouterServer::~RouterServer() = default;

void RouterServer::install_routes() {
    httplib::Server& s = *server_;
    const HttpConfig& http = options_.http;
    // Every streaming client holds a thread (and its forwarding thread) for its whole request.
    const size_t threads = http.n_threads > 0 ? static_cast<size_t>(http.n_threads)
                                              : std::max<size_t>(16, std::thread::hardware_concurrency());
    s.new_task_queue = [threads] { return new ConnectionPool(threads, std::max<size_t>(threads * 4, 512)); };
    s.set_keep_alive_timeout(http.idle_timeout_s);
    s.set_read_timeout(http.timeout_s);
    s.set_write_timeout(http.timeout_s);
    s.set_payload_max_length(kMaxRouterBodyBytes);
    s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        const HttpConfig& h = options_.http;
        const bool preflight = req.method == "OPTIONS";
        const CorsDecision cors = decide_cors(h.cors, req.get_header_value("Origin"), preflight,
                                              req.get_header_value("Access-Control-Request-Headers"));
        for (const auto& [name, value] : cors.headers) res.set_header(name, value);
        if (preflight) {
            if (cors.allowed) res.status = 204;
            if (!cors.allowed) send_api_error(res, ApiError{403, "permission_error", "origin not allowed (see --cors-origins)", ""});
            return httplib::Server::HandlerResponse::Handled;
        }
        const std::string path = path_under_prefix(req.path, h.api_prefix);
        if (!h.api_keys.empty() && !path.empty() && !is_public_path(path) && !has_valid_api_key(req, h.api_keys)) {
            if (serve_static_site(h, static_root_, req, res)) return httplib::Server::HandlerResponse::Handled;
            send_api_error(res, authentication_error("Invalid API Key"));
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty() || res.content_provider_) return;  // a child's own error, relayed as it comes
        if (res.status == 404) send_api_error(res, not_found_error("no route for " + req.method + " " + req.path));
        if (res.status == 413) send_api_error(res, payload_too_large_error("the request body is larger than the limit of 32 MiB"));
    });
    s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
        log_fields(LogLevel::info, "request", {{"method", req.method}, {"route", req.path}, {"status", std::to_string(res.status)}});
    });

    Routes routes(s, http.api_prefix);
    register_model_routes(routes);
    register_info_routes(routes);
    register_proxy_routes(routes);  // last: their catch-all patterns must not shadow the routes above
}

// GET /models and /v1/models, POST /models/load and /models/unload.
void RouterServer::register_model_routes(Routes& routes) {
    const size_t depth = static_cast<size_t>(options_.http.max_json_depth);
    const auto list = guarded([this](const httplib::Request&, httplib::Response& res) { send_json(res, registry_.describe()); });
    routes.Get("/models", list);
    routes.Get("/v1/models", list);
    routes.Post("/models/load", guarded([this, depth](const httplib::Request& req, httplib::Response& res) {
        const std::string name = requested_model(req, depth);
        if (name.empty()) throw invalid_request("'model' is required", "model");
        registry_.load(registry_.resolve(name));
        send_json(res, {{"success", true}});
    }));
    routes.Post("/models/unload", guarded([this, depth](const httplib::Request& req, httplib::Response& res) {
        const std::string name = requested_model(req, depth);
        if (name.empty()) throw invalid_request("'model' is required", "model");
        registry_.unload(registry_.resolve(name));
        send_json(res, {{"success", true}});
    }));

}

// /health, /props and /metrics: answered by the router, from a child's answer where one is loaded.
void RouterServer::register_info_routes(Routes& routes) {
    const auto health = guarded([this](const httplib::Request& req, httplib::Response& res) {
        json models = json::object();
        const json described = registry_.describe();
        for (const auto& m : described["data"]) models[m["id"].get<std::string>()] = m["status"]["value"];
        if (registry_.single() || req.has_param("model")) {
            const std::string name = registry_.resolve(bounded_name(req.get_param_value("model")));
            const ModelState state = registry_.state(name);
            if (state == ModelState::loading) throw unavailable_error("Loading model");
            if (state == ModelState::failed) throw server_error("model '" + name + "' failed to load");
            if (!registry_.single() && state != ModelState::loaded) throw not_running(name, state);
        }
        send_json(res, {{"status", "ok"}, {"models", models}});
    });
    routes.Get("/health", health);
    routes.Get("/v1/health", health);

    routes.Get("/props", guarded([this](const httplib::Request& req, httplib::Response& res) {
        const std::string asked = bounded_name(req.get_param_value("model"));
        if (!registry_.single() && asked.empty() && registry_.size() != 1) {
            send_json(res, {{"role", "router"}, {"max_instances", registry_.settings().models_max},
                            {"models_autoload", registry_.settings().autoload}, {"is_sleeping", false}});
            return;
        }
        const std::string name = registry_.resolve(asked);
        // Looking at a model is no use of it: polling /props neither wakes a sleeping model nor
        // keeps an idle one from sleeping.
        const std::optional<ModelRegistry::Lease> lease = registry_.look(name);
        if (!lease) {
            send_json(res, {{"model_alias", name}, {"is_sleeping", true}});
            return;
        }
        const auto answer = fetch(*lease, req, "/props");
        if (!answer) throw unavailable_error("model '" + name + "' did not answer");
        json body = json::parse(answer->body, nullptr, false);
        if (body.is_object()) body["is_sleeping"] = false;
        send_json(res, body.is_object() ? body : json::object(), answer->status);
    }));

    routes.Get("/metrics", guarded([this](const httplib::Request& req, httplib::Response& res) {
        if (!options_.http.metrics) throw not_supported_error("This server does not support metrics endpoint.");
        std::string text;
        if (registry_.single() || req.has_param("model")) {
            const std::string name = registry_.resolve(bounded_name(req.get_param_value("model")));
            const ModelState state = registry_.state(name);
            if (!registry_.single() && state != ModelState::loaded) throw not_running(name, state);
            if (state == ModelState::loaded) {
                if (const auto lease = registry_.look(name)) {
                    const auto answer = fetch(*lease, req, "/metrics");
                    if (answer && answer->status == 200) text = answer->body;
                }
            }
        }
        if (registry_.single() || !req.has_param("model")) text += registry_.metrics_text();
        res.set_content(text, "text/plain; version=0.0.4");
    }));

}

// Every other route: to the child of the model the request names; GETs of the web UI first.
void RouterServer::register_proxy_routes(Routes& routes) {
    const HttpConfig& http = options_.http;
    const size_t depth = static_cast<size_t>(http.max_json_depth);
    const auto target = [this](const httplib::Request& req) {
        return path_under_prefix(req.target.empty() ? req.path : req.target, options_.http.api_prefix);
    };
    const auto proxy = [this, depth, target](const httplib::Request& req, httplib::Response& res) {
        const std::string name = registry_.resolve(requested_model(req, depth));
        forward_to_child(registry_.acquire(name), req, target(req), res, options_.http.timeout_s);
    };

    routes.Post(R"(/.*)", guarded(proxy));
    routes.Get(R"(/.*)", guarded([this, proxy](const httplib::Request& req, httplib::Response& res) {
        if (serve_static_site(options_.http, static_root_, req, res)) return;
        proxy(req, res);
    }));
}

bool RouterServer::bind(std::string* error) {
    const HttpConfig& http = options_.http;
    if (!server_->is_valid()) {
        *error = "cannot serve HTTPS: check --ssl-key-file and --ssl-cert-file";
        return false;
    }
    if (!open_static_dir(http, &static_root_, error)) return false;
    if (!bind_listening_socket(*server_, http.host, http.port, http.reuse_port)) {
        *error = "cannot listen on " + http.host + ":" + std::to_string(http.port) + " (address in use or not available)";
        return false;
    }
    return true;
}

void RouterServer::listen() { server_->listen_after_bind(); }

void RouterServer::stop() {
    server_->wait_until_ready();
    server_->stop();
}

}  // namespace cria::router
