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
#include <utility>
#include <vector>

#include "engine/metadata_override.h"

namespace cria {

// What "-ngl all" stores in ServerOptions::n_gpu_layers: more layers than any model has.
inline constexpr int32_t kAllGpuLayers = 999;

// One --lora / --lora-scaled adapter. Its id (in /lora-adapters and a request's `lora`) is its
// place in ServerOptions::lora_adapters.
struct LoraAdapterOption {
    std::string path;
    float scale = 1.0f;
};

// Every field holds its default until an option or its environment variable sets it. Sentinels:
// -1 in n_threads, n_threads_batch, n_threads_http, n_gpu_layers, n_predict and seed, "" in the
// strings, and an empty tensor_split, each as described on its line.
struct ServerOptions {
    // Model
    std::string model_path;            // -m, --model: the file to load; with -mu/-hf, where the download is kept
                                       // ("" = the cache directory). Empty only when -mu or -hf is given.
    std::string model_url;             // -mu, --model-url: download the model from this http(s) URL
    std::string hf_repo;               // -hf, -hfr, --hf-repo: "user/repo[:quant]" on Hugging Face
    std::string hf_file;               // -hff, --hf-file: the file in --hf-repo ("" = chosen by the quant)
    std::string hf_token;              // -hft, --hf-token (env HF_TOKEN): sent to the Hugging Face endpoint only
    bool offline = false;              // --offline: use the cached download, never the network
    std::string alias;                 // -a, --alias: the name reported in API responses ("" = from the file name)
    std::vector<LoraAdapterOption> lora_adapters;  // --lora FNAME (scale 1) and --lora-scaled FNAME SCALE, in order
    std::string lora_base;             // --lora-base: accepted and ignored (libllama applies adapters on the loaded weights)
    std::vector<MetadataOverride> kv_overrides;  // --override-kv KEY=TYPE:VALUE (repeatable, comma-separated)
    bool check_tensors = false;        // --check-tensors: libllama validates the tensor data while loading
    std::string mmproj;                // -mm, --mmproj: multimodal projector file ("" = text only)
    bool mmproj_offload = true;        // --mmproj-offload / --no-mmproj-offload

    // Context and batching
    int32_t n_ctx = 4096;              // -c, --ctx-size: total context, shared by all slots (0 = model's training context)
    int32_t n_batch = 2048;            // -b, --batch-size: logical batch (tokens per llama_decode)
    int32_t n_ubatch = 512;            // -ub, --ubatch-size: physical batch; parsing lowers it to n_batch if larger
    int32_t n_parallel = 1;            // -np, --parallel: number of slots
    bool cont_batching = true;         // -cb/--cont-batching, -nocb/--no-cont-batching
    bool kv_unified = false;           // -kvu/--kv-unified, -no-kvu/--no-kv-unified (off: one KV stream per slot)
    int32_t n_predict = -1;            // -n, --n-predict: server-wide cap on generated tokens (-1 = none)
    std::string flash_attn = "auto";   // -fa, --flash-attn: on, off or auto
    int32_t grp_attn_n = 1;            // -gan, --grp-attn-n: self-extend group factor (1 = off)
    int32_t grp_attn_w = 512;          // -gaw, --grp-attn-w: self-extend window; a multiple of grp_attn_n

    // Threads
    int32_t n_threads = -1;            // -t, --threads (-1 = kept as -1; the engine uses the number of cores)
    int32_t n_threads_batch = -1;      // -tb, --threads-batch (-1 = same as --threads)
    int32_t n_threads_http = -1;       // --threads-http (-1 = enough for every slot plus waiting clients)

    // Devices and memory
    int32_t n_gpu_layers = -1;         // -ngl, --n-gpu-layers, --gpu-layers (-1 = "auto": the engine decides, e.g.
                                       // libllama's default; "all" = kAllGpuLayers). Note: llama.h reads any
                                       // negative n_gpu_layers as "all layers", so the engine must map -1 itself.
    int32_t main_gpu = 0;              // -mg, --main-gpu
    std::vector<float> tensor_split;   // -ts, --tensor-split "3,2" (empty = split by free memory)
    bool mlock = false;                // --mlock
    bool mmap = true;                  // --mmap / --no-mmap

    // RoPE / YaRN, passed to libllama (the defaults mean "the model's own")
    std::string rope_scaling;          // --rope-scaling none|linear|yarn ("" = the model's)
    float rope_freq_base = 0.0f;       // --rope-freq-base (0 = the model's)
    float rope_freq_scale = 0.0f;      // --rope-freq-scale, --rope-scale N = 1/N (0 = the model's)
    int32_t yarn_orig_ctx = 0;         // --yarn-orig-ctx (0 = the training context)
    float yarn_ext_factor = -1.0f;     // --yarn-ext-factor (-1 = the model's)
    float yarn_attn_factor = -1.0f;    // --yarn-attn-factor (-1 = the model's)
    float yarn_beta_slow = -1.0f;      // --yarn-beta-slow (-1 = the model's)
    float yarn_beta_fast = -1.0f;      // --yarn-beta-fast (-1 = the model's)

    // KV cache
    std::string cache_type_k = "f16";  // -ctk
    std::string cache_type_v = "f16";  // -ctv
    float defrag_thold = -1.0f;        // -dt (deprecated in libllama; < 0 = off)
    bool kv_offload = true;            // -kvo / -nkvo
    bool swa_full = false;             // --swa-full
    bool context_shift = true;         // --context-shift / --no-context-shift
    int32_t n_keep = 0;                // --keep: requests' default n_keep (-1 = the whole prompt)
    bool cache_prompt = true;          // --cache-prompt / --no-cache-prompt: requests' default
    bool warmup = true;                // --warmup / --no-warmup
    std::string split_mode = "layer";  // -sm, --split-mode none|layer|row
    std::string numa;                  // --numa distribute|isolate|numactl ("" = off; --numa alone = distribute)

    // HTTP
    std::string host = "127.0.0.1";    // --host
    int32_t port = 8080;               // --port
    std::string static_path;           // --path: directory of static files served instead of the built-in UI ("" = none)
    bool webui = true;                 // --webui / --no-webui: the built-in web UI (ignored when static_path is set)
    int32_t timeout_s = 600;           // -to, --timeout: read/write timeout in seconds
    std::vector<std::string> api_keys; // --api-key (repeatable, comma-separated) and --api-key-file (empty = no auth)
    std::string ssl_key_file;          // --ssl-key-file ("" = plain HTTP)
    std::string ssl_cert_file;         // --ssl-cert-file ("" = plain HTTP)
    std::vector<std::string> cors_origins = {"*"};    // --cors-origins ("*" = any)
    std::string cors_methods = "GET, POST, OPTIONS";  // --cors-methods
    std::string cors_headers = "*";                   // --cors-headers ("*" = what the browser asks for)
    bool cors_credentials = true;                     // --cors-credentials / --no-cors-credentials

    // Endpoints and features
    bool embedding = false;            // --embedding, --embeddings
    std::string pooling;               // --pooling none|mean|cls|last ("" = the model's)
    bool slots_endpoint = true;        // --slots / --no-slots / --slots-endpoint-disable
    bool metrics = false;              // --metrics
    bool props_endpoint = false;       // --props: POST /props may change the default generation settings
    std::string api_prefix;            // --api-prefix: path every route is served under ("" = none)
    std::string slot_save_path;        // --slot-save-path: directory of slot files ("" = slot actions off)
    std::string chat_template;         // --chat-template ("" = the model's own template)
    std::string system_prompt_file;    // -spf, --system-prompt-file ("" = no system prompt)

    // Server-wide sampling defaults (the request's own values win)
    float temperature = 0.8f;          // --temp
    int32_t top_k = 40;                // --top-k
    float top_p = 0.95f;               // --top-p
    float min_p = 0.05f;               // --min-p
    int64_t seed = -1;                 // -s, --seed (-1 = random per request; else 0..4294967295)
    float repeat_penalty = 1.0f;       // --repeat-penalty
    int32_t repeat_last_n = 64;        // --repeat-last-n (0 = off, -1 = whole context)
    float presence_penalty = 0.0f;     // --presence-penalty
    float frequency_penalty = 0.0f;    // --frequency-penalty
    float typical_p = 1.0f;            // --typical (1 = off)
    float dynatemp_range = 0.0f;       // --dynatemp-range (0 = off)
    float dynatemp_exponent = 1.0f;    // --dynatemp-exp
    int32_t mirostat = 0;              // --mirostat 0, 1 or 2
    float mirostat_tau = 5.0f;         // --mirostat-ent
    float mirostat_eta = 0.1f;         // --mirostat-lr
    float xtc_probability = 0.0f;      // --xtc-probability (0 = off)
    float xtc_threshold = 0.1f;        // --xtc-threshold
    float top_n_sigma = -1.0f;         // --top-nsigma (<= 0 = off)
    float dry_multiplier = 0.0f;       // --dry-multiplier (0 = off)
    float dry_base = 1.75f;            // --dry-base
    int32_t dry_allowed_length = 2;    // --dry-allowed-length
    int32_t dry_penalty_last_n = -1;   // --dry-penalty-last-n (-1 = whole context)
    std::string samplers;              // --samplers "top_k;top_p;..." or --sampling-seq "kpmt" ("" = the default order)
    bool ignore_eos = false;           // --ignore-eos: requests' default ignore_eos
    std::vector<std::pair<int32_t, float>> logit_bias;  // -l TOKEN_ID(+/-)BIAS, in order (-inf = never);
                                       // ids are checked against the vocabulary once the model is loaded
    std::string grammar;               // --grammar, --grammar-file, -j, -jf: requests' default grammar (GBNF;
                                       // "" = none). Syntax checked here, libllama's parser at start-up.
    std::string grammar_option;        // the option that set `grammar` (named in start-up errors)

    // Speculative decoding
    std::string draft_model_path;      // -md, --model-draft ("" = no draft model)
    int32_t n_gpu_layers_draft = -1;   // -ngld, --gpu-layers-draft (-1 = auto; "all" = kAllGpuLayers)
    int32_t n_ctx_draft = 0;           // -cd, --ctx-size-draft (0 = same as --ctx-size)
    int32_t draft_n_max = 16;          // --draft-max: most tokens drafted per step (request: speculative.n_max)
    int32_t draft_n_min = 0;           // --draft-min: shorter drafts are dropped (request: speculative.n_min)
    float draft_p_min = 0.75f;         // --draft-p-min: the draft model stops below this probability
    std::vector<std::string> spec_types;  // --spec-type draft-simple,ngram-simple (empty = draft-simple
                                          // when a draft model is given, else none); never holds "none"
    int32_t spec_ngram_size_n = 12;    // --spec-ngram-simple-size-n: tokens matched by n-gram lookup

    // Logging
    bool verbose = false;              // -v, --verbose
    int32_t log_verbosity = 3;         // -lv: 0 none, 1 errors, 2 warnings, 3 info, 4+ debug
    std::string log_format = "text";   // --log-format text|json
    bool log_disable = false;          // --log-disable
    std::string log_file;              // --log-file ("" = stderr)
};

// What parse_server_options() found: options to run with, a request for help, or an error whose
// message names the offending option.
struct ParseOutcome {
    std::optional<ServerOptions> options;  // set when the server should start
    bool show_help = false;                // -h, --help
    bool show_version = false;             // --version
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
// - Without -m, -mu or -hf the outcome is the error "no model given: use -m FILE, -mu URL or -hf REPO".
//   -mu and -hf exclude each other; -hff needs -hf.
// - n_ubatch larger than n_batch is lowered to n_batch (as libllama would), not an error.
// - Self-extend (--grp-attn-n > 1) needs --grp-attn-w to be a multiple of it, one KV stream per
//   slot (not --kv-unified) and no --embedding; otherwise the outcome is an error naming them.
ParseOutcome parse_server_options(int argc, const char* const* argv, const EnvLookup& env);

// The same, reading the process environment.
ParseOutcome parse_server_options(int argc, const char* const* argv);

// The text printed by --help: every option, its forms, default, env variable and help line.
std::string server_options_help();

}  // namespace cria
