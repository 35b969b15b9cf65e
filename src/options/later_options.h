// LaterOptions: llama-server options whose feature cria does not have yet (or cannot have in this
// build). Each is accepted with its value checked, kept here for the work that brings the feature
// (issue 13's later parts and other issues), and announced at start-up by a one-line notice that
// says what it does here today (option table: llama_server_options.cpp). Plain data.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cria {

struct LaterOptions {
    // Chat templates: --no-jinja is ServerOptions::jinja; the reasoning options and
    // --prefill-assistant are ChatSettings (api/chat_settings.h)

    // Server features
    int32_t sleep_idle_seconds = -1;       // --sleep-idle-seconds (-1 = never)
    std::string models_dir;                // --models-dir (router mode)
    std::string models_preset;             // --models-preset
    int32_t models_max = 4;                // --models-max
    bool models_autoload = true;           // --models-autoload

    // Options with no counterpart here at all (model presets, Docker Hub, draft-model
    // placement, ...): the value as given, by canonical name, for --print-options.
    std::map<std::string, std::string> kept;
};

}  // namespace cria
