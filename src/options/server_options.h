// ServerOptions: every command-line option of cria, parsed and validated.
//
// One table (option_table.cpp) names each option: its short and long forms, the LLAMA_ARG_*
// environment variable today's llama-server reads for it, its default and its help line. Options
// that a later piece of work implements are in the table too, marked "not yet supported", so that
// using one fails loudly instead of being silently ignored.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent_config.h"
#include "api/chat_settings.h"
#include "api/request_defaults.h"
#include "download/model_download.h"
#include "engine/engine_config.h"
#include "options/http_config.h"
#include "options/later_options.h"

namespace cria {

// The one place every parsed option lives. The three configs the rest of the server runs on are
// members, written directly by the option table (option_table.cpp) and handed on as they are: no
// copy step between parsing and use, so a new option touches its table line and its field only.
// Every field holds its default until an option or its environment variable sets it.
struct ServerOptions {
    EngineConfig engine;           // model, context, batching, threads, devices, RoPE/KV, speculative decoding
    CompletionDefaults defaults;   // requests' defaults: sampling, -n, --keep, -l, --grammar, --draft-max, ...
                                   // (its n_slots and n_lora_adapters are set once the model is loaded)
    HttpConfig http;               // listening, TLS, keys, CORS, static files, which endpoints answer
    AgentConfig agent;             // --tools, --tools-runtime, MCP servers, --ui-mcp-proxy, --agent (POST /tools, /cors-proxy)

    // Where engine.model_path comes from when it is a download (-mu, -hf, -hff, -hft, --offline).
    // Its destination (engine.model_path), show_progress and cancel are set by start-up, not options.
    download::ModelFetchRequest download;

    // What the HTTP routes and start-up read besides the three configs
    std::string alias;                 // -a, --alias: the name reported in API responses ("" = from the file name)
    std::string chat_template;         // --chat-template, --chat-template-file ("" = the model's own template)
    ChatSettings chat;                 // --reasoning-format, --reasoning, --reasoning-budget, --chat-template-kwargs, ...
    bool jinja = true;                 // --jinja / --no-jinja (false: libllama's built-in chat formats)
    std::string system_prompt_file;    // -spf, --system-prompt-file ("" = no system prompt)
    std::string lora_base;             // --lora-base: accepted and ignored (libllama applies adapters on the loaded weights)

    // What the checks need to know about how a value was given (the values are in the configs above)
    std::string grammar_option;        // the option that set defaults.grammar (named in main.cpp's start-up
                                       // error when libllama refuses the grammar)
    bool spec_type_none = false;       // --spec-type none was given (validate(): it contradicts -md)
    bool ctx_size_given = false;       // -c was given (validate(): else --kv-unified-per-slot sizes the pool)
    bool cors_origins_given = false;   // --cors-origins was given (validate(): else agent tools limit CORS to localhost)

    // llama-server options kept for features still to come; each given one logs a start-up notice
    LaterOptions later;
    bool lora_init_without_apply = false;  // --lora-init-without-apply: adapters start at scale 0
    bool escape = true;                // -e / --no-escape: \n, \t, ... in -r strings are processed
    bool spm_infill = false;           // --spm-infill: /infill prompts in Suffix/Prefix/Middle order
    std::vector<std::string> model_presets;  // the presets given (--fim-qwen-7b-default, ...), in order
    std::vector<std::string> tags;     // --tags: informational (reported by --print-options)
    bool print_options = false;        // --print-options: print the parsed options as JSON and exit
    bool dry_breakers_given = false;   // --dry-sequence-breaker was used (its first use drops the defaults)

    // Logging
    bool verbose = false;              // -v, --verbose
    int32_t log_verbosity = 3;         // -lv: 0 none, 1 errors, 2 warnings, 3 info, 4+ debug
    std::string log_format = "text";   // --log-format text|json
    bool log_disable = false;          // --log-disable
    std::string log_file;              // --log-file ("" = stderr)
    bool log_timestamps = false;       // --log-timestamps: each text line starts with the time
    bool log_prefix = true;            // --log-prefix / --no-log-prefix: text lines start with "I cria: "
    std::string log_colors = "auto";   // --log-colors on|off|auto (auto: when stderr is a terminal)

    // Start-up notices of the options given (option_table.h: OptionSpec::notice), in table order,
    // each "--option: what it does here". Filled by parse_server_options(); main logs them.
    std::vector<std::string> notices;
    // The environment variables that set an option (for --print-options).
    std::vector<std::string> environment_used;
};

// What parse_server_options() found: options to run with, a request for help, or an error whose
// message names the offending option.
struct ParseOutcome {
    std::optional<ServerOptions> options;  // set when the server should start
    bool show_help = false;                // -h, --help
    bool show_version = false;             // --version
    bool completion_bash = false;          // --completion-bash: print a bash completion script
    bool list_devices = false;             // --list-devices: print the backend devices
    bool cache_list = false;               // -cl, --cache-list: print the models in the download cache
    std::string error;                     // non-empty: print it and exit with status 1
};

// Reads an environment variable; returns nullopt when unset. Injected so tests need no real env.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Parses argv (argv[0] is skipped). An environment variable applies only where the command line
// does not set the same option. Never exits or prints.
//
// - "--opt value" and "--opt=value" both work; a flag given "=value" takes a boolean word.
// - -h/--help and --version return at once with show_help / show_version set (no model needed).
// - An option or environment variable of a feature cria lacks yet is an error naming it; so is an
//   unknown option, a missing value, or a value that is malformed or out of range.
// - The last use of an option wins, except --api-key and --api-key-file, which add keys.
// - Then validate() (options/validate.h) applies the rules across options; its error is the outcome's.
ParseOutcome parse_server_options(int argc, const char* const* argv, const EnvLookup& env);

// The same, reading the process environment.
ParseOutcome parse_server_options(int argc, const char* const* argv);

// The --spec-type names of the kinds of drafting: "draft-simple", "ngram-simple", "ngram-map-k",
// "ngram-map-k4v", "ngram-mod", "ngram-cache".
const char* draft_source_name(DraftSource source);
std::optional<DraftSource> draft_source_from_name(const std::string& name);
// The names joined by ',' ("draft-simple,ngram-simple").
std::string draft_source_names(const std::vector<DraftSource>& sources);

// The text printed by --help: every option, its forms, default, env variable and help line.
std::string server_options_help();

// --print-options: the options as parsed, as a JSON object: "options" (each option's canonical
// name and value as --help shows defaults), "environment" (variables that set an option),
// "known_environment" (every variable cria reads), "notices" and "tags".
std::string server_options_json(const ServerOptions& options);

// --completion-bash: a bash completion script for every option name.
std::string server_options_completion_bash();

}  // namespace cria
