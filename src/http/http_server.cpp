#include "http/http_server.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <thread>

#include "api/completion_response.h"
#include "api/json_fields.h"
#include "http/api_keys.h"
#include "http/connection_pool.h"
#include "http/listen_socket.h"
#include "http/cors.h"
#include "http/static_routes.h"
#include "util/allocator.h"
#include "util/log.h"

namespace cria {

namespace {

// When the request being handled on this thread arrived (httplib serves a request on one thread,
// from routing to the logger).
thread_local std::chrono::steady_clock::time_point request_started;

// The tokens the request on this thread cost, for its log line (summed over its choices).
struct RequestTokens {
    bool any = false;
    int64_t prompt = 0;
    int64_t predicted = 0;
};
thread_local RequestTokens request_tokens;

// The response on this thread is a stream: its log line is written when the stream ends.
thread_local bool request_streams = false;

// Request bodies logged at debug verbosity are cut to this many bytes.
constexpr size_t kLoggedBodyBytes = 4096;

// The HTTP threads kept running: --threads-http, else enough for every slot plus waiting clients.
size_t http_threads(const ServerOptions& options) {
    if (options.http.n_threads > 0) return static_cast<size_t>(options.http.n_threads);
    // Every streaming client holds a thread for its whole request: leave room for waiting
    // clients and probes beside the busy slots.
    const size_t cores = std::max(1u, std::thread::hardware_concurrency());
    return std::max<size_t>({cores, static_cast<size_t>(options.engine.n_parallel) * 2 + 8});
}

// How many threads the pool may grow to (http/connection_pool.h). Every open connection holds a
// thread until it closes, a silent one too (until --http-idle-timeout): the pool starts one for
// each connection beyond the idle ones, up to this many, so connections held open without a
// request do not keep a real request waiting for a thread.
constexpr size_t kHttpThreadCap = 512;

// httplib parses bodies of these media types itself (form fields, multipart parts) instead of
// keeping them as sent, and refuses a url-encoded one over 8 KiB. Every route reads its body as
// JSON whatever its Content-Type says (as llama-server does), so such a label is set aside before
// the body is read: the body then arrives whole, within the real limit.
void keep_body_as_sent(const httplib::Request& req) {
    std::string media = req.get_header_value("Content-Type");
    media = media.substr(0, media.find(';'));
    std::transform(media.begin(), media.end(), media.begin(), [](unsigned char c) { return std::tolower(c); });
    if (media.find("x-www-form-urlencoded") == std::string::npos && media.find("multipart/") == std::string::npos) {
        return;
    }
    // httplib's request object is not const: routing passes it on as const only.
    auto& headers = const_cast<httplib::Request&>(req).headers;
    headers.erase("Content-Type");
    headers.emplace("Content-Type", "application/octet-stream");
}

std::unique_ptr<httplib::Server> make_server(const HttpConfig& http) {
    if (http.ssl_cert_file.empty()) return std::make_unique<httplib::Server>();
    return std::make_unique<httplib::SSLServer>(http.ssl_cert_file.c_str(), http.ssl_key_file.c_str());
}

// What a request's log line says besides its duration and tokens.
struct RequestLine {
    std::string method, route, remote;
    int status = 0;
};
// A stream's line, kept from httplib's logger (called before the stream is written) until its end.
thread_local RequestLine request_line;

// One line per request, with what it cost in tokens. Bodies (prompts) only at debug verbosity.
void log_request(const RequestLine& line) {
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - request_started).count();
    char duration[32];
    std::snprintf(duration, sizeof(duration), "%.1f", ms);
    std::vector<std::pair<std::string, std::string>> fields = {{"method", line.method},
                                                               {"route", line.route},
                                                               {"status", std::to_string(line.status)},
                                                               {"duration_ms", duration},
                                                               {"remote", line.remote}};
    if (request_tokens.any) {
        fields.emplace_back("prompt_tokens", std::to_string(request_tokens.prompt));
        fields.emplace_back("predicted_tokens", std::to_string(request_tokens.predicted));
    }
    log_fields(LogLevel::info, "request", fields);
}

// Every request first: starts its log state, answers CORS (a preflight entirely), and refuses an
// API route without a valid key. Unhandled: the router takes the request on.
httplib::Server::HandlerResponse before_routing(const ServerContext& context, const httplib::Request& req,
                                                httplib::Response& res) {
    request_started = std::chrono::steady_clock::now();
    request_tokens = RequestTokens{};
    request_streams = false;
    request_line = RequestLine{};
    const HttpConfig& http = context.options.http;
    const bool preflight = req.method == "OPTIONS";
    const CorsDecision decision = decide_cors(http.cors, req.get_header_value("Origin"), preflight,
                                              req.get_header_value("Access-Control-Request-Headers"));
    for (const auto& [name, value] : decision.headers) res.set_header(name, value);
    if (preflight) {
        if (!decision.allowed) {
            send_error(res, ApiError{403, "permission_error", "origin not allowed (see --cors-origins)", ""});
        } else {
            res.status = 200;  // as llama-server answers a preflight
        }
        return httplib::Server::HandlerResponse::Handled;
    }
    keep_body_as_sent(req);
    const auto& keys = http.api_keys;
    // A path outside --api-prefix ("") matches no route: it gets its 404 from the router.
    const std::string path = path_under_prefix(req.path, http.api_prefix);
    if (!keys.empty() && !path.empty() && !is_public_path(path) && !has_valid_api_key(req, keys)) {
        // The web UI's files (and --path files) load without a key; the page then sends the
        // key its user types. Only static content is answered here, never an API route.
        if (serve_static(context, req, res)) return httplib::Server::HandlerResponse::Handled;
        send_error(res, authentication_error("Invalid API Key"), context.error_shapes.for_path(path));
        return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
}

// Errors that never reached a handler: unknown route, body over the limit, bad request line.
void answer_unrouted_error(const ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    // A handler already wrote its error, or relays one (a proxied answer's body comes later)
    if (!res.body.empty() || res.content_provider_) return;
    const ErrorBody shape = error_body_for(context, req);
    if (res.status == 404) {
        send_error(res, not_found_error("no route for " + req.method + " " + req.path), shape);
    } else if (res.status == 413) {
        send_error(res,
                   payload_too_large_error("the request body is larger than the limit of " +
                                           std::to_string(kMaxRequestBodyBytes >> 20) + " MiB (" +
                                           std::to_string(kMaxRequestBodyBytes) + " bytes)"),
                   shape);
    } else if (res.status == 405) {
        send_error(res, ApiError{405, "invalid_request_error", req.method + " is not allowed on " + req.path, ""}, shape);
    } else if (res.status >= 400 && res.status < 500) {
        send_error(res, ApiError{res.status, "invalid_request_error", "bad request", ""}, shape);
    } else if (res.status >= 500) {
        send_error(res, server_error("internal server error"), shape);
    }
}

// Every routed request once its body is read, before its handler: the one check of the body's
// JSON nesting, for every route, before anything parses (and recurses into) it.
httplib::Server::HandlerResponse check_body(const ServerContext& context, const httplib::Request& req,
                                            httplib::Response& res) {
    try {
        check_json_depth(req.body, static_cast<size_t>(context.options.http.max_json_depth));
    } catch (const ApiError& e) {
        send_error(res, e, error_body_for(context, req));
        return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
}

// The last resort, for what escaped outside a route's handler (api_route answers those): the
// pre-routing and pre-request handlers, httplib itself.
void answer_unexpected_exception(const ServerContext& context, const httplib::Request& req, httplib::Response& res,
                                 std::exception_ptr ep) {
    bool unexpected = false;
    const ApiError error = api_error_from(ep, &unexpected);
    if (unexpected) log_error("unhandled exception while answering a request: " + error.message);
    send_error(res, error, error_body_for(context, req));
}

// httplib's logger: one line per request; a stream's is written by send_event_stream when it ends.
void log_answered_request(const httplib::Request& req, const httplib::Response& res) {
    if (!req.body.empty() && log_enabled(LogLevel::debug)) {
        log_fields(LogLevel::debug, "request body", {{"route", req.path}, {"body", req.body.substr(0, kLoggedBodyBytes)}});
    }
    if (request_streams) {
        request_line = RequestLine{req.method, req.path, req.remote_addr, res.status};
        return;
    }
    log_request(RequestLine{req.method, req.path, req.remote_addr, res.status});
}

}  // namespace

void send_event_stream(httplib::Response& res, httplib::ContentProviderWithoutLength provider,
                       std::function<void(bool)> on_close, const char* content_type) {
    request_streams = true;
    res.set_header("Cache-Control", "no-cache");
    // httplib writes the stream and then releases it on the thread that handled the request, so
    // the thread-local line and tokens are this request's.
    res.set_chunked_content_provider(content_type, std::move(provider),
                                     [on_close = std::move(on_close)](bool success) {
                                         on_close(success);
                                         // Empty if httplib never reached its logger for this request.
                                         if (!request_line.method.empty()) log_request(request_line);
                                     });
}

void answer_errors(httplib::Response& res, const std::function<void()>& handle, ErrorBody body) {
    try {
        handle();
    } catch (...) {
        bool unexpected = false;
        const ApiError error = api_error_from(std::current_exception(), &unexpected);
        if (unexpected) log_error("unhandled exception in a handler: " + error.message);
        send_error(res, error, body);
    }
}

json openai_error_body(const ApiError& error) { return error.to_json(); }

ErrorBody ErrorShapes::for_path(const std::string& path) const {
    ErrorBody body = openai_error_body;
    size_t longest = 0;
    for (const auto& [claimed, claimed_body] : claims_) {
        const bool under = path.compare(0, claimed.size(), claimed) == 0 &&
                           (path.size() == claimed.size() || path[claimed.size()] == '/');
        if (under && claimed.size() > longest) {
            body = claimed_body;
            longest = claimed.size();
        }
    }
    return body;
}

ErrorBody error_body_for(const ServerContext& context, const httplib::Request& req) {
    return context.error_shapes.for_path(path_under_prefix(req.path, context.options.http.api_prefix));
}

void note_request_tokens(int64_t prompt_tokens, int64_t predicted_tokens) {
    request_tokens.any = true;
    request_tokens.prompt += prompt_tokens;
    request_tokens.predicted += predicted_tokens;
}

void send_json(httplib::Response& res, const nlohmann::json& body, int status) {
    res.status = status;
    res.set_content(dump_json(body), "application/json; charset=utf-8");
}

void send_error(httplib::Response& res, const ApiError& error, ErrorBody body) {
    if (error.status == 503) res.set_header("Retry-After", "1");  // busy, loading or stopping: all pass
    send_json(res, body(error), error.status);
}

ApiError task_failure_error(const TaskFailure& f) {
    return ApiError{f.http_status, f.http_status < 500 ? "invalid_request_error" : "server_error", f.message, ""};
}

void require_ready(const ServerContext& context) {
    switch (context.state.load()) {
        case ServerState::ready: return;
        case ServerState::loading: throw unavailable_error("Loading model");
        case ServerState::failed: throw server_error("the model failed to load");
    }
}

HttpServer::HttpServer(const ServerOptions& options, Engine& engine)
    : context_(options, engine), server_(make_server(options.http)) {
    install_routes();
}

HttpServer::~HttpServer() = default;

void HttpServer::install_routes() {
    httplib::Server& s = *server_;
    const HttpConfig& http = context_.options.http;
    const size_t threads = http_threads(context_.options);
    s.new_task_queue = [threads] { return new ConnectionPool(threads, std::max(threads * 4, kHttpThreadCap)); };
    // A connection that sends nothing is closed after --http-idle-timeout; --timeout is for
    // requests under way (reading one, writing its answer).
    s.set_keep_alive_timeout(http.idle_timeout_s);
    s.set_read_timeout(http.timeout_s);
    s.set_write_timeout(http.timeout_s);
    s.set_payload_max_length(kMaxRequestBodyBytes);
    s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        return before_routing(context_, req, res);
    });
    s.set_pre_request_handler([this](const httplib::Request& req, httplib::Response& res) {
        return check_body(context_, req, res);
    });
    s.set_post_routing_handler([](const httplib::Request& req, httplib::Response&) {
        if (req.body.size() >= kReleaseAfterBodyBytes) release_freed_memory();  // see util/allocator.h
    });
    s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
        answer_unrouted_error(context_, req, res);
    });
    s.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        answer_unexpected_exception(context_, req, res, ep);
    });
    s.set_logger(log_answered_request);

    Routes routes(s, http.api_prefix);
    register_info_routes(routes, context_);
    register_tokenize_routes(routes, context_);
    register_completion_routes(routes, context_);
    register_infill_routes(routes, context_);
    register_openai_routes(routes, context_);
    register_chat_routes(routes, context_);
    register_token_count_routes(routes, context_);
    register_responses_routes(routes, context_);
    register_embedding_routes(routes, context_);
    register_lora_routes(routes, context_);
    register_slot_file_routes(routes, context_);
    register_anthropic_routes(routes, context_);
    register_ollama_routes(routes, context_);
    register_rerank_routes(routes, context_);
    register_agent_tool_routes(routes, context_);
    register_mcp_proxy_routes(routes, context_);
    register_static_routes(routes, context_);  // last: its catch-all GET must not shadow an API route
}

bool HttpServer::bind(std::string* error) {
    const HttpConfig& options = context_.options.http;
    if (!server_->is_valid()) {
        *error = "cannot serve HTTPS: the key (--ssl-key-file " + options.ssl_key_file + ") or certificate (--ssl-cert-file " +
                 options.ssl_cert_file + ") is missing, unreadable, not PEM, or they do not match";
        return false;
    }
    if (!open_static_root(context_, error)) return false;
    if (!bind_listening_socket(*server_, options.host, options.port, options.reuse_port)) {
        *error = "cannot listen on " + options.host + ":" + std::to_string(options.port) +
                 " (address in use or not available)";
        return false;
    }
    port_ = options.port;
    return true;
}

void HttpServer::listen() { server_->listen_after_bind(); }

void HttpServer::set_ready() {
    const auto& options = context_.options;
    const auto& engine = context_.engine;
    // The path actually loaded: with -mu or -hf, the downloaded file.
    context_.model_name = options.alias.empty() ? engine.info().model_path : options.alias;
    // The parsed defaults as they are; the loaded engine adds what only it knows. (-l ids and the
    // grammar were checked against the vocabulary before this, in main.cpp.)
    CompletionDefaults d = options.defaults;
    context_.system_prompt.set(context_.initial_system_prompt, engine.vocabulary());
    d.n_slots = engine.info().n_slots;
    d.n_lora_adapters = engine.lora_adapter_count();
    context_.completion_defaults.set(std::move(d));
    context_.state = ServerState::ready;
}

void HttpServer::set_system_prompt(SystemPrompt system_prompt) {
    context_.initial_system_prompt = std::move(system_prompt);
}

void HttpServer::set_failed() { context_.state = ServerState::failed; }

void HttpServer::stop() {
    // stop() before the listening thread has started accepting would be a no-op, and listen() would
    // then run forever (e.g. a start-up that fails at once, like --offline without a cached model).
    server_->wait_until_ready();
    server_->stop();
}

}  // namespace cria
