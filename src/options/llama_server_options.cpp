#include "options/llama_server_options.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include <nlohmann/json.hpp>

#include "agent/builtin_tools.h"
#include "agent/tool_runtime.h"
#include "agent/toolbox.h"
#include "download/docker_reference.h"
#include "options/cpu_placement_options.h"
#include "options/model_presets.h"
#include "options/ngram_options.h"
#include "options/option_builder.h"
#include "options/validate.h"

namespace cria::options {

namespace {

using S = Section;
using K = ValueKind;

template <typename T>
Field<T> at_later(T LaterOptions::*member) { return at(&ServerOptions::later, member); }
template <typename T>
Field<T> at_engine_fit(T MemoryFitConfig::*member) { return at(&ServerOptions::engine, &EngineConfig::fit, member); }
template <typename T>
Field<T> at_agent(T AgentConfig::*member) { return at(&ServerOptions::agent, member); }
template <typename T>
Field<T> at_backend(T BackendConfig::*member) { return at(&ServerOptions::engine, &EngineConfig::backend, member); }
template <typename T>
Field<T> at_video(T VideoSettings::*member) {
    return {[member](ServerOptions& o) -> T& { return o.engine.backend.video.*member; },
            [member](const ServerOptions& o) -> const T& { return o.engine.backend.video.*member; }};
}

std::string join(const std::vector<std::string>& items, const char* separator = ",") {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
    return out;
}

// ---- bindings ----

// A comma-separated list of non-empty items.
Binding string_list(Field<std::vector<std::string>> field) {
    return {
        [field](ServerOptions& o, const std::string& v) -> std::string {
            std::vector<std::string> items;
            for (auto& item : split_list(v, ',')) {
                item = trim(item);
                if (item.empty()) return "expected a comma-separated list of names";
                items.push_back(std::move(item));
            }
            if (items.empty()) return "must not be empty";
            field.in(o) = std::move(items);
            return "";
        },
        [field](const ServerOptions& o) { return join(field.of(o)); },
    };
}

// The text of a JSON object.
std::string check_json_object(const std::string& text) {
    const auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return "not valid JSON";
    if (!parsed.is_object()) return "must be a JSON object, e.g. {\"key\": \"value\"}";
    return "";
}

Binding json_object(Field<std::string> field) {
    return {
        [field](ServerOptions& o, const std::string& v) -> std::string {
            if (std::string why = check_json_object(v); !why.empty()) return why;
            field.in(o) = v;
            return "";
        },
        [field](const ServerOptions& o) { return field.of(o); },
    };
}

Binding json_object_file(Field<std::string> field) {
    return {
        [field](ServerOptions& o, const std::string& v) -> std::string {
            std::string error;
            const std::string text = read_whole_file(v, &error);
            if (!error.empty()) return error;
            if (std::string why = check_json_object(text); !why.empty()) return "the file holds " + why;
            field.in(o) = text;
            return "";
        },
        [](const ServerOptions&) { return std::string(); },
    };
}

// An option with no counterpart in cria: its value (flags: true/false) is kept under its name.
Binding kept(std::string name) {
    return {
        [name](ServerOptions& o, const std::string& v) -> std::string {
            o.later.kept[name] = v;
            return "";
        },
        [name](const ServerOptions& o) {
            const auto it = o.later.kept.find(name);
            return it == o.later.kept.end() ? std::string() : it->second;
        },
    };
}

// A kept option whose value is a number in [lo, hi].
Binding kept_float(std::string name, double lo, double hi) {
    Binding inner = kept(name);
    return {
        [inner, lo, hi](ServerOptions& o, const std::string& v) -> std::string {
            const auto x = parse_float(v);
            if (!x) return "not a number";
            if (*x < lo || *x > hi) return float_range_reason(lo, hi);
            return inner.set(o, v);
        },
        inner.show,
    };
}

// -ot (and -otd, for the draft model) PATTERN=TYPE[,PATTERN=TYPE...]: every use adds entries. The
// pattern is a regular expression (checked here); the buffer type is looked up among the backend
// devices when the model loads.
Binding tensor_override_binding(Field<std::vector<TensorOverride>> field) {
    return {
        [field](ServerOptions& o, const std::string& v) -> std::string {
            std::vector<TensorOverride> parsed;
            for (const auto& item : split_list(v, ',')) {
                const auto eq = item.rfind('=');
                if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
                    return "'" + item + "' is not PATTERN=BUFFER_TYPE (e.g. \\.ffn_.*_exps\\.=CPU)";
                }
                try {
                    std::regex check(item.substr(0, eq));
                } catch (const std::regex_error&) {
                    return "'" + item.substr(0, eq) + "' is not a valid regular expression";
                }
                parsed.push_back({item.substr(0, eq), item.substr(eq + 1)});
            }
            auto& list = field.in(o);
            list.insert(list.end(), parsed.begin(), parsed.end());
            return "";
        },
        [field](const ServerOptions& o) {
            std::string shown;
            for (const auto& entry : field.of(o)) {
                shown += (shown.empty() ? "" : ",") + entry.pattern + "=" + entry.buffer_type;
            }
            return shown;
        },
    };
}

// --control-vector FNAME[,FNAME...] at scale 1, or --control-vector-scaled FNAME:SCALE[,...].
Binding control_vector_binding(bool scaled) {
    return {
        [scaled](ServerOptions& o, const std::string& v) -> std::string {
            std::vector<ControlVectorConfig> parsed;
            for (const auto& item : split_list(v, ',')) {
                ControlVectorConfig entry{item, 1.0f};
                if (scaled) {
                    const auto colon = item.rfind(':');
                    const auto scale = colon == std::string::npos ? std::nullopt : parse_float(item.substr(colon + 1));
                    if (!scale || colon == 0) return "'" + item + "' is not FNAME:SCALE";
                    entry = {item.substr(0, colon), static_cast<float>(*scale)};
                }
                if (entry.path.empty()) return "expected a file name";
                parsed.push_back(entry);
            }
            auto& list = o.engine.backend.control_vectors;
            list.insert(list.end(), parsed.begin(), parsed.end());
            return "";
        },
        [](const ServerOptions& o) {
            std::string shown;
            for (const auto& cv : o.engine.backend.control_vectors) shown += (shown.empty() ? "" : ",") + cv.path;
            return shown;
        },
    };
}

// --control-vector-layer-range START END (both given, the parser joins them).
Binding control_vector_range_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            const std::string why = "expected START END, layer numbers with START <= END";
            const auto separator = v.find(kValueSeparator);
            if (separator == std::string::npos) return why;
            const int64_t start = parse_int(v.substr(0, separator)).value_or(-1);
            const int64_t end = parse_int(v.substr(separator + 1)).value_or(-1);
            if (start < 0 || end < start || end > kInt32Max) return why;
            o.engine.backend.control_vector_layer_start = static_cast<int32_t>(start);
            o.engine.backend.control_vector_layer_end = static_cast<int32_t>(end);
            return "";
        },
        [](const ServerOptions& o) {
            const BackendConfig& b = o.engine.backend;
            return b.control_vector_layer_start < 0 ? std::string("all layers")
                                                    : std::to_string(b.control_vector_layer_start) + " " +
                                                          std::to_string(b.control_vector_layer_end);
        },
    };
}

// -r: every use adds a default stop string (escapes are processed by validate() unless --no-escape).
Binding reverse_prompt_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            if (v.empty()) return "must not be empty";
            o.defaults.stop.push_back(v);
            return "";
        },
        [](const ServerOptions& o) { return join(o.defaults.stop, " | "); },
    };
}

// --dry-sequence-breaker: the first use replaces the default breakers, later ones add; "none"
// leaves none.
Binding dry_breaker_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            auto& breakers = o.defaults.sampling.dry_sequence_breakers;
            if (!o.dry_breakers_given) breakers.clear();
            o.dry_breakers_given = true;
            if (v == "none") {
                breakers.clear();
            } else if (v.empty()) {
                return "must not be empty (\"none\" for no breakers)";
            } else {
                breakers.push_back(v);
            }
            return "";
        },
        [](const ServerOptions& o) {
            std::string shown;
            for (const auto& b : o.defaults.sampling.dry_sequence_breakers) {
                shown += (shown.empty() ? "" : " ") + nlohmann::json(b).dump();
            }
            return shown;
        },
    };
}

// -fit on|off.
Binding fit_switch_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            const std::string word = to_lower(v);
            if (word != "on" && word != "off") return "must be one of on, off";
            o.engine.fit.enabled = word == "on";
            return "";
        },
        [](const ServerOptions& o) { return std::string(o.engine.fit.enabled ? "on" : "off"); },
    };
}

// -fitt MiB0,MiB1,...
Binding fit_target_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            return parse_fit_targets(v, &o.engine.fit.target_mib);
        },
        [](const ServerOptions& o) {
            std::string shown;
            for (const int64_t mib : o.engine.fit.target_mib) shown += (shown.empty() ? "" : ",") + std::to_string(mib);
            return shown;
        },
    };
}

// -dr: checked now, resolved and downloaded by main.cpp (download/docker_registry.h).
Binding docker_repo_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            std::string why;
            if (!download::parse_docker_reference(v, &why)) return why;
            o.download.docker_repo = v;
            return "";
        },
        [](const ServerOptions& o) { return o.download.docker_repo; },
    };
}

// ---- model presets ----

const OptionSpec* option_named(const std::string& name) {
    for (const auto& spec : option_table()) {
        if (std::find(spec.names.begin(), spec.names.end(), name) != spec.names.end()) return &spec;
    }
    return nullptr;
}

// A preset flag: its settings go through the table's own bindings, in order, where the flag stands
// on the command line (model_presets.h says why: llama-server's precedence). Its context size does
// not count as the user's for --fit.
Binding preset_binding(const ModelPreset& preset) {
    return {
        [preset](ServerOptions& o, const std::string& v) -> std::string {
            if (v != "true") return "";
            const bool ctx_given = o.engine.fit.ctx_given;
            for (const auto& [name, value] : preset.settings) {
                const OptionSpec* spec = option_named(name);
                if (!spec) return "the preset sets an unknown option " + name;  // a table mistake; tests catch it
                if (std::string why = spec->binding.set(o, value); !why.empty()) return name + " " + value + ": " + why;
            }
            o.engine.fit.ctx_given = ctx_given;
            o.model_presets.push_back(preset.name);
            return "";
        },
        [name = preset.name](const ServerOptions& o) {
            const bool used = std::find(o.model_presets.begin(), o.model_presets.end(), name) != o.model_presets.end();
            return std::string(used ? "enabled" : "disabled");
        },
    };
}

// What the options a preset sets do here, where they say something (e.g. a kind of drafting cria
// does not build).
Notice preset_notice(const ModelPreset& preset) {
    return [preset](const ServerOptions& o) {
        std::string said;
        for (const auto& [name, value] : preset.settings) {
            const OptionSpec* spec = option_named(name);
            const std::string text = spec && spec->notice ? spec->notice(o) : std::string();
            if (!text.empty()) said += (said.empty() ? "" : "; ") + name + ": " + text;
        }
        return said;
    };
}

OptionSpec preset_option(const ModelPreset& preset) {
    std::string sets;
    for (const auto& [name, value] : preset.settings) sets += " " + name + (value == "true" ? "" : " " + value);
    const bool downloads = preset.settings.front().first == "--hf-repo";
    return Opt(S::Model, {preset.name})
        .help("use " + preset.description + (downloads ? " (note: can download weights from the internet)" : "") +
              ", as llama-server's preset: sets" + sets + " where it stands on the command line (later options win)")
        .bind(preset_binding(preset))
        .notice(preset_notice(preset));
}

// ---- the sections ----

void add_device_options(std::vector<OptionSpec>& t) {
    auto add = [&t](OptionSpec spec) { t.push_back(std::move(spec)); };
    add(Opt(S::DevicesMemory, {"-dev", "--device"}).value(K::List, "<dev1,dev2,..>").env({"LLAMA_ARG_DEVICE"})
            .help("comma-separated backend devices to offload to (names as --list-devices prints them); none = "
                  "no offloading")
            .def("all").bind(string_list(at_backend(&BackendConfig::devices))));
    add(Opt(S::DevicesMemory, {"--list-devices"}).special(Special::ListDevices)
            .help("print the backend devices and exit"));
    add(Opt(S::DevicesMemory, {"-ot", "--override-tensor"}).value(K::String, "PATTERN=TYPE,...")
            .env({"LLAMA_ARG_OVERRIDE_TENSOR"}).repeatable()
            .help("keep the tensors whose name matches a regular expression in a buffer type (a device name, "
                  "e.g. CPU); the first matching pattern wins")
            .def("none").bind(tensor_override_binding(at_backend(&BackendConfig::tensor_overrides))));
    add(Opt(S::DevicesMemory, {"-cmoe", "--cpu-moe"}).env({"LLAMA_ARG_CPU_MOE"})
            .help("keep all Mixture of Experts (MoE) expert weights on the CPU")
            .bind(boolean(at_backend(&BackendConfig::cpu_moe))));
    add(Opt(S::DevicesMemory, {"-ncmoe", "--n-cpu-moe"}).value(K::Int, "N").env({"LLAMA_ARG_N_CPU_MOE"})
            .help("keep the MoE expert weights of the first N layers on the CPU")
            .bind(int_in(at_backend(&BackendConfig::n_cpu_moe), 0)));
    add(Opt(S::DevicesMemory, {"-ncffn", "--n-cpu-ffn"}).value(K::Int, "N").env({"LLAMA_ARG_N_CPU_FFN"})
            .help("keep the dense FFN weights of the first N layers on the CPU")
            .bind(int_in(at_backend(&BackendConfig::n_cpu_ffn), 0)));
    add(Opt(S::DevicesMemory, {"--moe-cache-mib"}).value(K::Int, "N").env({"LLAMA_ARG_MOE_CACHE_MIB"})
            .help("GPU cache in MiB for the MoE experts kept on the CPU; 0 = off")
            .bind(int_in(at_backend(&BackendConfig::moe_cache_mib), 0)));
    add(Opt(S::DevicesMemory, {"--repack"}).negative({"-nr", "--no-repack"}).env({"LLAMA_ARG_REPACK"})
            .help("repack weights into the CPU backend's faster layouts where it has them")
            .bind(boolean(at_backend(&BackendConfig::repack))));
    add(Opt(S::DevicesMemory, {"--no-host"}).env({"LLAMA_ARG_NO_HOST"})
            .help("bypass the host buffer, so that extra buffer types can be used")
            .bind({[](ServerOptions& o, const std::string& v) -> std::string {
                       const auto b = parse_bool_word(v);
                       if (!b) return "expected true or false";
                       o.engine.backend.host_buffer = !*b;
                       return "";
                   },
                   [](const ServerOptions& o) { return std::string(o.engine.backend.host_buffer ? "disabled" : "enabled"); }}));
    add(Opt(S::DevicesMemory, {"--op-offload"}).negative({"--no-op-offload"})
            .help("offload host tensor operations to the device")
            .bind(boolean(at_backend(&BackendConfig::op_offload))));
    add(Opt(S::DevicesMemory, {"-lm", "--load-mode"}).choices({"auto", "none", "mmap", "mlock", "mmap+mlock", "dio"})
            .env({"LLAMA_ARG_LOAD_MODE"})
            .help("how the model file is loaded: auto (mmap unless a device cannot), none, mmap, mlock, "
                  "mmap+mlock, dio (direct I/O); overrides --mmap/--mlock")
            .def("from --mmap and --mlock")
            .bind(choice(at_backend(&BackendConfig::load_mode), {"auto", "none", "mmap", "mlock", "mmap+mlock", "dio"})));
    add(Opt(S::DevicesMemory, {"-lzm", "--lazy-mode"}).choices({"on", "auto", "off"}).env({"LLAMA_ARG_LAZY_MODE"})
            .help("read the rows of the tensors the model marks (e.g. per-layer embeddings) from disk on demand: on, "
                  "auto (only those above 4 GiB) or off")
            .bind(choice(at_backend(&BackendConfig::lazy_mode), {"on", "auto", "off"})));
    add(Opt(S::DevicesMemory, {"-fit", "--fit"}).choices({"on", "off"}).implicit_value("on").env({"LLAMA_ARG_FIT"})
            .help("adjust the options not given (-c, -ngl, -ts) so that the model fits in device memory, as "
                  "llama-server does: a smaller context first (not below --fit-ctx), then fewer layers on the GPUs; "
                  "without a GPU the host memory is checked and the start-up log says what was decided")
            .bind(fit_switch_binding()));
    add(Opt(S::DevicesMemory, {"-fitt", "--fit-target"}).value(K::List, "MiB0,MiB1,...").env({"LLAMA_ARG_FIT_TARGET"})
            .help("memory in MiB that --fit leaves free on each device, comma-separated; a single value applies to "
                  "every device (without a GPU: to the host)")
            .bind(fit_target_binding()));
    add(Opt(S::DevicesMemory, {"-fitc", "--fit-ctx"}).value(K::Int, "N").env({"LLAMA_ARG_FIT_CTX"})
            .help("the smallest context size --fit may choose")
            .bind(int_in(at_engine_fit(&MemoryFitConfig::min_ctx), 0)));
    add(Opt(S::DevicesMemory, {"--rpc"}).value(K::List, "SERVERS").env({"LLAMA_ARG_RPC"})
            .help("comma-separated RPC servers (host:port, ggml-rpc-server) whose devices join the local ones; "
                  "-ngl, -ts, -sm and -dev apply across all of them")
            .bind(string_list(at_backend(&BackendConfig::rpc_servers))));
}

void add_model_options(std::vector<OptionSpec>& t) {
    auto add = [&t](OptionSpec spec) { t.push_back(std::move(spec)); };
    add(Opt(S::Model, {"--control-vector"}).value(K::List, "FNAME").repeatable()
            .help("add a control vector at scale 1 (several: comma-separated or repeated)").def("none")
            .bind(control_vector_binding(false)));
    add(Opt(S::Model, {"--control-vector-scaled"}).value(K::List, "FNAME:SCALE,...").repeatable()
            .help("add a control vector at the given scale").def("none").bind(control_vector_binding(true)));
    add(Opt(S::Model, {"--control-vector-layer-range"}).value(K::Int, "START").second_value("END", nullptr)
            .help("the layers (first and last, inclusive) the control vectors apply to")
            .bind(control_vector_range_binding()));
    add(Opt(S::Model, {"-cl", "--cache-list"}).special(Special::CacheList)
            .help("print the models in the download cache directory and exit"));
    add(Opt(S::Model, {"--lora-init-without-apply"})
            .help("load the LoRA adapters at scale 0, to be applied later through POST /lora-adapters or a "
                  "request's lora field")
            .bind(boolean(at(&ServerOptions::lora_init_without_apply))));
    add(Opt(S::Model, {"--tags"}).value(K::List, "STRING").env({"LLAMA_ARG_TAGS"})
            .help("model tags, comma-separated (informational: shown by --print-options)")
            .bind(string_list(at(&ServerOptions::tags))));
    add(Opt(S::Model, {"--mmproj-auto"}).negative({"--no-mmproj", "--no-mmproj-auto"}).env({"LLAMA_ARG_MMPROJ_AUTO"})
            .help("with --hf-repo, also download the repository's multimodal projector (an mmproj*.gguf file in "
                  "the model's folder, the quantization nearest the model's) and load it; none in the repository: "
                  "text only. --mmproj or --mmproj-url wins")
            .def("on").bind(boolean(at(&ServerOptions::download, &download::ModelFetchRequest::mmproj_auto))));
    add(Opt(S::Model, {"-mmu", "--mmproj-url"}).value(K::String, "URL").env({"LLAMA_ARG_MMPROJ_URL"})
            .help("download the multimodal projector from this http(s) URL into the cache directory (as "
                  "--model-url: the URL's file name, resumed, kept while its ETag is unchanged), or to --mmproj if "
                  "given, and load it")
            .def("unused").bind({
                [](ServerOptions& o, const std::string& v) -> std::string {
                    if (!download::is_http_url(v)) return "must be an http:// or https:// URL";
                    o.download.mmproj_url = v;
                    return "";
                },
                [](const ServerOptions& o) { return download::url_for_log(o.download.mmproj_url); },
            }));
    add(Opt(S::Model, {"-mmdev", "--mmproj-device"}).value(K::String, "DEVICE").env({"MTMD_BACKEND_DEVICE"})
            .help("the device the multimodal projector runs on (none = the CPU)").def("follows --device")
            .bind(nonempty_text(at_backend(&BackendConfig::mmproj_device))));
    add(Opt(S::Model, {"--image-min-tokens"}).value(K::Int, "N").env({"LLAMA_ARG_IMAGE_MIN_TOKENS"})
            .help("fewest tokens an image may take (vision models with dynamic resolution)").def("the projector's")
            .bind(int_or_auto(at_backend(&BackendConfig::image_min_tokens), 1)));
    add(Opt(S::Model, {"--image-max-tokens"}).value(K::Int, "N").env({"LLAMA_ARG_IMAGE_MAX_TOKENS"})
            .help("most tokens an image may take (vision models with dynamic resolution)").def("the projector's")
            .bind(int_or_auto(at_backend(&BackendConfig::image_max_tokens), 1)));
    add(Opt(S::Model, {"--mtmd-batch-max-tokens"}).value(K::Int, "N").env({"LLAMA_ARG_MTMD_BATCH_MAX_TOKENS"})
            .help("most image tokens the vision encoder takes in one batch: the images a step encodes together "
                  "(the first always goes in, whatever its size; projectors that cannot batch encode one at a time)")
            .def("1024").bind(int_in(at_backend(&BackendConfig::mtmd_batch_max_tokens), 1)));
    // Videos (engine/video_frames.h): libmtmd's helper runs ffprobe and ffmpeg for each one.
    add(Opt(S::Model, {"--video-fps"}).value(K::Float, "N").env({"LLAMA_ARG_VIDEO_FPS"})
            .help("frames a video is sampled at, per second (0 = the video's own rate); each frame goes into the "
                  "prompt as an image, and a video may have at most --max-video-frames of them")
            .def("4.0").bind(float_in(at_video(&VideoSettings::fps), 0.0, 1000.0)));
    add(Opt(S::Model, {"--video-timestamp-interval"}).value(K::Int, "N").env({"LLAMA_ARG_VIDEO_TIMESTAMP_INTERVAL"})
            .help("milliseconds between the timestamp texts (\"[0m5.0s]\") put between a video's frames (0 = none)")
            .def("5000").bind(int_in(at_video(&VideoSettings::timestamp_interval_ms), 0)));
    add(Opt(S::Model, {"--video-ffmpeg-dir"}).value(K::String, "DIR").env({"LLAMA_ARG_VIDEO_FFMPEG_DIR"})
            .help("the directory holding the ffmpeg and ffprobe programs that read videos")
            .def("found on PATH").bind(nonempty_text(at_video(&VideoSettings::ffmpeg_dir))));
}

void add_context_options(std::vector<OptionSpec>& t) {
    auto add = [&t](OptionSpec spec) { t.push_back(std::move(spec)); };
    add(Opt(S::ContextBatching, {"--perf"}).negative({"--no-perf"}).env({"LLAMA_ARG_PERF"})
            .help("libllama's internal performance timings, logged when the server stops")
            .bind(boolean(at_backend(&BackendConfig::perf))));
    add(Opt(S::ContextBatching, {"-e", "--escape"}).negative({"--no-escape"})
            .help("process escape sequences (\\n, \\r, \\t, \\', \\\", \\\\) in --reverse-prompt strings")
            .def("enabled").bind(boolean(at(&ServerOptions::escape))));
    add(Opt(S::ContextBatching, {"-r", "--reverse-prompt"}).value(K::String, "PROMPT").repeatable()
            .help("stop generating at PROMPT: a stop string of every request that gives no 'stop' of its own")
            .def("none").bind(reverse_prompt_binding()));
    add(Opt(S::ContextBatching, {"-sp", "--special"})
            .help("render special tokens (e.g. <|im_end|>) in the generated text")
            .bind(boolean(at_engine(&EngineConfig::special))));
}

template <typename T>
Field<T> at_prompt_cache(T PromptCacheConfig::*member) {
    return at(&ServerOptions::engine, &EngineConfig::prompt_cache, member);
}

// The prompt caches beyond a slot's own prefix (engine/kv/host_prompt_cache.h). --cache-dir is
// cria's own: the host cache survives a restart.
void add_prompt_cache_options(std::vector<OptionSpec>& t) {
    auto add = [&t](OptionSpec spec) { t.push_back(std::move(spec)); };
    add(Opt(S::ContextBatching, {"-cram", "--cache-ram"}).value(K::Int, "N").env({"LLAMA_ARG_CACHE_RAM"})
            .help("size limit in MiB of the host-memory prompt cache, which keeps the KV state of prompts that "
                  "leave a slot so that a returning conversation is restored, not recomputed; -1 = none, 0 = off")
            .bind(int_or_auto(at_prompt_cache(&PromptCacheConfig::ram_mib), 0)));
    add(Opt(S::ContextBatching, {"--cache-reuse"}).value(K::Int, "N").env({"LLAMA_ARG_CACHE_REUSE"})
            .help("smallest chunk of a slot's cache, after the common prefix, reused by KV shifting; 0 = off")
            .bind(int_in(at_prompt_cache(&PromptCacheConfig::reuse_min_chunk), 0)));
    add(Opt(S::ContextBatching, {"-ctxcp", "--ctx-checkpoints", "--swa-checkpoints"}).value(K::Int, "N")
            .env({"LLAMA_ARG_CTX_CHECKPOINTS"})
            .help("context checkpoints per slot: on sliding-window (without --swa-full), recurrent and hybrid models, "
                  "the partial state saved near the end of each prompt, so that a prompt diverging from the slot's "
                  "cache is computed from the latest one before the divergence, not from the start; 0 = none")
            .bind(int_in(at_prompt_cache(&PromptCacheConfig::ctx_checkpoints), 0)));
    add(Opt(S::ContextBatching, {"-cms", "--checkpoint-min-step"}).value(K::Int, "N")
            .env({"LLAMA_ARG_CHECKPOINT_MIN_SPACING_NT"})
            .help("when a slot's checkpoints are full, one of an earlier request closer than N tokens to the one "
                  "before it is dropped first (else the oldest); 0 = no minimum")
            .bind(int_in(at_prompt_cache(&PromptCacheConfig::checkpoint_min_step), 0)));
    add(Opt(S::ContextBatching, {"-sps", "--slot-prompt-similarity"}).value(K::Float, "SIMILARITY")
            .help("how much of a prompt a slot's cache must match for that slot to be chosen by it (else the "
                  "least recently used idle slot); 0 = always the least recently used")
            .bind(float_in(at_prompt_cache(&PromptCacheConfig::slot_similarity), 0.0, 1.0)));
    add(Opt(S::ContextBatching, {"--cache-dir"}).value(K::String, "DIR")
            .help("keep the host-memory prompt cache in DIR across restarts: written at shutdown, read at start "
                  "(a file of another model or other settings is ignored)")
            .def("none").bind(nonempty_text(at_prompt_cache(&PromptCacheConfig::dir))));
}

void add_output_options(std::vector<OptionSpec>& t) {
    auto add = [&t](OptionSpec spec) { t.push_back(std::move(spec)); };
    add(Opt(S::Endpoints, {"--embd-normalize"}).value(K::Int, "N")
            .help("how embeddings are normalized: -1 none, 0 largest absolute value to 32760 (int16), 1 taxicab, "
                  "2 euclidean, above 2 p-norm")
            .bind(int_in(at_engine(&EngineConfig::embd_normalize), -1)));
    add(Opt(S::Sampling, {"--dry-sequence-breaker"}).value(K::String, "STRING").repeatable()
            .help("a DRY sequence breaker; the first use replaces the default ones ('\\n', ':', '\"', '*'); none = "
                  "no breakers")
            .bind(dry_breaker_binding()));
    add(Opt(S::Sampling, {"--adaptive-target"}).value(K::Float, "N")
            .help("adaptive-p: select tokens near this probability (0 to 1; negative = off); it draws the token "
                  "when the sampler order names adaptive_p (--samplers ...;adaptive_p, --sampler-seq ...a)")
            .bind(float_in(at_sampling(&SamplingParams::adaptive_target), -1000.0, 1.0)));
    add(Opt(S::Sampling, {"--adaptive-decay"}).value(K::Float, "N")
            .help("adaptive-p: decay of its moving average of chosen probabilities (0 to 0.99; lower reacts faster)")
            .bind(float_in(at_sampling(&SamplingParams::adaptive_decay), 0.0, 0.99)));
    add(Opt(S::Sampling, {"-bs", "--backend-sampling"}).env({"LLAMA_ARG_BACKEND_SAMPLING"})
            .help("run the sampler chain on the backend device, inside the compute graph, for requests whose "
                  "chain allows it (no grammar, thinking budget, n_probs or drafting); the rest sample on the CPU "
                  "(requests' default backend_sampling)")
            .bind(boolean(at_sampling(&SamplingParams::backend_sampling))));
}

void add_logging_options(std::vector<OptionSpec>& t) {
    auto add = [&t](OptionSpec spec) { t.push_back(std::move(spec)); };
    add(Opt(S::Logging, {"--log-jsonl"}).negative({"--no-log-jsonl"}).env({"LLAMA_ARG_LOG_JSONL"})
            .help("log JSON lines (the same as --log-format json)")
            .bind({[](ServerOptions& o, const std::string& v) -> std::string {
                       const auto b = parse_bool_word(v);
                       if (!b) return "expected true or false";
                       o.log_format = *b ? "json" : "text";
                       return "";
                   },
                   [](const ServerOptions& o) { return std::string(o.log_format == "json" ? "enabled" : "disabled"); }}));
    add(Opt(S::Logging, {"--log-colors"}).choices({"on", "off", "auto"}).implicit_value("on").env({"LLAMA_ARG_LOG_COLORS"})
            .help("color text log lines by level: on, off, or auto (when the log goes to a terminal)")
            .bind(choice(at(&ServerOptions::log_colors), {"on", "off", "auto"})));
    add(Opt(S::Logging, {"--log-prefix"}).negative({"--no-log-prefix"}).env({"LLAMA_ARG_LOG_PREFIX"})
            .help("start each text log line with its level's letter and 'cria:' (I cria: ...)")
            .bind(boolean(at(&ServerOptions::log_prefix))));
    add(Opt(S::Logging, {"--log-timestamps"}).negative({"--no-log-timestamps"}).env({"LLAMA_ARG_LOG_TIMESTAMPS"})
            .help("start each text log line with the date and time (UTC, milliseconds)")
            .bind(boolean(at(&ServerOptions::log_timestamps))));
    add(Opt(S::Logging, {"--completion-bash"}).special(Special::CompletionBash)
            .help("print a bash completion script for cria's options and exit (source it, or put it in "
                  "/etc/bash_completion.d/)"));
    add(Opt(S::Http, {"--reuse-port"}).env({"LLAMA_ARG_REUSE_PORT"})
            .help("let several servers listen on the same port (SO_REUSEPORT; the kernel spreads connections)")
            .bind(boolean(at_http(&HttpConfig::reuse_port))));
    add(Opt(S::General, {"--print-options"})
            .help("check the command line and environment, print the options they give as JSON (with the "
                  "start-up notices) and exit, without loading the model")
            .bind(boolean(at(&ServerOptions::print_options))));
}
void add_speculative_options(std::vector<OptionSpec>& t) {
    auto add = [&t](OptionSpec spec) { t.push_back(std::move(spec)); };
    // The draft model's own context and placement (-hfd, its download, is beside -md in option_table.cpp).
    add(Opt(S::Speculative, {"--spec-draft-type-k", "-ctkd", "--cache-type-k-draft"}).choices(kCacheTypes)
            .env({"LLAMA_ARG_SPEC_DRAFT_CACHE_TYPE_K"}).help("data type of the draft model's K cache (not -ctk's)")
            .bind(choice(at_draft(&SpeculativeConfig::cache_type_k_draft), kCacheTypes)));
    add(Opt(S::Speculative, {"--spec-draft-type-v", "-ctvd", "--cache-type-v-draft"}).choices(kCacheTypes)
            .env({"LLAMA_ARG_SPEC_DRAFT_CACHE_TYPE_V"}).help("data type of the draft model's V cache (not -ctv's)")
            .bind(choice(at_draft(&SpeculativeConfig::cache_type_v_draft), kCacheTypes)));
    add(Opt(S::Speculative, {"--spec-draft-threads", "-td", "--threads-draft"}).value(K::Int, "N")
            .help("CPU threads of the draft model while generating").def("-1 = same as --threads")
            .bind(int_or_auto(at_draft(&SpeculativeConfig::n_threads_draft), 1)));
    add(Opt(S::Speculative, {"--spec-draft-threads-batch", "-tbd", "--threads-batch-draft"}).value(K::Int, "N")
            .help("CPU threads of the draft model while processing prompts and batches")
            .def("-1 = same as --threads-batch")
            .bind(int_or_auto(at_draft(&SpeculativeConfig::n_threads_batch_draft), 1)));
    add_draft_cpu_placement_options(t);  // -Cd, --prio-draft, ...: applied to the draft model's context
    add(Opt(S::Speculative, {"--spec-draft-override-tensor", "-otd", "--override-tensor-draft"})
            .value(K::String, "PATTERN=TYPE,...").repeatable()
            .help("as --override-tensor, for the draft model (which does not take the main model's)")
            .def("none").bind(tensor_override_binding(at_draft(&SpeculativeConfig::tensor_overrides_draft))));
    add(Opt(S::Speculative, {"--spec-draft-device", "-devd", "--device-draft"}).value(K::List, "<dev1,dev2,..>")
            .help("comma-separated backend devices to offload the draft model to; none = no offloading")
            .def("same as --device").bind(string_list(at_draft(&SpeculativeConfig::devices_draft))));
    add(Opt(S::Speculative, {"--spec-draft-cpu-moe", "-cmoed", "--cpu-moe-draft"}).env({"LLAMA_ARG_SPEC_DRAFT_CPU_MOE"})
            .help("keep all of the draft model's MoE expert weights on the CPU")
            .bind(boolean(at_draft(&SpeculativeConfig::cpu_moe_draft))));
    add(Opt(S::Speculative, {"--spec-draft-n-cpu-moe", "--spec-draft-ncmoe", "-ncmoed", "--n-cpu-moe-draft"})
            .value(K::Int, "N").env({"LLAMA_ARG_SPEC_DRAFT_N_CPU_MOE"})
            .help("keep the draft model's MoE expert weights of the first N layers on the CPU")
            .bind(int_in(at_draft(&SpeculativeConfig::n_cpu_moe_draft), 0)));
    add(Opt(S::Speculative, {"--spec-draft-n-ubatch"}).value(K::Int, "N").env({"LLAMA_ARG_SPEC_DRAFT_N_UBATCH"})
            .help("physical batch size of the draft context (smaller spares memory); lowered to --batch-size "
                  "when larger").def("0 = same as --ubatch-size")
            .bind(int_in(at_draft(&SpeculativeConfig::n_ubatch_draft), 0)));
    add(Opt(S::Speculative, {"--spec-draft-p-split", "--draft-p-split"}).value(K::Float, "P")
            .env({"LLAMA_ARG_SPEC_DRAFT_P_SPLIT"}).help("speculative decoding split probability (tree drafts)")
            .bind(kept_float("--spec-draft-p-split", 0.0, 1.0))
            .says("accepted and kept; llama-server reads it but none of its drafting kinds uses it (it is the "
                  "branch-split threshold of the tree drafts of the llama-speculative example); cria, like "
                  "llama-server, drafts one sequence, never a tree"));
    add(Opt(S::Speculative, {"--spec-draft-backend-sampling"}).negative({"--no-spec-draft-backend-sampling"})
            .env({"LLAMA_ARG_SPEC_DRAFT_BACKEND_SAMPLING"})
            .help("pick the draft model's tokens on its backend device, inside its compute graph (default: on)")
            .bind(boolean(at_draft(&SpeculativeConfig::draft_backend_sampling))));
    add(Opt(S::Speculative, {"--spec-draft-sampling"}).choices({"greedy", "probabilistic"})
            .env({"LLAMA_ARG_SPEC_DRAFT_SAMPLING"})
            .help("how the draft model drafts for a sampling request: greedy (its most likely tokens; output "
                  "exactly as without drafting) or probabilistic (tokens drawn from its distribution, verified by "
                  "rejection sampling: the main model's distribution is kept, not the exact output for a seed)")
            .def("greedy")
            .bind({[](ServerOptions& o, const std::string& v) -> std::string {
                       const std::string word = to_lower(v);
                       if (word != "greedy" && word != "probabilistic") return "must be one of greedy, probabilistic";
                       o.engine.speculative.sample_drafts = word == "probabilistic";
                       return "";
                   },
                   [](const ServerOptions& o) {
                       return std::string(o.engine.speculative.sample_drafts ? "probabilistic" : "greedy");
                   }}));
    add_ngram_options(t);  // --spec-ngram-*, -lcs, -lcd, --spec-synth-*: options/ngram_options.cpp
}

// Chat templates and reasoning (ChatSettings: the front end applies them to every chat request).
void add_template_options(std::vector<OptionSpec>& t) {
    auto add = [&t](OptionSpec spec) { t.push_back(std::move(spec)); };
    const auto chat = [](auto ChatSettings::*member) { return at(&ServerOptions::chat, member); };
    add(Opt(S::Compatibility, {"--chat-template-kwargs"}).value(K::String, "JSON").env({"LLAMA_ARG_CHAT_TEMPLATE_KWARGS"})
            .help("extra variables for the chat template, a JSON object, e.g. '{\"enable_thinking\": false}'; a "
                  "request's own chat_template_kwargs win over these")
            .bind(json_object(chat(&ChatSettings::chat_template_kwargs))));
    add(Opt(S::Compatibility, {"--reasoning-format"}).choices({"none", "deepseek", "deepseek-legacy", "auto"})
            .env({"LLAMA_ARG_THINK"}).help("how thinking is returned: none (left in content), deepseek (reasoning_content), "
                                           "deepseek-legacy (both), auto (= deepseek)")
            .bind(choice(chat(&ChatSettings::reasoning_format), {"none", "deepseek", "deepseek-legacy", "auto"})));
    add(Opt(S::Compatibility, {"-rea", "--reasoning"}).choices({"on", "off", "auto"}).implicit_value("on")
            .env({"LLAMA_ARG_REASONING"}).help("thinking in chats: on or off (the template's enable_thinking), or auto "
                                               "(the template's default)")
            .bind(choice(chat(&ChatSettings::reasoning), {"on", "off", "auto"})));
    add(Opt(S::Compatibility, {"--reasoning-effort"}).value(K::String, "LEVEL").env({"LLAMA_ARG_REASONING_EFFORT"})
            .help("reasoning effort given to the chat template (reasoning_effort): default (not given), minimal, low, "
                  "medium, high, xhigh, max")
            .bind(nonempty_text(chat(&ChatSettings::reasoning_effort))));
    add(Opt(S::Compatibility, {"--reasoning-budget"}).value(K::Int, "N").env({"LLAMA_ARG_THINK_BUDGET"})
            .help("thinking token budget: -1 unrestricted, 0 no thinking (the template's enable_thinking is false, "
                  "and a think block the prompt opens is closed at once), N > 0: the end of thinking is forced after "
                  "N tokens of it")
            .bind(int_or_auto(chat(&ChatSettings::reasoning_budget), 0)));
    add(Opt(S::Compatibility, {"--reasoning-budget-message"}).value(K::String, "MESSAGE")
            .env({"LLAMA_ARG_THINK_BUDGET_MESSAGE"}).help("text forced before the end-of-thinking tag when the budget is spent")
            .bind(text(chat(&ChatSettings::reasoning_budget_message))));
    add(Opt(S::Compatibility, {"--reasoning-preserve"}).negative({"--no-reasoning-preserve"})
            .env({"LLAMA_ARG_REASONING_PRESERVE"})
            .help("give templates the reasoning_content of every earlier assistant message (off: only the last one's)")
            .bind(boolean(chat(&ChatSettings::reasoning_preserve))));
    add(Opt(S::Compatibility, {"--skip-chat-parsing"}).negative({"--no-skip-chat-parsing"})
            .env({"LLAMA_ARG_SKIP_CHAT_PARSING"}).help("put everything the model writes in the content (no reasoning, no tool calls)")
            .bind(boolean(chat(&ChatSettings::skip_chat_parsing))));
    add(Opt(S::Compatibility, {"--prefill-assistant"}).negative({"--no-prefill-assistant"})
            .env({"LLAMA_ARG_PREFILL_ASSISTANT"})
            .help("a last assistant message is continued (prefilled) rather than taken as a whole message")
            .bind(boolean(chat(&ChatSettings::prefill_assistant))));
}

// `inner`, then `check` on the options it wrote ("" = fine, else why the value is refused).
Binding checked(Binding inner, std::function<std::string(const ServerOptions&)> check) {
    return {[inner, check](ServerOptions& o, const std::string& v) -> std::string {
                if (std::string why = inner.set(o, v); !why.empty()) return why;
                return check(o);
            },
            inner.show};
}

// --tools: names of built-in tools, or "all".
std::string check_tool_names(const ServerOptions& o) {
    for (const auto& name : o.agent.tools) {
        if (name == "all" || agent::find_builtin_tool(name) != nullptr) continue;
        std::string known;
        for (const auto& tool : agent::builtin_tools()) known += (known.empty() ? "" : ", ") + tool.name;
        return "unknown tool \"" + name + "\" (available: " + known + ", or all)";
    }
    return "";
}

std::string check_tools_runtime(const ServerOptions& o) {
    std::string error;
    return agent::parse_runtime(o.agent.tools_runtime, &error) ? "" : error;
}

// The MCP server definitions of both options, read and parsed now (the file too).
std::string check_mcp_servers(const ServerOptions& o) {
    std::string error;
    return agent::configured_mcp_servers(o.agent, &error) ? "" : error;
}

// Server features of later work, and llama-server's agent tools (src/agent/).
void add_server_options(std::vector<OptionSpec>& t) {
    auto add = [&t](OptionSpec spec) { t.push_back(std::move(spec)); };
    add(Opt(S::Compatibility, {"--media-path"}).value(K::String, "PATH")
            .help("directory of local media files that requests may name as file:// URLs (relative to it; nothing "
                  "outside it is read)")
            .bind(nonempty_text(at(&ServerOptions::defaults, &CompletionDefaults::limits, &RequestLimits::media_path))));
    add(Opt(S::ContextBatching, {"--cache-idle-slots"}).negative({"--no-cache-idle-slots"})
            .env({"LLAMA_ARG_CACHE_IDLE_SLOTS"})
            .help("when a task starts, save the idle slots to the host prompt cache (with --cache-ram), and empty "
                  "them with --kv-unified")
            .bind(boolean(at_prompt_cache(&PromptCacheConfig::cache_idle_slots))));
    add(Opt(S::ContextBatching, {"--kv-unified-per-slot"}).value(K::Int, "N").env({"LLAMA_ARG_KV_UNIFIED_PER_SLOT"})
            .help("no slot's context exceeds N tokens; without -c the KV pool is sized to -np times N")
            .bind(int_in(at_engine(&EngineConfig::n_ctx_slot_max), 1)));
    add(Opt(S::Compatibility, {"--sse-ping-interval"}).value(K::Int, "N").env({"LLAMA_ARG_SSE_PING_INTERVAL"})
            .help("seconds an open SSE stream may stay silent before it sends a keep-alive (a comment line; Anthropic: a "
                  "ping event; none on NDJSON streams); -1 = never")
            .bind(int_or_auto(at_http(&HttpConfig::sse_ping_interval_s), 1)));
    add(Opt(S::Compatibility, {"--ui-config", "--webui-config"}).value(K::String, "JSON").env({"LLAMA_ARG_UI_CONFIG"})
            .help("default settings of the web UI, a JSON object (GET /props: ui_settings)")
            .bind(json_object(at_http(&HttpConfig::ui_config))));
    add(Opt(S::Compatibility, {"--ui-config-file", "--webui-config-file"}).value(K::String, "PATH")
            .env({"LLAMA_ARG_UI_CONFIG_FILE"}).help("the same, from a file")
            .bind(json_object_file(at_http(&HttpConfig::ui_config))));
    add(Opt(S::Endpoints, {"--ui-mcp-proxy", "--webui-mcp-proxy"}).negative({"--no-ui-mcp-proxy", "--no-webui-mcp-proxy"})
            .env({"LLAMA_ARG_UI_MCP_PROXY"})
            .help("experimental: GET/POST /cors-proxy?url=URL forwards the web UI's requests to MCP servers (any URL "
                  "the caller names: do not enable in untrusted environments)")
            .def("disabled").bind(boolean(at_agent(&AgentConfig::mcp_proxy))));
    add(Opt(S::Endpoints, {"--tools"}).value(K::List, "TOOL1,TOOL2,...").env({"LLAMA_ARG_TOOLS"})
            .help("experimental: built-in tools for agents, run by POST /tools (do not enable in untrusted "
                  "environments): read_file, file_glob_search, grep_search, exec_shell_command, write_file, edit_file, "
                  "get_info, or all. Limits --cors-origins to localhost unless it is given")
            .def("no tools").bind(checked(string_list(at_agent(&AgentConfig::tools)), check_tool_names)));
    add(Opt(S::Endpoints, {"--tools-runtime"}).value(K::String, "OPTION").env({"LLAMA_ARG_TOOLS_RUNTIME"})
            .help("where the tools run: docker:IMAGE or podman:IMAGE (a container started on first use, removed at "
                  "exit), docker-container:ID or podman-container:ID (an existing one), ssh:TARGET (key-based auth, "
                  "a known host key)")
            .def("the host").bind(checked(nonempty_text(at_agent(&AgentConfig::tools_runtime)), check_tools_runtime)));
    add(Opt(S::Endpoints, {"--mcp-servers-config"}).value(K::String, "PATH").env({"LLAMA_ARG_MCP_SERVERS_CONFIG"})
            .help("experimental: MCP servers whose tools POST /tools runs, a JSON file in Cursor's format "
                  "({\"mcpServers\": {NAME: {\"command\", \"args\", \"env\"}}}). Limits --cors-origins to localhost")
            .bind(checked(nonempty_text(at_agent(&AgentConfig::mcp_servers_config)), check_mcp_servers)));
    add(Opt(S::Endpoints, {"--mcp-servers-json"}).value(K::String, "JSON").env({"LLAMA_ARG_MCP_SERVERS_JSON"})
            .help("experimental: the same, inline JSON")
            .bind(checked(json_object(at_agent(&AgentConfig::mcp_servers_json)), check_mcp_servers)));
    add(Opt(S::Endpoints, {"-ag", "--agent"}).negative({"-no-ag", "--no-agent"}).env({"LLAMA_ARG_AGENT"})
            .help("the MCP CORS proxy and every built-in tool (do not enable in untrusted environments). Limits "
                  "--cors-origins to localhost")
            .def("disabled").bind(boolean(at_agent(&AgentConfig::agent))));
    add(Opt(S::Compatibility, {"--log-prompts-dir"}).value(K::String, "PATH")
            .help("write each generation's prompt to a file in this directory, created if missing (debugging)")
            .bind(nonempty_text(at_http(&HttpConfig::log_prompts_dir))));
}

// Other sources of models: cria loads local files, -mu URLs and -hf repositories.
void add_source_options(std::vector<OptionSpec>& t) {
    auto add = [&t](OptionSpec spec) { t.push_back(std::move(spec)); };
    add(Opt(S::Model, {"-dr", "--docker-repo"}).value(K::String, "[<repo>/]<model>[:quant]")
            .env({"LLAMA_ARG_DOCKER_REPO"})
            .help("download the model from Docker Hub's registry: the repository defaults to ai/ and the tag to latest "
                  "(e.g. gemma3, ai/smollm2:135M-Q4_0); kept in the cache as <repo>_<tag>.gguf, or at -m; "
                  "CRIA_DOCKER_REGISTRY and CRIA_DOCKER_AUTH name another registry and token service")
            .def("unused").bind(docker_repo_binding()));
    add(Opt(S::Compatibility, {"--spm-infill"})
            .help("build /infill prompts in Suffix/Prefix/Middle order instead of Prefix/Suffix/Middle (some models "
                  "were trained on that order)")
            .bind(boolean(at(&ServerOptions::spm_infill))));
    for (const ModelPreset& preset : model_presets()) add(preset_option(preset));
}

// Router mode (src/router/, docs/router.md) and sleeping when idle. With a model given (-m, -mu,
// -hf), cria serves that one model and --models-dir / --models-preset are ignored, as in llama-server.
// Their values stay in LaterOptions, where they were kept before the router existed (moving them
// would rebuild everything that includes server_options.h; a later tidy-up may).
void add_router_options(std::vector<OptionSpec>& t) {
    auto add = [&t](OptionSpec spec) { t.push_back(std::move(spec)); };
    const auto ignored_with_a_model = [](const ServerOptions& o) -> std::string {
        return names_a_model(o) ? "ignored: a model is given (-m, -mu, -hf or -dr), so cria serves that one model" : "";
    };
    add(Opt(S::Http, {"--models-dir"}).value(K::String, "PATH").env({"LLAMA_ARG_MODELS_DIR"})
            .help("router mode: serve every GGUF in this directory, each loaded on demand in its own process")
            .bind(nonempty_text(at_later(&LaterOptions::models_dir))).notice(ignored_with_a_model));
    add(Opt(S::Http, {"--models-preset"}).value(K::String, "PATH").env({"LLAMA_ARG_MODELS_PRESET"})
            .help("router mode: INI file of per-model options (llama-server's preset format)")
            .bind(nonempty_text(at_later(&LaterOptions::models_preset))).notice(ignored_with_a_model));
    add(Opt(S::Http, {"--models-max"}).value(K::Int, "N").env({"LLAMA_ARG_MODELS_MAX"})
            .help("router mode: most models loaded at once (the least recently used one is unloaded); 0 = no limit")
            .bind(int_in(at_later(&LaterOptions::models_max), 0)));
    add(Opt(S::Http, {"--models-autoload"}).negative({"--no-models-autoload"}).env({"LLAMA_ARG_MODELS_AUTOLOAD"})
            .help("router mode: load a model when a request names it (else only POST /models/load does)")
            .bind(boolean(at_later(&LaterOptions::models_autoload))));
    add(Opt(S::Http, {"--sleep-idle-seconds"}).value(K::Int, "SECONDS")
            .help("unload a model after this many idle seconds and load it again on the next request; -1 = never")
            .bind(int_or_auto(at_later(&LaterOptions::sleep_idle_seconds), 1)));
}

}  // namespace

void add_llama_server_options(std::vector<OptionSpec>* table) {
    std::vector<OptionSpec>& t = *table;
    add_cpu_placement_options(t);
    add_device_options(t);
    add_model_options(t);
    add_context_options(t);
    add_prompt_cache_options(t);
    add_output_options(t);
    add_logging_options(t);
    add_speculative_options(t);
    add_template_options(t);
    add_server_options(t);
    add_source_options(t);
    add_router_options(t);
}

}  // namespace cria::options
