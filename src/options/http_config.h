// HttpConfig: how the HTTP server listens and what it serves. The option parser writes these fields
// directly (options/server_options.h); http/ reads them and nothing else copies them. Plain data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cria {

// Which browser origins may call the API (http/cors.h decides each request by it).
struct CorsPolicy {
    std::vector<std::string> origins = {"*"};  // --cors-origins; "*" = any origin (no trailing '/')
    std::string methods = "GET, POST, OPTIONS"; // --cors-methods
    std::string headers = "*";                  // --cors-headers ("*" = what the browser asks for)
    bool credentials = true;                    // --cors-credentials / --no-cors-credentials
};

struct HttpConfig {
    std::string host = "127.0.0.1";    // --host
    int32_t port = 8080;               // --port
    bool reuse_port = false;           // --reuse-port: SO_REUSEPORT, so several servers may share the port
    int32_t n_threads = -1;            // --threads-http (-1 = enough for every slot plus waiting clients)
    int32_t timeout_s = 600;           // -to, --timeout: read/write timeout in seconds
    int32_t idle_timeout_s = 5;        // --http-idle-timeout: how long a connection may send nothing
                                       // (before its first request and between keep-alive requests)
    int32_t sse_ping_interval_s = 30;  // --sse-ping-interval: seconds of silence before an open stream
                                       // sends a keep-alive (-1 = never)
    int32_t max_json_depth = 100;      // --max-json-depth: deepest nesting of a request body's arrays
                                       // and objects (api/json_fields.h kDefaultMaxJsonDepth)
    std::vector<std::string> api_keys; // --api-key (repeatable, comma-separated) and --api-key-file (empty = no auth)
    std::string ssl_key_file;          // --ssl-key-file ("" = plain HTTP; given with ssl_cert_file or not at all)
    std::string ssl_cert_file;         // --ssl-cert-file ("" = plain HTTP)
    CorsPolicy cors;
    std::string api_prefix;            // --api-prefix: path every route is served under ("" = none)
    std::string static_path;           // --path: directory of static files served instead of the built-in UI
                                       // ("" = none; checked to be a directory when the server binds)
    bool webui = true;                 // --webui / --no-webui: the built-in web UI (ignored when static_path is set)
    std::string ui_config;             // --ui-config / --ui-config-file: the web UI's default settings, a JSON
                                       // object's text ("" = none); GET /props answers it as ui_settings
    bool slots_endpoint = true;        // --slots / --no-slots / --slots-endpoint-disable
    bool metrics = false;              // --metrics
    bool props_endpoint = false;       // --props: POST /props may change the default generation settings
    std::string log_prompts_dir;       // --log-prompts-dir: where each generation's prompt is written, one file
                                       // per prompt named by the server ("" = none; http/prompt_log.h)
    std::string slot_save_path;        // --slot-save-path: directory of slot files ("" = slot actions off);
                                       // no trailing '/' (validate() drops it)
    // The in-memory store of /v1/responses answers sent with `store: true` (http/responses_store.h),
    // for previous_response_id and GET /v1/responses/{id}; least recently used ones go first.
    int32_t responses_store = 256;                     // --responses-store: most responses kept (0 = none)
    int32_t responses_store_size = 64 * 1024 * 1024;   // --responses-store-size: most bytes they take (as JSON)
};

}  // namespace cria
