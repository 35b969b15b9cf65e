// ServerContext: what every route handler needs, shared by the route files.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <httplib.h>

#include "api/api_error.h"
#include "api/completion_request.h"
#include "engine/engine.h"
#include "frontend/system_prompt_state.h"
#include "http/prompt_log.h"
#include "http/responses_store.h"
#include "http/routes.h"
#include "options/server_options.h"

namespace cria {

enum class ServerState { loading, ready, failed };

// The server-wide defaults of requests: ServerOptions::defaults as parsed, plus the loaded engine's
// n_slots and n_lora_adapters (set_ready()); replaced by POST /props (--props). The one place
// requests, /props and /slots read them from. Each request reads one snapshot, so a change never
// mixes old and new settings within a request.
class SharedCompletionDefaults {
public:
    std::shared_ptr<const CompletionDefaults> get() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return current_;
    }
    void set(CompletionDefaults defaults) {
        auto next = std::make_shared<const CompletionDefaults>(std::move(defaults));
        std::lock_guard<std::mutex> lock(mutex_);
        current_ = std::move(next);
    }
    // Replaces the defaults with change(current ones); concurrent updates run one after the other,
    // so each builds on the last. `change` may throw: the defaults then stay as they were.
    void update(const std::function<CompletionDefaults(const CompletionDefaults&)>& change) {
        std::lock_guard<std::mutex> lock(update_mutex_);
        set(change(*get()));
    }

private:
    mutable std::mutex mutex_;
    std::mutex update_mutex_;
    std::shared_ptr<const CompletionDefaults> current_ = std::make_shared<const CompletionDefaults>();
};

// How an ApiError's body is written: every route answers in OpenAI's shape (ApiError::to_json)
// unless its route group claims its paths for its own dialect's shape (Anthropic's
// {"type": "error", "error": {...}}, Ollama's {"error": "..."}). A claim covers every error under
// those paths: the handler's (api_route), the API-key check, an unknown method, a body over the
// limit or nested too deep. The status is always the ApiError's. Streams write their errors
// through their formatter (ResultFormatter::stream_failure).
using ErrorBody = nlohmann::json (*)(const ApiError& error);

nlohmann::json openai_error_body(const ApiError& error);  // the default: error.to_json()

class ErrorShapes {
public:
    // `path` and every path under it ("/v1/messages" claims "/v1/messages/count_tokens") answer
    // errors with `body`. Paths are as routes name them (without --api-prefix). Called only while
    // routes are registered, before the server listens: afterwards the claims are read-only, so
    // every HTTP thread may read them without a lock.
    void claim(std::string path, ErrorBody body) { claims_.emplace_back(std::move(path), body); }

    // The body for a request's path (without --api-prefix): the longest claim's, else OpenAI's.
    ErrorBody for_path(const std::string& path) const;

private:
    std::vector<std::pair<std::string, ErrorBody>> claims_;
};

struct ServerContext {
    ServerContext(const ServerOptions& server_options, Engine& server_engine)
        : options(server_options),
          engine(server_engine),
          responses(static_cast<size_t>(server_options.http.responses_store),
                    static_cast<size_t>(server_options.http.responses_store_size)),
          prompt_log(server_options.http.log_prompts_dir) {}

    const ServerOptions& options;  // as parsed (main.cpp's, outlives the server); routes read options.http.
                                   // The request defaults are read from completion_defaults, not from here.
    Engine& engine;
    std::atomic<ServerState> state{ServerState::loading};

    // Set once the model is loaded (before state becomes ready).
    std::string model_name;            // --alias, else the model path
    SharedCompletionDefaults completion_defaults;
    SharedSystemPrompt system_prompt;    // frontend/system_prompt_state.h
    SystemPrompt initial_system_prompt;  // --system-prompt-file, installed by set_ready()

    ResponsesStore responses;  // /v1/responses answers sent with store: true (--responses-store)
    PromptLog prompt_log;      // --log-prompts-dir (off when unset); generation routes write their prompts

    // Set before listening: the canonical --path directory ("" = none; then the built-in UI, if on).
    std::string static_root;

    // Filled by the route groups while they register, before listening (see ErrorShapes).
    ErrorShapes error_shapes;
};

// Writes an ApiError as the response: its status, and its body in `body`'s shape.
void send_error(httplib::Response& res, const ApiError& error, ErrorBody body = openai_error_body);

// The error shape of the route `req` is for (ErrorShapes::for_path under --api-prefix).
ErrorBody error_body_for(const ServerContext& context, const httplib::Request& req);

// The error a failed task answers with: invalid_request_error below 500, server_error above.
ApiError task_failure_error(const TaskFailure& failure);

// Adds a finished task's token counts to the log line of the request this thread is answering.
void note_request_tokens(int64_t prompt_tokens, int64_t predicted_tokens);

// Answers with a stream (server-sent events unless `content_type` says otherwise) written by `provider`; `on_close(success)` runs once the
// stream has ended or the client left. The request's log line is written then, not when the
// handler returns, so that it has the stream's real duration and tokens.
void send_event_stream(httplib::Response& res, httplib::ContentProviderWithoutLength provider,
                       std::function<void(bool success)> on_close, const char* content_type = "text/event-stream");

// Runs `handle` and answers whatever it throws in `body`'s error shape (api_error_from(): an
// ApiError as it is, a client's JSON of the wrong shape 400, anything else 500, logged). Never
// throws: nothing a handler does reaches httplib as an exception.
void answer_errors(httplib::Response& res, const std::function<void()>& handle, ErrorBody body = openai_error_body);

// The one error path of the HTTP layer: every route's handler is registered through it. A route
// handler that runs handle(context, req, res) inside answer_errors(), in the error shape its
// path's group claimed (context.error_shapes).
template <typename Handle>
ApiRoute api_route(ServerContext& context, Handle handle) {
    return ApiRoute([&context, handle](const httplib::Request& req, httplib::Response& res) {
        answer_errors(res, [&] { handle(context, req, res); }, error_body_for(context, req));
    });
}

// 403 {"error": {"message": "this feature is disabled", "type": "feature_disabled"}}: llama-server's
// answer on a route whose option is off (/tools, /cors-proxy).
void send_feature_disabled(httplib::Response& res);

// Writes a JSON body with status 200.
void send_json(httplib::Response& res, const nlohmann::json& body, int status = 200);

// Model routes need a loaded model: throws 503 while loading, 500 if loading failed.
void require_ready(const ServerContext& context);

// Route registration, one file per group.
void register_info_routes(Routes& server, ServerContext& context);        // health, props, slots
void register_tokenize_routes(Routes& server, ServerContext& context);    // tokenize, detokenize
void register_completion_routes(Routes& server, ServerContext& context);  // completion
void register_infill_routes(Routes& server, ServerContext& context);      // infill
void register_openai_routes(Routes& server, ServerContext& context);      // /v1/models, /v1/completions
void register_chat_routes(Routes& server, ServerContext& context);        // /v1/chat/completions, /apply-template
void register_token_count_routes(Routes& server, ServerContext& context); // /v1/chat/completions/input_tokens
void register_embedding_routes(Routes& server, ServerContext& context);   // /embedding, /v1/embeddings
void register_lora_routes(Routes& server, ServerContext& context);        // /lora-adapters
void register_slot_file_routes(Routes& server, ServerContext& context);   // POST /slots/{id}?action=
void register_anthropic_routes(Routes& server, ServerContext& context);   // /v1/messages, /v1/messages/count_tokens
void register_ollama_routes(Routes& server, ServerContext& context);      // /api/* (Ollama's API)
void register_rerank_routes(Routes& server, ServerContext& context);      // /rerank, /v1/rerank (--rerank)
void register_responses_routes(Routes& server, ServerContext& context);   // /v1/responses (OpenAI Responses)
void register_agent_tool_routes(Routes& server, ServerContext& context);  // GET/POST /tools (--tools, MCP servers)
void register_mcp_proxy_routes(Routes& server, ServerContext& context);   // GET/POST /cors-proxy (--ui-mcp-proxy)
void register_static_routes(Routes& server, ServerContext& context);      // web UI or --path files; last

}  // namespace cria
