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

// -C/-Cr/--cpu-strict/--prio/--poll and their -batch forms: where the CPU threads run.
struct CpuPlacement {
    std::string mask;      // -C: hex affinity mask ("" = none)
    std::string range;     // -Cr: "lo-hi" ("" = none)
    int32_t strict = 0;    // --cpu-strict 0|1
    int32_t prio = 0;      // --prio: -1 low, 0 normal, 1 medium, 2 high, 3 realtime
    int32_t poll = 50;     // --poll: 0 (no polling) .. 100
};

struct LaterOptions {
    // Chat templates: --no-jinja is ServerOptions::jinja, the reasoning options are ChatSettings (api/chat_settings.h)
    bool prefill_assistant = true;         // --prefill-assistant / --no-prefill-assistant

    // Server features
    int32_t sleep_idle_seconds = -1;       // --sleep-idle-seconds (-1 = never)
    std::string media_path;                // --media-path: directory of file:// media ("" = off)
    int32_t sse_ping_interval = 30;        // --sse-ping-interval (-1 = off)
    std::string ui_config;                 // --ui-config / --ui-config-file: a JSON object's text
    bool ui_mcp_proxy = false;             // --ui-mcp-proxy
    std::vector<std::string> tools;        // --tools
    std::string tools_runtime;             // --tools-runtime
    std::string mcp_servers_config;        // --mcp-servers-config (a file)
    std::string mcp_servers_json;          // --mcp-servers-json (a JSON text)
    bool agent = false;                    // -ag, --agent
    std::string models_dir;                // --models-dir (router mode)
    std::string models_preset;             // --models-preset
    int32_t models_max = 4;                // --models-max
    bool models_autoload = true;           // --models-autoload
    std::string log_prompts_dir;           // --log-prompts-dir

    // KV cache and prompt cache
    int32_t ctx_checkpoints = 32;          // -ctxcp, --ctx-checkpoints
    int32_t checkpoint_min_step = 8192;    // -cms, --checkpoint-min-step

    // Devices and backends this build may lack
    CpuPlacement cpu;                      // -C, -Cr, --cpu-strict, --prio, --poll
    CpuPlacement cpu_batch;                // the -batch forms
    std::string mmproj_url;                // -mmu, --mmproj-url
    bool mmproj_auto = true;               // --mmproj-auto / --no-mmproj

    // Options with no counterpart here at all (model presets, Docker Hub, video, draft-model
    // placement, ...): the value as given, by canonical name, for --print-options.
    std::map<std::string, std::string> kept;
};

}  // namespace cria
