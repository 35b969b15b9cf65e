// RouterServer: the HTTP front of router mode. It answers what concerns the models themselves
// (GET /models and /v1/models, POST /models/load and /models/unload, /health, /metrics, /props
// of a model that sleeps) and the web UI, and hands every other request to the child of the model
// it names (proxy.h): a JSON body's "model", a GET's ?model=. API keys and CORS are checked here,
// before any model is loaded for a request. Llama-free: the router never loads a model itself.
#pragma once

#include <memory>
#include <string>

#include <httplib.h>

#include "http/routes.h"
#include "options/server_options.h"
#include "router/model_registry.h"

namespace cria::router {

// The largest request body accepted: the same limit as cria's own server (http_server.h), so the
// router never refuses what a child would take.
inline constexpr size_t kMaxRouterBodyBytes = 32u << 20;

class RouterServer {
public:
    RouterServer(const ServerOptions& options, ModelRegistry& registry);
    ~RouterServer();

    bool bind(std::string* error);  // false with *error: TLS files, --path, or the port
    void listen();                  // blocks until stop()
    void stop();

private:
    void install_routes();
    void register_model_routes(Routes& routes);
    void register_info_routes(Routes& routes);
    void register_proxy_routes(Routes& routes);

    const ServerOptions& options_;
    ModelRegistry& registry_;
    std::unique_ptr<httplib::Server> server_;
    std::string static_root_;
};

}  // namespace cria::router
