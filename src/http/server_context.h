// ServerContext: what every route handler needs, shared by the route files.
#pragma once

#include <atomic>
#include <string>

#include <httplib.h>

#include "api/api_error.h"
#include "api/completion_request.h"
#include "engine/engine.h"
#include "options/server_options.h"

namespace cria {

enum class ServerState { loading, ready, failed };

struct ServerContext {
    ServerContext(const ServerOptions& server_options, Engine& server_engine)
        : options(server_options), engine(server_engine) {}

    const ServerOptions& options;
    Engine& engine;
    std::atomic<ServerState> state{ServerState::loading};

    // Set once the model is loaded (before state becomes ready).
    std::string model_name;            // --alias, else the model path
    CompletionDefaults completion_defaults;
};

// Writes an ApiError as the response (status, OpenAI-shaped JSON body).
void send_error(httplib::Response& res, const ApiError& error);

// Writes a JSON body with status 200.
void send_json(httplib::Response& res, const nlohmann::json& body, int status = 200);

// Model routes need a loaded model: throws 503 while loading, 500 if loading failed.
void require_ready(const ServerContext& context);

// Route registration, one file per group.
void register_info_routes(httplib::Server& server, ServerContext& context);        // health, props, slots
void register_tokenize_routes(httplib::Server& server, ServerContext& context);    // tokenize, detokenize
void register_completion_routes(httplib::Server& server, ServerContext& context);  // completion

}  // namespace cria
