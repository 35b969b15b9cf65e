// HttpServer: cpp-httplib set up with cria's routes, authentication, CORS, limits and one error
// path. It listens before the model is loaded, so /health can say "loading model".
#pragma once

#include <memory>
#include <string>

#include "http/server_context.h"

namespace cria {

class HttpServer {
public:
    HttpServer(const ServerOptions& options, Engine& engine);
    ~HttpServer();

    // Binds host:port. Returns false with *error on failure (e.g. the port is taken).
    bool bind(std::string* error);

    // Serves until stop(). Blocks; run it on its own thread.
    void listen();

    // The system prompt from --system-prompt-file; call before set_ready(), which tokenizes it.
    void set_system_prompt(SystemPrompt system_prompt);

    // The model is loaded: model routes start answering.
    void set_ready();
    void set_failed();

    // Stops listen(); waits for it to have started first. Call only once listen() is running or about to.
    void stop();

    int port() const { return port_; }

private:
    void install_routes();

    ServerContext context_;
    std::unique_ptr<httplib::Server> server_;
    int port_ = 0;
};

// The largest request body accepted, in bytes.
inline constexpr size_t kMaxRequestBodyBytes = 32u << 20;

}  // namespace cria
