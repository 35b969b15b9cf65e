#include "router/router_main.h"

#include <signal.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "options/validate.h"
#include "router/model_registry.h"
#include "router/option_arguments.h"
#include "router/router_server.h"
#include "util/log.h"

namespace cria::router {

namespace {

bool model_given(const ServerOptions& o) { return names_a_model(o); }

std::string self_executable() {
    char path[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string();
}

// The models of router mode: the directory's, then the preset's sections applied.
bool catalog(const LaterOptions& config, std::vector<ModelSpec>* models, std::string* error) {
    try {
        std::vector<std::string> warnings;
        if (!config.models_dir.empty()) *models = discover_models(config.models_dir, &warnings);
        for (const auto& w : warnings) log_warn("router: " + w);
        if (!config.models_preset.empty()) {
            std::ifstream file(config.models_preset, std::ios::binary);
            std::stringstream text;
            text << file.rdbuf();
            if (!file) throw std::runtime_error("cannot read it");
            apply_preset(parse_preset_ini(text.str()), models);
        }
    } catch (const PresetError& e) {
        *error = "--models-preset " + config.models_preset + ": " + e.what();
        return false;
    } catch (const std::exception& e) {
        *error = e.what();
        return false;
    }
    return true;
}

// Single mode: the one model, named as cria names it (--alias, else the file's stem).
ModelSpec single_model(const ServerOptions& o) {
    ModelSpec spec;
    spec.source = "command_line";
    spec.model_path = o.engine.model_path;
    if (!o.alias.empty()) {
        spec.name = o.alias;
    } else if (!o.engine.model_path.empty()) {
        spec.name = std::filesystem::path(o.engine.model_path).stem().string();
    } else {
        spec.name = !o.download.hf_repo.empty()       ? o.download.hf_repo
                    : !o.download.docker_repo.empty() ? o.download.docker_repo
                                                      : o.download.model_url;
    }
    return spec;
}

RegistrySettings settings_for(const ServerOptions& o, int argc, char** argv, bool single) {
    std::set<std::string> drop = router_only_options();
    if (single) drop.erase("--alias");  // the child keeps its name; the router names it the same
    RegistrySettings s;
    s.executable = self_executable();
    s.common_args = without_options(std::vector<std::string>(argv + 1, argv + argc), drop);
    s.unset_env = variables_of(drop);
    s.models_max = single ? 0 : o.later.models_max;
    s.autoload = single || o.later.models_autoload;
    s.sleep_idle_s = o.later.sleep_idle_seconds;
    s.single = single;
    return s;
}

}  // namespace

bool wants_router(const ServerOptions& o) {
    if (model_given(o)) return o.later.sleep_idle_seconds > 0;
    return !o.later.models_dir.empty() || !o.later.models_preset.empty();
}

int run_router(const ServerOptions& options, int argc, char** argv) {
    const bool single = model_given(options);
    std::vector<ModelSpec> models;
    std::string error;
    if (single) {
        models.push_back(single_model(options));
    } else if (!catalog(options.later, &models, &error)) {
        log_error(error);
        return 1;
    }
    if (models.empty()) log_warn("router: no models found: every request will be refused (see docs/router.md)");

    // SIGINT/SIGTERM go to one thread (sigwait); every thread started below inherits the mask.
    static sigset_t stop_signals;  // static: the detached second-signal thread reads it to the end
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    ModelRegistry registry(std::move(models), settings_for(options, argc, argv, single));
    RouterServer server(options, registry);
    if (!server.bind(&error)) {
        log_error(error);
        return 1;
    }
    std::thread http_thread([&server] { server.listen(); });
    registry.start();
    log_info(std::string("router: listening on http://") + options.http.host + ":" + std::to_string(options.http.port) +
             ", " + std::to_string(registry.size()) + " model(s)" + (single ? " (sleeps after " +
             std::to_string(options.later.sleep_idle_seconds) + " idle seconds)" : ""));
    int signal = 0;
    sigwait(&stop_signals, &signal);
    log_info("stopping (signal " + std::to_string(signal) + "): stopping the models");
    std::thread second([] {
        int again = 0;
        sigwait(&stop_signals, &again);
        std::_Exit(1);  // a second signal means now
    });
    second.detach();
    server.stop();
    http_thread.join();
    registry.shutdown();
    log_info("stopped");
    return 0;
}

}  // namespace cria::router
