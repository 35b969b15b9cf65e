#include "http/http_server.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "api/completion_response.h"
#include "options/value_parse.h"
#include "util/log.h"

namespace cria {

namespace {

// When the request being handled on this thread arrived (httplib serves a request on one thread,
// from routing to the logger).
thread_local std::chrono::steady_clock::time_point request_started;

// Routes that answer without an API key, as in llama-server: probes and model listing.
bool is_public_path(const std::string& path) {
    return path == "/health" || path == "/v1/health" || path == "/models" || path == "/v1/models";
}

bool has_valid_api_key(const httplib::Request& req, const std::vector<std::string>& keys) {
    std::string presented;
    const std::string auth = req.get_header_value("Authorization");
    const std::string bearer = "Bearer ";
    if (auth.compare(0, bearer.size(), bearer) == 0) {
        presented = auth.substr(bearer.size());
    } else {
        presented = req.get_header_value("X-Api-Key");
    }
    if (presented.empty()) return false;
    // Compared in constant time, so response timing does not reveal how much of a key matched.
    bool match = false;
    for (const auto& key : keys) {
        unsigned char diff = key.size() == presented.size() ? 0 : 1;
        for (size_t i = 0; i < presented.size(); ++i) {
            diff |= static_cast<unsigned char>(presented[i] ^ key[i % std::max<size_t>(key.size(), 1)]);
        }
        match |= diff == 0;
    }
    return match;
}

size_t http_threads(const ServerOptions& options) {
    if (options.n_threads_http > 0) return static_cast<size_t>(options.n_threads_http);
    // Every streaming client holds a thread for its whole request: leave room for waiting
    // clients and probes beside the busy slots.
    const size_t cores = std::max(1u, std::thread::hardware_concurrency());
    return std::max<size_t>({cores, static_cast<size_t>(options.n_parallel) * 2 + 8});
}

}  // namespace

void send_json(httplib::Response& res, const nlohmann::json& body, int status) {
    res.status = status;
    res.set_content(dump_json(body), "application/json; charset=utf-8");
}

void send_error(httplib::Response& res, const ApiError& error) { send_json(res, error.to_json(), error.status); }

ApiError task_failure_error(const TaskFailure& f) {
    return ApiError{f.http_status, f.http_status < 500 ? "invalid_request_error" : "server_error", f.message, ""};
}

std::string prompt_as_text(const std::vector<PromptPart>& parts, const std::vector<Token>& tokens,
                           const Vocabulary& vocabulary) {
    if (parts.size() == 1 && std::holds_alternative<std::string>(parts[0])) return std::get<std::string>(parts[0]);
    return vocabulary.detokenize(tokens);
}

void require_ready(const ServerContext& context) {
    switch (context.state.load()) {
        case ServerState::ready: return;
        case ServerState::loading: throw unavailable_error("Loading model");
        case ServerState::failed: throw server_error("the model failed to load");
    }
}

HttpServer::HttpServer(const ServerOptions& options, Engine& engine)
    : context_(options, engine), server_(std::make_unique<httplib::Server>()) {
    install_routes();
}

HttpServer::~HttpServer() = default;

void HttpServer::install_routes() {
    httplib::Server& s = *server_;
    const ServerOptions& options = context_.options;
    const size_t threads = http_threads(options);
    s.new_task_queue = [threads] { return new httplib::ThreadPool(threads, threads * 4); };
    s.set_read_timeout(options.timeout_s);
    s.set_write_timeout(options.timeout_s);
    s.set_payload_max_length(kMaxRequestBodyBytes);

    s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        request_started = std::chrono::steady_clock::now();
        res.set_header("Access-Control-Allow-Origin", req.has_header("Origin") ? req.get_header_value("Origin") : "*");
        if (req.method == "OPTIONS") {
            res.set_header("Access-Control-Allow-Credentials", "true");
            res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            res.set_header("Access-Control-Allow-Headers", "*");
            res.status = 204;
            return httplib::Server::HandlerResponse::Handled;
        }
        const auto& keys = context_.options.api_keys;
        if (!keys.empty() && !is_public_path(req.path) && !has_valid_api_key(req, keys)) {
            send_error(res, authentication_error("Invalid API Key"));
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });

    // Errors that never reached a handler: unknown route, body over the limit, bad request line.
    s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;  // a handler already wrote its error
        if (res.status == 404) {
            send_error(res, not_found_error("no route for " + req.method + " " + req.path));
        } else if (res.status == 413) {
            send_error(res, invalid_request("request body is larger than the limit of " +
                                            std::to_string(kMaxRequestBodyBytes) + " bytes"));
        } else if (res.status == 405) {
            send_error(res, ApiError{405, "invalid_request_error", req.method + " is not allowed on " + req.path, ""});
        } else if (res.status >= 400 && res.status < 500) {
            send_error(res, ApiError{res.status, "invalid_request_error", "bad request", ""});
        } else if (res.status >= 500) {
            send_error(res, server_error("internal server error"));
        }
    });
    s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        // Handlers catch ApiError themselves; this is the backstop for anything unexpected.
        std::string what = "unknown error";
        try {
            std::rethrow_exception(ep);
        } catch (const ApiError& e) {
            send_error(res, e);
            return;
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        log_error("unhandled exception in a handler: " + what);
        send_error(res, server_error(what));
    });

    // One line per request. Bodies (prompts) are never logged here.
    s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - request_started).count();
        char duration[32];
        std::snprintf(duration, sizeof(duration), "%.1f", ms);
        log_fields(LogLevel::info, "request",
                   {{"method", req.method}, {"route", req.path}, {"status", std::to_string(res.status)},
                    {"duration_ms", duration}, {"remote", req.remote_addr}});
    });

    register_info_routes(s, context_);
    register_tokenize_routes(s, context_);
    register_completion_routes(s, context_);
    register_infill_routes(s, context_);
    register_openai_routes(s, context_);
    register_chat_routes(s, context_);
    register_embedding_routes(s, context_);
}

bool HttpServer::bind(std::string* error) {
    const auto& options = context_.options;
    if (!server_->bind_to_port(options.host, options.port)) {
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
    context_.model_name = options.alias.empty() ? options.model_path : options.alias;
    CompletionDefaults& d = context_.completion_defaults;
    d.sampling.temperature = options.temperature;
    d.sampling.top_k = options.top_k;
    d.sampling.top_p = options.top_p;
    d.sampling.min_p = options.min_p;
    d.sampling.seed = options.seed < 0 ? kRandomSeed : static_cast<uint32_t>(options.seed);
    d.sampling.repeat_penalty = options.repeat_penalty;
    d.sampling.repeat_last_n = options.repeat_last_n;
    d.sampling.presence_penalty = options.presence_penalty;
    d.sampling.frequency_penalty = options.frequency_penalty;
    d.sampling.typical_p = options.typical_p;
    d.sampling.dynatemp_range = options.dynatemp_range;
    d.sampling.dynatemp_exponent = options.dynatemp_exponent;
    d.sampling.mirostat = options.mirostat;
    d.sampling.mirostat_tau = options.mirostat_tau;
    d.sampling.mirostat_eta = options.mirostat_eta;
    d.sampling.xtc_probability = options.xtc_probability;
    d.sampling.xtc_threshold = options.xtc_threshold;
    d.sampling.top_n_sigma = options.top_n_sigma;
    d.sampling.dry_multiplier = options.dry_multiplier;
    d.sampling.dry_base = options.dry_base;
    d.sampling.dry_allowed_length = options.dry_allowed_length;
    d.sampling.dry_penalty_last_n = options.dry_penalty_last_n;
    if (!options.samplers.empty()) {
        d.sampling.samplers.clear();
        // Validated by the option parser: every name is a stage.
        for (const auto& name : options::split_list(options.samplers, ';')) {
            if (auto stage = sampler_stage_from_name(name)) d.sampling.samplers.push_back(*stage);
        }
    }
    d.speculative.n_max = options.draft_n_max;
    d.speculative.n_min = options.draft_n_min;
    d.speculative.p_min = options.draft_p_min;
    d.n_predict_cap = options.n_predict;
    d.n_slots = engine.info().n_slots;
    context_.state = ServerState::ready;
}

void HttpServer::set_failed() { context_.state = ServerState::failed; }

void HttpServer::stop() { server_->stop(); }

}  // namespace cria
