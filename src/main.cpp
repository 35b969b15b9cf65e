// cria: serve a GGUF model over HTTP.
//
// Start-up order matters: the HTTP server listens first (so /health answers "loading model"),
// then a model named by -mu/-hf (and a draft model named by -hfd) is downloaded (or found in the cache), then the model loads, then
// this thread becomes the engine thread and runs the step loop until SIGINT or SIGTERM.
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

#include <llama.h>
#include <mtmd-helper.h>

#include "api/system_prompt.h"
#include "download/model_download.h"
#include "download/model_source.h"
#include "engine/backend_devices.h"
#include "engine/engine.h"
#include "http/http_server.h"
#include "options/server_options.h"
#include "router/router_main.h"
#include "util/allocator.h"
#include "util/log.h"
#include "util/openmp_wait.h"

namespace {

// What only the loaded vocabulary can tell about the requests' defaults: -l token ids exist, and
// libllama's own parser (the final word) accepts the default grammar. These are the option checks
// that cannot live in options/validate.cpp: they need the model.
bool check_generation_defaults(const cria::ServerOptions& o, const cria::Engine& engine, std::string* error) {
    const cria::Vocabulary& vocabulary = engine.vocabulary();
    for (const auto& entry : o.defaults.logit_bias) {
        if (!vocabulary.contains(entry.token)) {
            *error = "--logit-bias: token id " + std::to_string(entry.token) + " is outside the vocabulary [0, " +
                     std::to_string(vocabulary.size() - 1) + "]";
            return false;
        }
    }
    if (!o.defaults.grammar.empty() && !vocabulary.grammar_parses(o.defaults.grammar)) {
        *error = o.grammar_option + ": libllama cannot parse the grammar";
        return false;
    }
    return true;
}

cria::download::ModelFetchRequest fetch_request(const cria::ServerOptions& o) {
    cria::download::ModelFetchRequest r = o.download;
    r.destination = o.engine.model_path;
    r.mmproj_path = o.engine.mmproj_path;
    // A progress line only where someone watches it; log files and pipes get start and end lines.
    r.show_progress = !o.log_disable && ::isatty(STDERR_FILENO) == 1;
    return r;
}

// -hfd: the draft model's repository, fetched as -hf fetches the model (the same endpoint, quant
// choice, token, --offline and cache), without a projector, as llama-server does; -md, if given, is
// where the download is kept.
cria::download::ModelFetchRequest draft_fetch_request(const cria::ServerOptions& o) {
    cria::download::ModelFetchRequest r;
    r.hf_repo = o.engine.speculative.draft_hf_repo;
    r.hf_token = o.download.hf_token;
    r.offline = o.download.offline;
    r.destination = o.engine.speculative.draft_model_path;
    r.mmproj_auto = false;
    r.show_progress = !o.log_disable && ::isatty(STDERR_FILENO) == 1;
    return r;
}

// Downloads what -mu, -hf, -mmu and -hfd name (or finds it in the cache) and tells the engine where
// it is; *draft_path: the draft model's file. False with *error when something is not there.
bool fetch_models(const cria::ServerOptions& o, cria::Engine& engine, const std::atomic<bool>* cancel,
                  std::string* draft_path, std::string* error) {
    cria::download::ModelFetchRequest fetch = fetch_request(o);
    if (cria::download::needs_fetch(fetch)) {
        fetch.cancel = cancel;
        const auto fetched = cria::download::fetch_model(fetch, cria::download::process_env(), error);
        if (!fetched) return false;
        if (!fetched->model_path.empty()) engine.set_model_path(fetched->model_path);
        if (!fetched->projector_path.empty()) engine.set_mmproj_path(fetched->projector_path);
    }
    cria::download::ModelFetchRequest draft = draft_fetch_request(o);
    if (cria::download::needs_fetch(draft)) {
        draft.cancel = cancel;
        const auto fetched = cria::download::fetch_model(draft, cria::download::process_env(), error);
        if (!fetched) {
            *error = "draft model (--hf-repo-draft): " + *error;
            return false;
        }
        *draft_path = fetched->model_path;
        engine.set_draft_model_path(fetched->model_path);
    }
    return true;
}

// libllama's own messages: errors and warnings always, the rest with --verbose.
void forward_llama_log(ggml_log_level level, const char* text, void*) {
    std::string line(text);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.empty()) return;
    // draft-mtp and draft-eagle3 ask for every decoded row's hidden state on purpose, which
    // libllama 0.7 announces as a warning on each such decode: expected, so kept for -v.
    if (line.find("some input tokens were not marked as outputs") != std::string::npos) level = GGML_LOG_LEVEL_DEBUG;
    switch (level) {
        case GGML_LOG_LEVEL_ERROR: cria::log_error(line); break;
        case GGML_LOG_LEVEL_WARN: cria::log_warn(line); break;
        default: cria::log_debug(line); break;
    }
}

// What the pass-through options became, and what self-extend and the adapters do, in a few lines.
void log_runtime(const cria::EngineInfo& info) {
    const cria::RuntimeInfo& r = info.runtime;
    std::string devices;
    for (const auto& d : r.devices) devices += (devices.empty() ? "" : ", ") + d;
    cria::log_info("threads: " + std::to_string(r.n_threads) + " generating, " + std::to_string(r.n_threads_batch) +
                   " for batches; mmap " + (r.mmap ? "on" : "off") + ", mlock " + (r.mlock ? "on" : "off") + ", numa " +
                   (r.numa.empty() ? "off" : r.numa) + "; devices: " + (devices.empty() ? "none" : devices));
    const std::string asked = r.n_gpu_layers < 0 ? "all" : std::to_string(r.n_gpu_layers);
    if (r.gpu_devices.empty()) {
        cria::log_info("GPU offload: none, no GPU device: no layers are offloaded (-ngl " + asked + "); all " +
                       std::to_string(r.n_layer + 1) + " layers run on the CPU");
    } else {
        cria::log_info("GPU offload: " + std::to_string(r.n_gpu_layers_offloaded) + " of " + std::to_string(r.n_layer + 1) +
                       " layers offloaded (-ngl " + asked + ", main GPU " + std::to_string(r.main_gpu) + ", split mode " +
                       r.split_mode + ")");
    }
    if (r.grp_attn_n > 1) {
        cria::log_info("self-extend: groups of " + std::to_string(r.grp_attn_n) + " beyond the last " +
                       std::to_string(r.grp_attn_w) + " tokens; a full slot of " + std::to_string(info.n_ctx_slot) +
                       " tokens reaches position " + std::to_string(r.max_position) + " (training context " +
                       std::to_string(info.n_ctx_train) + ")");
    }
    if (r.max_position >= info.n_ctx_train && info.n_ctx_train > 0) {
        cria::log_warn("a full slot reaches position " + std::to_string(r.max_position) +
                       ", beyond the model's training context of " + std::to_string(info.n_ctx_train) +
                       " tokens: output may degrade there (--grp-attn-n can keep positions lower)");
    }
}

bool read_system_prompt(const std::string& path, cria::SystemPrompt* out) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    if (!file) {
        cria::log_error("cannot read the system prompt file '" + path + "' (--system-prompt-file)");
        return false;
    }
    try {
        *out = cria::parse_system_prompt_file(text.str());
    } catch (const cria::ApiError& e) {
        cria::log_error("the system prompt file '" + path + "' (--system-prompt-file): " + e.message);
        return false;
    }
    return true;
}

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

cria::LogLevel log_level(const cria::ServerOptions& o) {
    if (o.log_disable || o.log_verbosity <= 0) return cria::LogLevel::off;
    if (o.verbose || o.log_verbosity >= 4) return cria::LogLevel::debug;
    switch (o.log_verbosity) {
        case 1: return cria::LogLevel::error;
        case 2: return cria::LogLevel::warn;
        default: return cria::LogLevel::info;
    }
}

// -cl, --cache-list: the model files in the download cache directory, one per line.
int print_cache_list() {
    const std::string dir = cria::download::cache_dir(cria::download::process_env());
    std::printf("models in the cache directory %s:\n", dir.empty() ? "(none: set LLAMA_CACHE or HOME)" : dir.c_str());
    std::error_code ec;
    std::vector<std::string> names;
    if (!dir.empty()) {
        for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
            const std::string name = entry.path().filename().string();
            if (entry.is_regular_file() && name.size() > 5 && name.compare(name.size() - 5, 5, ".gguf") == 0) {
                names.push_back(name);
            }
        }
    }
    std::sort(names.begin(), names.end());
    for (size_t i = 0; i < names.size(); ++i) std::printf("  %zu. %s\n", i + 1, names[i].c_str());
    return 0;
}

// The options' own start-up output: --help, --version and the others that print and exit. -1: none
// of them, go on.
int print_and_exit_status(const cria::ParseOutcome& outcome) {
    if (outcome.show_help) {
        std::fputs(cria::server_options_help().c_str(), stdout);
        return 0;
    }
    if (outcome.show_version) {
        std::printf("cria 0.1.0 (libllama %s)\n", llama_version());
        return 0;
    }
    if (outcome.completion_bash) {
        std::fputs(cria::server_options_completion_bash().c_str(), stdout);
        return 0;
    }
    if (outcome.list_devices) {
        llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);  // only the list on stdout
        std::printf("available devices:\n");
        for (const auto& line : cria::backend_device_list()) std::printf("%s\n", line.c_str());
        return 0;
    }
    if (outcome.cache_list) return print_cache_list();
    if (!outcome.error.empty() || !outcome.options) {
        std::fprintf(stderr, "cria: %s\n", outcome.error.c_str());
        return 1;
    }
    if (outcome.options->print_options) {
        std::fputs(cria::server_options_json(*outcome.options).c_str(), stdout);
        return 0;
    }
    return -1;
}

// --prio: the process's scheduling priority, as llama-server sets it (a nice value per level).
// Raising it needs the privilege to; without, a warning says so and the server runs at normal.
void set_process_priority(int32_t prio) {
    if (prio == 0) return;
    const int nice_value = prio < 0 ? 5 : prio == 1 ? -5 : prio == 2 ? -10 : -20;
    if (::setpriority(PRIO_PROCESS, 0, nice_value) != 0) {
        cria::log_warn("--prio " + std::to_string(prio) + ": cannot set the process priority (nice " +
                       std::to_string(nice_value) + "): " + std::strerror(errno));
    }
}

bool log_colors(const cria::ServerOptions& o) {
    if (o.log_colors == "on") return true;
    return o.log_colors == "auto" && o.log_file.empty() && ::isatty(STDERR_FILENO) == 1;
}

}  // namespace

int main(int argc, char** argv) {
    cria::use_short_openmp_spin(argv);  // may execute cria again, with libgomp told to spin briefly
    cria::tune_allocator();  // first: before any thread allocates
    const cria::ParseOutcome outcome = cria::parse_server_options(argc, argv);
    if (const int status = print_and_exit_status(outcome); status >= 0) return status;
    const cria::ServerOptions& options = *outcome.options;
    cria::set_log_level(log_level(options));
    cria::set_log_json(options.log_format == "json");
    cria::set_log_text_style(options.log_prefix, options.log_timestamps, log_colors(options));
    if (!options.log_file.empty() && !cria::set_log_file(options.log_file)) {
        std::fprintf(stderr, "cria: cannot open the log file '%s' (--log-file)\n", options.log_file.c_str());
        return 1;
    }
    llama_log_set(forward_llama_log, nullptr);
    mtmd_helper_log_set(forward_llama_log, nullptr);  // libmtmd (--mmproj) and its image decoding
    // What the llama-server options given do here, where that is less than there: one line each.
    for (const auto& notice : options.notices) cria::log_warn("notice: " + notice);
    set_process_priority(options.engine.cpu.prio.value_or(0));
    // Router mode, or one model that sleeps when idle: a router process in front of child cria
    // processes (src/router/, docs/router.md). It never loads a model in this process.
    if (cria::router::wants_router(options)) return cria::router::run_router(options, argc, argv);
    if (!options.lora_base.empty()) {
        cria::log_warn("--lora-base '" + options.lora_base +
                       "' is ignored: libllama applies LoRA adapters on top of the loaded model's weights");
    }
    // A check of the file system, not of the options (options/validate.cpp has those).
    if (!options.http.slot_save_path.empty() && !is_directory(options.http.slot_save_path)) {
        cria::log_error("--slot-save-path " + options.http.slot_save_path + " is not an existing directory");
        return 1;
    }

    // SIGINT/SIGTERM are taken by one thread with sigwait(); every other thread blocks them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    cria::SystemPrompt system_prompt;
    if (!options.system_prompt_file.empty() && !read_system_prompt(options.system_prompt_file, &system_prompt)) return 1;

    cria::Engine engine(options.engine);
    cria::HttpServer http(options, engine);
    http.set_system_prompt(system_prompt);
    std::string error;
    if (!http.bind(&error)) {
        cria::log_error(error);
        return 1;
    }
    std::thread http_thread([&http] { http.listen(); });
    cria::log_info(std::string("listening on ") + (options.http.ssl_cert_file.empty() ? "http" : "https") + "://" + options.http.host + ":" + std::to_string(options.http.port) + " (loading model)");

    std::atomic<bool> stop_download{false};
    std::thread signal_thread([&] {
        int signal = 0;
        sigwait(&stop_signals, &signal);
        cria::log_info("stopping (signal " + std::to_string(signal) + "): finishing running requests");
        stop_download = true;
        engine.shutdown();
        // A second signal means "now": no more waiting for requests to finish.
        sigwait(&stop_signals, &signal);
        cria::log_warn("second signal: exiting without waiting");
        std::_Exit(1);
    });

    std::string draft_path = options.engine.speculative.draft_model_path;
    const bool ready_to_load = fetch_models(options, engine, &stop_download, &draft_path, &error);
    const bool loaded = ready_to_load && engine.load(&error) && check_generation_defaults(options, engine, &error);
    if (!ready_to_load && stop_download) {
        // A stop asked for during the download: not a failure (the partial file is kept for next time).
        cria::log_info(error);
        http.stop();
        http_thread.join();
        signal_thread.detach();
        cria::log_info("stopped");
        return 0;
    }
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
    const cria::SpeculativeConfig& speculative = options.engine.speculative;
    if (speculative.enabled()) {
        const std::string draft = draft_path.empty() ? "" : ", draft model " + draft_path;
        cria::log_info("speculative decoding: " + cria::draft_source_names(speculative.sources) + draft);
    }
    log_runtime(info);
    for (const auto& adapter : engine.lora_adapters()) {
        char scale[32];
        std::snprintf(scale, sizeof scale, "%g", static_cast<double>(adapter.scale));
        cria::log_info("LoRA adapter " + std::to_string(adapter.id) + ": " + adapter.path + " (scale " + scale + ")");
    }
    http.set_ready();

    engine.run();  // returns after shutdown()

    http.stop();
    http_thread.join();
    cria::log_info("stopped");
    signal_thread.detach();  // still waiting in sigwait for a second signal that will not come
    return 0;
}
