// cria: serve a GGUF model over HTTP.
//
// Start-up order matters: the HTTP server listens first (so /health answers "loading model"),
// then the model loads, then this thread becomes the engine thread and runs the step loop until
// SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <pthread.h>
#include <string>
#include <thread>

#include <llama.h>

#include "engine/engine.h"
#include "http/http_server.h"
#include "options/server_options.h"
#include "util/log.h"

namespace {

cria::EngineConfig engine_config(const cria::ServerOptions& o) {
    cria::EngineConfig c;
    c.model_path = o.model_path;
    c.n_ctx = o.n_ctx;
    c.n_batch = o.n_batch;
    c.n_ubatch = o.n_ubatch;
    c.n_parallel = o.n_parallel;
    c.cont_batching = o.cont_batching;
    c.kv_unified = o.kv_unified;
    c.n_threads = o.n_threads;
    c.n_threads_batch = o.n_threads_batch;
    c.n_gpu_layers = o.n_gpu_layers;
    c.main_gpu = o.main_gpu;
    c.tensor_split = o.tensor_split;
    c.mlock = o.mlock;
    c.mmap = o.mmap;
    c.flash_attn = o.flash_attn;
    c.embedding = o.embedding;
    c.pooling = o.pooling;
    for (const auto& type : o.spec_types) {
        if (type == "draft-simple") c.speculative.sources.push_back(cria::DraftSource::draft_model);
        if (type == "ngram-simple") c.speculative.sources.push_back(cria::DraftSource::ngram);
    }
    c.speculative.draft_model_path = o.draft_model_path;
    c.speculative.n_gpu_layers_draft = o.n_gpu_layers_draft;
    c.speculative.n_ctx_draft = o.n_ctx_draft;
    c.speculative.ngram_size = o.spec_ngram_size_n;
    return c;
}

// libllama's own messages: errors and warnings always, the rest with --verbose.
void forward_llama_log(ggml_log_level level, const char* text, void*) {
    std::string line(text);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.empty()) return;
    switch (level) {
        case GGML_LOG_LEVEL_ERROR: cria::log_error(line); break;
        case GGML_LOG_LEVEL_WARN: cria::log_warn(line); break;
        default: cria::log_debug(line); break;
    }
}

}  // namespace

int main(int argc, char** argv) {
    const cria::ParseOutcome outcome = cria::parse_server_options(argc, argv);
    if (outcome.show_help) {
        std::fputs(cria::server_options_help().c_str(), stdout);
        return 0;
    }
    if (outcome.show_version) {
        std::printf("cria 0.1.0 (libllama %s)\n", llama_version());
        return 0;
    }
    if (!outcome.error.empty() || !outcome.options) {
        std::fprintf(stderr, "cria: %s\n", outcome.error.c_str());
        return 1;
    }
    const cria::ServerOptions& options = *outcome.options;
    cria::set_log_level(options.log_disable ? cria::LogLevel::off
                        : options.verbose   ? cria::LogLevel::debug
                                            : cria::LogLevel::info);
    cria::set_log_json(options.log_format == "json");
    if (!options.log_file.empty() && !cria::set_log_file(options.log_file)) {
        std::fprintf(stderr, "cria: cannot open the log file '%s' (--log-file)\n", options.log_file.c_str());
        return 1;
    }
    llama_log_set(forward_llama_log, nullptr);

    // SIGINT/SIGTERM are taken by one thread with sigwait(); every other thread blocks them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    cria::Engine engine(engine_config(options));
    cria::HttpServer http(options, engine);
    std::string error;
    if (!http.bind(&error)) {
        cria::log_error(error);
        return 1;
    }
    std::thread http_thread([&http] { http.listen(); });
    cria::log_info("listening on http://" + options.host + ":" + std::to_string(options.port) + " (loading model)");

    std::thread signal_thread([&] {
        int signal = 0;
        sigwait(&stop_signals, &signal);
        cria::log_info("stopping (signal " + std::to_string(signal) + "): finishing running requests");
        engine.shutdown();
        // A second signal means "now": no more waiting for requests to finish.
        sigwait(&stop_signals, &signal);
        cria::log_warn("second signal: exiting without waiting");
        std::_Exit(1);
    });

    const bool loaded = engine.load(&error);
    if (!loaded) {
        cria::log_error(error);
        http.set_failed();
        http.stop();
        http_thread.join();
        signal_thread.detach();  // blocked in sigwait; the process is ending
        return 1;
    }
    const cria::EngineInfo& info = engine.info();
    cria::log_info("model loaded: " + info.model_description + ", " + std::to_string(info.n_slots) + " slot(s) of " +
                   std::to_string(info.n_ctx_slot) + " tokens");
    if (!options.spec_types.empty()) {
        std::string types;
        for (const auto& t : options.spec_types) types += (types.empty() ? "" : ",") + t;
        const std::string draft = options.draft_model_path.empty() ? "" : ", draft model " + options.draft_model_path;
        cria::log_info("speculative decoding: " + types + draft);
    }
    http.set_ready();

    engine.run();  // returns after shutdown()

    http.stop();
    http_thread.join();
    cria::log_info("stopped");
    signal_thread.detach();  // still waiting in sigwait for a second signal that will not come
    return 0;
}
