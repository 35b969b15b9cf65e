#include "options/option_table.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iterator>
#include <limits>
#include <sstream>
#include <utility>

#include <cmath>

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "api/gbnf_check.h"
#include "api/json_schema_grammar.h"
#include "download/model_source.h"
#include "engine/generation_request.h"
#include "options/llama_server_options.h"
#include "options/option_builder.h"
#include "template/builtin_templates.h"
#include "util/value_parse.h"

namespace cria::options {

namespace {


// "top_k;temperature": the order of the sampling stages as --samplers spells it.
std::string stage_names(const std::vector<SamplerStage>& stages) {
    std::string names;
    for (const auto stage : stages) names += (names.empty() ? "" : ";") + std::string(sampler_stage_name(stage));
    return names;
}

// A ';'-separated list of sampler stage names.
Binding samplers_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            std::vector<SamplerStage> stages;
            for (const auto& name : split_list(v, ';')) {
                const auto stage = sampler_stage_from_name(name);
                if (!stage) return "unknown sampler '" + name + "'";
                stages.push_back(*stage);
            }
            o.defaults.sampling.samplers = std::move(stages);
            return "";
        },
        [](const ServerOptions& o) { return stage_names(o.defaults.sampling.samplers); },
    };
}

// -c: the total context, noting that it was given (without it, --kv-unified-per-slot sizes it).
Binding ctx_size_binding() {
    Binding plain = int_in(at_engine(&EngineConfig::n_ctx), 0);
    return {
        [set = plain.set](ServerOptions& o, const std::string& v) -> std::string {
            std::string why = set(o, v);
            if (why.empty()) o.ctx_size_given = o.engine.fit.ctx_given = true;
            return why;
        },
        plain.show,
    };
}

// --sampling-seq: one letter per stage, as today's llama-server spells them.
std::optional<std::string> sampler_name_for_letter(char letter) {
    switch (letter) {
        case 'e': return "penalties";
        case 'd': return "dry";
        case 's': return "top_n_sigma";
        case 'k': return "top_k";
        case 'y': return "typical_p";
        case 'p': return "top_p";
        case 'm': return "min_p";
        case 'x': return "xtc";
        case 't': return "temperature";
        case 'a': return "adaptive_p";
        default: return std::nullopt;
    }
}

// The letters name the same stages as --samplers; the last of the two wins.
Binding sampling_seq_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            if (v.empty()) return "must not be empty";
            std::vector<SamplerStage> stages;
            for (const char letter : v) {
                const auto name = sampler_name_for_letter(letter);
                if (!name) {
                    return std::string("unknown sampler letter '") + letter +
                           "' (known: e penalties, d dry, s top_n_sigma, k top_k, y typical_p, p top_p, m min_p, "
                           "x xtc, t temperature, a adaptive_p)";
                }
                stages.push_back(*sampler_stage_from_name(*name));
            }
            o.defaults.sampling.samplers = std::move(stages);
            return "";
        },
        [](const ServerOptions& o) { return stage_names(o.defaults.sampling.samplers); },
    };
}

// -l TOKEN_ID(+/-)BIAS, e.g. "15043+1", "15043-1.5", "2-inf". Repeatable: each use adds one.
Binding logit_bias_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            const auto sign = v.find_first_of("+-", 1);
            const auto id = sign == std::string::npos ? std::nullopt : parse_int(v.substr(0, sign));
            if (!id || *id < 0 || *id > kInt32Max) return "expected TOKEN_ID+BIAS or TOKEN_ID-BIAS, e.g. 15043+1 or 15043-inf";
            const std::string magnitude = v.substr(sign + 1);
            double bias = 0.0;
            if (to_lower(magnitude) == "inf") {
                bias = std::numeric_limits<double>::infinity();
            } else {
                const auto x = parse_float(magnitude);
                if (!x || *x < 0) return "the bias '" + magnitude + "' is not a number or inf";
                bias = *x;
            }
            o.defaults.logit_bias.push_back({static_cast<Token>(*id), static_cast<float>(v[sign] == '-' ? -bias : bias)});
            return "";
        },
        [](const ServerOptions& o) {
            std::string shown;
            for (const auto& entry : o.defaults.logit_bias) {
                shown += (shown.empty() ? "" : ",") + std::to_string(entry.token) + (entry.bias < 0 ? "" : "+") +
                         format_bound(entry.bias);
            }
            return shown;
        },
    };
}


// Our checker's verdict on a default grammar; libllama's parser has the last word at start-up.
std::string set_grammar(ServerOptions& o, const std::string& grammar, const std::string& option) {
    if (grammar.empty()) return "the grammar is empty";
    const std::string where = gbnf_syntax_error(grammar);
    if (!where.empty()) return "invalid grammar: " + where;
    o.defaults.grammar = grammar;
    o.grammar_option = option;
    return "";
}

// A JSON schema becomes the default grammar, keeping the schema's own member order.
std::string set_schema_grammar(ServerOptions& o, const std::string& text, const std::string& option) {
    const auto schema = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (schema.is_discarded()) return "not valid JSON";
    if (!schema.is_object() && !schema.is_boolean()) return "must be a JSON Schema object";
    try {
        o.defaults.grammar = json_schema_to_gbnf_ordered(schema);
    } catch (const ApiError& e) {
        return "unsupported JSON schema: " + e.message;
    }
    o.grammar_option = option;
    return "";
}

Binding grammar_binding() {
    return {
        [](ServerOptions& o, const std::string& v) { return set_grammar(o, v, "--grammar"); },
        [](const ServerOptions& o) { return o.grammar_option == "--grammar" ? o.defaults.grammar : std::string(); },
    };
}

Binding grammar_file_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            std::string error;
            const std::string text = read_whole_file(v, &error);
            return error.empty() ? set_grammar(o, text, "--grammar-file") : error;
        },
        [](const ServerOptions&) { return std::string(); },
    };
}

Binding json_schema_binding() {
    return {
        [](ServerOptions& o, const std::string& v) { return set_schema_grammar(o, v, "--json-schema"); },
        [](const ServerOptions&) { return std::string(); },
    };
}

Binding json_schema_file_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            std::string error;
            const std::string text = read_whole_file(v, &error);
            return error.empty() ? set_schema_grammar(o, text, "--json-schema-file") : error;
        },
        [](const ServerOptions&) { return std::string(); },
    };
}

// One KEY=TYPE:VALUE of --override-kv; "" when it is well-formed.
std::string parse_metadata_override(const std::string& item, MetadataOverride* out) {
    const auto eq = item.find('=');
    const auto colon = eq == std::string::npos ? std::string::npos : item.find(':', eq + 1);
    if (eq == std::string::npos || colon == std::string::npos || eq == 0) {
        return "'" + item + "' is not KEY=TYPE:VALUE (e.g. tokenizer.ggml.add_bos_token=bool:false)";
    }
    out->key = item.substr(0, eq);
    if (out->key.size() > 127) return "the key '" + out->key + "' is longer than 127 bytes";
    const std::string type = item.substr(eq + 1, colon - eq - 1);
    const std::string value = item.substr(colon + 1);
    if (type == "int") {
        const auto n = parse_int(value);
        if (!n) return "'" + item + "': '" + value + "' is not an integer";
        out->type = MetadataOverride::Type::integer;
        out->int_value = *n;
    } else if (type == "float") {
        const auto x = parse_float(value);
        if (!x) return "'" + item + "': '" + value + "' is not a number";
        out->type = MetadataOverride::Type::floating;
        out->float_value = *x;
    } else if (type == "bool") {
        if (value != "true" && value != "false") return "'" + item + "': a bool is true or false";
        out->type = MetadataOverride::Type::boolean;
        out->bool_value = value == "true";
    } else if (type == "str") {
        if (value.size() > 127) return "'" + item + "': the string is longer than 127 bytes";
        out->type = MetadataOverride::Type::text;
        out->text_value = value;
    } else {
        return "'" + item + "': unknown type '" + type + "' (int, float, bool or str)";
    }
    return "";
}

// --override-kv: repeatable, and like llama-server one value may hold several, comma-separated.
Binding override_kv_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            std::vector<MetadataOverride> parsed;
            for (const auto& item : split_list(v, ',')) {
                MetadataOverride entry;
                const std::string error = parse_metadata_override(item, &entry);
                if (!error.empty()) return error;
                parsed.push_back(std::move(entry));
            }
            o.engine.kv_overrides.insert(o.engine.kv_overrides.end(), parsed.begin(), parsed.end());
            return "";
        },
        [](const ServerOptions& o) {
            std::string keys;
            for (const auto& entry : o.engine.kv_overrides) keys += (keys.empty() ? "" : ",") + entry.key;
            return keys;
        },
    };
}

// --api-prefix: a URL path that routes are put under. Only plain path characters, so that it can
// neither escape its place in a route pattern nor mean something else once percent-decoded.
Binding api_prefix_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            if (v.empty()) {
                o.http.api_prefix.clear();
                return "";
            }
            if (v[0] != '/') return "must start with '/' (e.g. /llm)";
            if (v.size() == 1 || v.back() == '/') return "must not end with '/' (e.g. /llm, not /llm/)";
            if (v.find("..") != std::string::npos) return "must not contain '..'";
            if (v.find("//") != std::string::npos) return "must not contain '//'";
            for (const char c : v) {
                const bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '-' || c == '_' ||
                                   c == '.' || c == '~';
                if (!plain) return std::string("must not contain '") + c + "' (letters, digits, / - _ . ~ only)";
            }
            o.http.api_prefix = v;
            return "";
        },
        [](const ServerOptions& o) { return o.http.api_prefix; },
    };
}


// ---- bindings with their own rules ----

// A value that must never be shown (an access token). Empty means none (HF_TOKEN= in an environment).
Binding secret(Field<std::string> field) {
    return {
        [field](ServerOptions& o, const std::string& v) -> std::string {
            field.in(o) = v;
            return "";
        },
        [field](const ServerOptions& o) { return field.of(o).empty() ? std::string() : std::string("(hidden)"); },
    };
}

Binding model_url_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            if (!download::is_http_url(v)) return "must be an http:// or https:// URL";
            o.download.model_url = v;
            return "";
        },
        [](const ServerOptions& o) { return download::url_for_log(o.download.model_url); },
    };
}

Binding hf_repo_binding(Field<std::string> field) {
    return {
        [field](ServerOptions& o, const std::string& v) -> std::string {
            std::string why;
            if (!download::parse_hf_repo(v, &why)) return why;
            field.in(o) = v;
            return "";
        },
        [field](const ServerOptions& o) { return field.of(o); },
    };
}

// --rerank: llama-server's shorthand for --embedding --pooling rank (a later --pooling still wins,
// as there).
Binding rerank_mode() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            const auto on = parse_bool_word(v);
            if (!on) return "expected true or false";
            if (*on) {
                o.engine.embedding = true;
                o.engine.pooling = "rank";
            }
            return "";
        },
        [](const ServerOptions& o) {
            return std::string(o.engine.embedding && o.engine.pooling == "rank" ? "enabled" : "disabled");
        },
    };
}

Binding seed_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            const auto n = parse_int(v);
            if (!n) return "not an integer";
            if (*n < -1 || *n > int64_t{0xFFFFFFFF}) return "must be -1 (random) or between 0 and 4294967295";
            // -1 and 4294967295 both mean kRandomSeed: a fresh random seed for each request.
            o.defaults.sampling.seed = *n < 0 ? kRandomSeed : static_cast<uint32_t>(*n);
            return "";
        },
        [](const ServerOptions& o) {
            const uint32_t seed = o.defaults.sampling.seed;
            return seed == kRandomSeed ? std::string("-1") : std::to_string(seed);
        },
    };
}

Binding gpu_layers_binding(Field<int32_t> field) {
    return {
        [field](ServerOptions& o, const std::string& v) -> std::string {
            const std::string word = to_lower(v);
            if (word == "auto") {
                field.in(o) = -1;
                return "";
            }
            if (word == "all") {
                field.in(o) = kAllGpuLayers;
                return "";
            }
            const auto n = parse_int(v);
            if (!n) return "not an integer, 'auto' or 'all'";
            if (*n < -1 || *n > kInt32Max) return "must be -1 (auto) or at least 0";
            field.in(o) = static_cast<int32_t>(*n);
            return "";
        },
        [field](const ServerOptions& o) { return std::to_string(field.of(o)); },
    };
}

Binding flash_attn_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            const std::string word = to_lower(v);
            if (word == "on" || word == "off" || word == "auto") {
                o.engine.flash_attn = word;
                return "";
            }
            return "must be on, off or auto";
        },
        [](const ServerOptions& o) { return o.engine.flash_attn; },
    };
}

Binding tensor_split_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            std::vector<float> split;
            for (const auto& item : split_list(v, ',')) {
                const auto x = parse_float(item);
                if (!x || *x < 0.0 || *x > kFloatMax) {
                    return "expected a comma-separated list of non-negative numbers, e.g. 3,2";
                }
                split.push_back(static_cast<float>(*x));
            }
            o.engine.tensor_split = std::move(split);
            return "";
        },
        [](const ServerOptions& o) {
            std::string s;
            for (size_t i = 0; i < o.engine.tensor_split.size(); ++i) s += (i ? "," : "") + format_float(o.engine.tensor_split[i]);
            return s;
        },
    };
}

// --api-key: every use adds keys; a value may hold several, comma-separated, like llama-server.
// --rope-scale N: the context grows N times, i.e. RoPE frequencies are scaled by 1/N.
Binding rope_scale_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            const auto x = parse_float(v);
            if (!x || *x <= 0.0) return "must be a number above 0";
            o.engine.tuning.rope_freq_scale = static_cast<float>(1.0 / *x);
            return "";
        },
        [](const ServerOptions&) { return std::string(); },
    };
}

Binding cors_origins_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            std::vector<std::string> origins;
            for (auto& origin : split_list(v, ',')) {
                if (origin.empty()) continue;
                while (origin.size() > 1 && origin.back() == '/') origin.pop_back();  // browsers send no slash
                origins.push_back(std::move(origin));
            }
            if (origins.empty()) return "must name at least one origin, or *";
            o.http.cors.origins = std::move(origins);
            o.cors_origins_given = true;
            return "";
        },
        [](const ServerOptions& o) {
            std::string joined;
            for (const auto& origin : o.http.cors.origins) joined += (joined.empty() ? "" : ",") + origin;
            return joined;
        },
    };
}

Binding api_key_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            std::vector<std::string> keys;
            for (auto& key : split_list(v, ',')) {
                if (!key.empty()) keys.push_back(std::move(key));
            }
            if (keys.empty()) return "must not be empty";
            o.http.api_keys.insert(o.http.api_keys.end(), keys.begin(), keys.end());
            return "";
        },
        [](const ServerOptions& o) { return o.http.api_keys.empty() ? std::string() : std::string("(hidden)"); },
    };
}

// --api-key-file: one key per line; blank lines and lines starting with '#' are skipped.
Binding api_key_file_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            if (v.empty()) return "must not be empty";
            std::string error;
            std::istringstream lines(read_whole_file(v, &error));
            if (!error.empty()) return error;
            std::string line;
            while (std::getline(lines, line)) {
                const std::string key = trim(line);
                if (key.empty() || key[0] == '#') continue;
                o.http.api_keys.push_back(key);
            }
            return "";
        },
        [](const ServerOptions&) { return std::string(); },
    };
}

// --chat-template: a built-in name ("chatml", "llama3", …), or Jinja text (with a {{ or {% tag).
Binding chat_template_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            const bool is_jinja = v.find("{{") != std::string::npos || v.find("{%") != std::string::npos;
            if (builtin_template(v) == nullptr && !is_jinja) {
                std::string names;
                for (const auto& t : builtin_templates()) names += (names.empty() ? "" : ", ") + t.name;
                return "not a known template name (" + names + ") nor Jinja template text; for a file use --chat-template-file";
            }
            o.chat_template = v;
            return "";
        },
        [](const ServerOptions& o) { return o.chat_template; },
    };
}


// --spec-type: comma-separated kinds of drafting, tried in order each step: every kind of llama-server 0.7.
Binding spec_type_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            static const std::vector<std::string> known = {
                "none",         "draft-simple", "draft-mtp",     "draft-eagle3", "draft-dflash", "draft-dspark",
                "ngram-simple", "ngram-map-k",  "ngram-map-k4v", "ngram-mod",    "ngram-cache"};
            std::vector<std::string> types;
            for (const auto& item : split_list(v, ',')) {
                const std::string type = to_lower(trim(item));
                if (std::find(known.begin(), known.end(), type) == known.end()) {
                    return "unknown type '" + type + "' (none, draft-simple, draft-mtp, draft-eagle3, draft-dflash, "
                           "draft-dspark, ngram-simple, ngram-map-k, ngram-map-k4v, ngram-mod, ngram-cache)";
                }
                if (std::find(types.begin(), types.end(), type) != types.end()) return "'" + type + "' is given twice";
                types.push_back(type);
            }
            if (types.empty()) return "must not be empty";
            if (types.size() > 1 && std::find(types.begin(), types.end(), "none") != types.end()) {
                return "'none' cannot be combined with other types";
            }
            o.spec_type_none = !types.empty() && types.front() == "none";
            o.engine.speculative.sources.clear();
            for (const auto& type : types) {
                if (type != "none") o.engine.speculative.sources.push_back(*draft_source_from_name(type));
            }
            return "";
        },
        [](const ServerOptions& o) { return draft_source_names(o.engine.speculative.sources); },
    };
}

// --chat-template-file: the whole file is the Jinja template.
Binding chat_template_file_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            std::string error;
            const std::string text = read_whole_file(v, &error);
            if (!error.empty()) return error;
            if (text.empty()) return "the file is empty";
            o.chat_template = text;
            return "";
        },
        [](const ServerOptions&) { return std::string(); },
    };
}

// --lora: adapters applied at scale 1. Like llama-server, one value may name several, comma-separated.
Binding lora_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            std::vector<LoraAdapterConfig> adapters;
            for (auto& path : split_list(v, ',')) {
                if (path.empty()) return "expected a file name (or several, comma-separated)";
                adapters.push_back({path, 1.0f});
            }
            o.engine.lora_adapters.insert(o.engine.lora_adapters.end(), adapters.begin(), adapters.end());
            return "";
        },
        [](const ServerOptions&) { return std::string(); },
    };
}

// "FNAME:SCALE" (today's llama-server form): the text after the last ':' is a number.
bool has_scale_suffix(const std::string& v) {
    const auto colon = v.rfind(':');
    return colon != std::string::npos && colon > 0 && parse_float(v.substr(colon + 1)).has_value();
}

// --lora-scaled FNAME SCALE (the seed's two-value form), or FNAME:SCALE[,FNAME:SCALE...].
Binding lora_scaled_binding() {
    return {
        [](ServerOptions& o, const std::string& v) -> std::string {
            std::vector<std::pair<std::string, std::string>> items;  // path, scale text
            const auto separator = v.find(kValueSeparator);
            if (separator != std::string::npos) {
                items.emplace_back(v.substr(0, separator), v.substr(separator + 1));
            } else {
                for (const auto& item : split_list(v, ',')) {
                    const auto colon = item.rfind(':');
                    if (colon == std::string::npos) return "expected FNAME SCALE, or FNAME:SCALE";
                    items.emplace_back(item.substr(0, colon), item.substr(colon + 1));
                }
            }
            std::vector<LoraAdapterConfig> adapters;
            for (const auto& [path, scale_text] : items) {
                if (path.empty()) return "the adapter file name is empty";
                const auto scale = parse_float(scale_text);
                if (!scale || *scale < -kFloatMax || *scale > kFloatMax) return "the scale '" + scale_text + "' is not a number";
                adapters.push_back({path, static_cast<float>(*scale)});
            }
            o.engine.lora_adapters.insert(o.engine.lora_adapters.end(), adapters.begin(), adapters.end());
            return "";
        },
        [](const ServerOptions&) { return std::string(); },
    };
}

std::vector<OptionSpec> build_table() {
    using S = Section;
    using K = ValueKind;
    std::vector<OptionSpec> t;
    auto add = [&t](OptionSpec spec) { t.push_back(std::move(spec)); };

    // ---- general ----
    add(Opt(S::General, {"-h", "--help", "--usage"}).special(Special::Help).help("print this help and exit"));
    add(Opt(S::General, {"--version"}).special(Special::Version).help("print the version and exit"));

    // ---- model ----
    add(Opt(S::Model, {"-m", "--model"}).value(K::String, "FNAME").env({"LLAMA_ARG_MODEL"})
            .help("path of the GGUF model file to load (required unless --model-url or --hf-repo names one; "
                  "with them, where the download is kept)")
            .bind(nonempty_text(at_engine(&EngineConfig::model_path))));
    add(Opt(S::Model, {"-mu", "--model-url"}).value(K::String, "URL").env({"LLAMA_ARG_MODEL_URL"})
            .help("download the model from this http(s) URL into the cache directory ($LLAMA_CACHE, else "
                  "$XDG_CACHE_HOME/llama.cpp, else ~/.cache/llama.cpp), or to -m if given; a cached copy is "
                  "used while the server's ETag is unchanged")
            .def("unused").bind(model_url_binding()));
    add(Opt(S::Model, {"-hf", "-hfr", "--hf-repo"}).value(K::String, "<user>/<model>[:quant]")
            .env({"LLAMA_ARG_HF_REPO"})
            .help("download the model from this Hugging Face repository at $HF_ENDPOINT (else $MODEL_ENDPOINT, "
                  "else https://huggingface.co); without --hf-file the first .gguf file whose name contains the quant "
                  "(default Q4_K_M, else the first file) is taken; the repository's multimodal projector is "
                  "downloaded and loaded too, if it has one (--no-mmproj: not)")
            .def("unused").bind(hf_repo_binding(at(&ServerOptions::download, &download::ModelFetchRequest::hf_repo))));
    add(Opt(S::Model, {"-hff", "--hf-file"}).value(K::String, "FILE").env({"LLAMA_ARG_HF_FILE"})
            .help("the file to download from --hf-repo (overrides its quant)").def("unused")
            .bind(nonempty_text(at(&ServerOptions::download, &download::ModelFetchRequest::hf_file))));
    add(Opt(S::Model, {"-hft", "--hf-token"}).value(K::String, "TOKEN").env({"HF_TOKEN"})
            .help("Hugging Face access token, sent as 'Authorization: Bearer' to the Hugging Face endpoint "
                  "(never to --model-url)")
            .bind(secret(at(&ServerOptions::download, &download::ModelFetchRequest::hf_token))));
    add(Opt(S::Model, {"--offline"}).env({"LLAMA_ARG_OFFLINE"})
            .help("never use the network: --model-url and --hf-repo take the cached download, or fail")
            .bind(boolean(at(&ServerOptions::download, &download::ModelFetchRequest::offline))));
    add(Opt(S::Model, {"-spf", "--system-prompt-file"}).value(K::String, "FNAME")
            .help("JSON file with the system prompt put before every /completion prompt, shared by all slots: "
                  "{\"prompt\": ..., \"anti_prompt\": \"User:\", \"assistant_name\": \"Assistant:\"}")
            .def("none").bind(nonempty_text(at(&ServerOptions::system_prompt_file))));
    add(Opt(S::Model, {"-a", "--alias"}).value(K::String, "NAME").env({"LLAMA_ARG_ALIAS"})
            .help("model name reported in API responses").def("the model file name")
            .bind(text(at(&ServerOptions::alias))));
    add(Opt(S::Model, {"--chat-template"}).value(K::String, "TEMPLATE").env({"LLAMA_ARG_CHAT_TEMPLATE"})
            .help("chat template to format conversations with: a built-in name (chatml, llama2, llama3, mistral, "
                  "mistral-tools, gemma, phi3, zephyr, deepseek, qwen, qwen3, hermes) or the Jinja template text "
                  "itself (not a file name: see --chat-template-file)")
            .def("the template in the model's metadata, else chatml").bind(chat_template_binding()));
    add(Opt(S::Model, {"--jinja"}).negative({"--no-jinja"}).env({"LLAMA_ARG_JINJA"})
            .help("render chat templates with cria's Jinja engine; --no-jinja renders chats with libllama's "
                  "built-in formats instead, as llama-server does (the format --chat-template names, else the "
                  "one detected from the model's template, else chatml; no tools)")
            .def("on").bind(boolean(at(&ServerOptions::jinja))));
    add(Opt(S::Model, {"--lora"}).value(K::List, "FNAME").repeatable()
            .help("apply a LoRA adapter at scale 1; give it several times, or comma-separated, for several "
                  "adapters (ids 0, 1, ... in the order given, with --lora-scaled). Scales can be changed at run "
                  "time with POST /lora-adapters and per request with the 'lora' field. Adapters are applied at run "
                  "time, so unlike old llama.cpp this does not imply --no-mmap")
            .def("none").bind(lora_binding()));
    add(Opt(S::Model, {"--lora-scaled"}).value(K::String, "FNAME").second_value("SCALE", has_scale_suffix).repeatable()
            .help("apply a LoRA adapter at the given scale; llama-server's FNAME:SCALE[,FNAME:SCALE...] form is "
                  "accepted too")
            .def("none").bind(lora_scaled_binding()));
    add(Opt(S::Model, {"--lora-base"}).value(K::String, "FNAME")
            .help("accepted for compatibility and ignored: it named an unquantized model to apply a LoRA to when "
                  "adapters were merged into quantized weights; libllama now applies adapters at run time on top "
                  "of the loaded model's weights, so no separate base model is read")
            .def("none").bind(text(at(&ServerOptions::lora_base))));
    add(Opt(S::Model, {"--override-kv"}).value(K::String, "KEY=TYPE:VALUE,...")
            .help("override model metadata read at load; types int, float, bool, str; repeatable or "
                  "comma-separated, e.g. tokenizer.ggml.add_bos_token=bool:false")
            .def("none").bind(override_kv_binding()));
    add(Opt(S::Model, {"--check-tensors"})
            .help("check the model's tensor data for invalid values while loading")
            .bind(boolean(at_engine(&EngineConfig::check_tensors))));
    add(Opt(S::Model, {"-mm", "--mmproj"}).value(K::String, "FILE").env({"LLAMA_ARG_MMPROJ"})
            .help("multimodal projector file (the model's vision encoder): prompts may then hold images; with "
                  "--mmproj-url, where the download is kept; with --hf-repo it may be left out (--mmproj-auto)")
            .def("none").bind(text(at_engine(&EngineConfig::mmproj_path))));
    add(Opt(S::Model, {"--mmproj-offload"}).negative({"--no-mmproj-offload"}).env({"LLAMA_ARG_MMPROJ_OFFLOAD"})
            .help("run the multimodal projector on the GPU, where there is one; --no-mmproj-offload keeps it "
                  "on the CPU")
            .def("on").bind(boolean(at_engine(&EngineConfig::mmproj_offload))));
    add(Opt(S::Model, {"--chat-template-file"}).value(K::String, "FNAME").env({"LLAMA_ARG_CHAT_TEMPLATE_FILE"})
            .help("read the Jinja chat template from a file").def("none").bind(chat_template_file_binding()));

    // ---- context and batching ----
    add(Opt(S::ContextBatching, {"-c", "--ctx-size"}).value(K::Int, "N").env({"LLAMA_ARG_CTX_SIZE"})
            .help("total context size in tokens, shared by all slots; 0 = the model's training context")
            .bind(ctx_size_binding()));
    add(Opt(S::ContextBatching, {"-b", "--batch-size"}).value(K::Int, "N").env({"LLAMA_ARG_BATCH"})
            .help("logical batch size: the most tokens given to the model in one decode call")
            .bind(int_in(at_engine(&EngineConfig::n_batch), 1)));
    add(Opt(S::ContextBatching, {"-ub", "--ubatch-size"}).value(K::Int, "N").env({"LLAMA_ARG_UBATCH"})
            .help("physical batch size; lowered to --batch-size when larger")
            .bind(int_in(at_engine(&EngineConfig::n_ubatch), 1)));
    add(Opt(S::ContextBatching, {"-np", "--parallel"}).value(K::Int, "N").env({"LLAMA_ARG_N_PARALLEL"})
            .help("number of slots, i.e. requests processed at the same time")
            .bind(int_in(at_engine(&EngineConfig::n_parallel), 1)));
    add(Opt(S::ContextBatching, {"-cb", "--cont-batching"}).negative({"-nocb", "--no-cont-batching"})
            .env({"LLAMA_ARG_CONT_BATCHING"})
            .help("continuous batching: new requests join the running batch instead of waiting for it")
            .bind(boolean(at_engine(&EngineConfig::cont_batching))));
    add(Opt(S::ContextBatching, {"--max-queued-requests"}).value(K::Int, "N")
            .help("the most generation tasks (one per prompt and choice) waiting for a slot; a request "
                  "that finds no room is answered 503 with Retry-After")
            .bind(int_in(at_engine(&EngineConfig::max_queued_requests), 1)));
    add(Opt(S::ContextBatching, {"-kvu", "--kv-unified"}).negative({"-no-kvu", "--no-kv-unified"})
            .env({"LLAMA_ARG_KV_UNIFIED"})
            .help("one KV cache buffer shared by all slots instead of one per slot (off by default: each "
                  "slot then attends only to its own cells, faster and independent of other requests)")
            .bind(boolean(at_engine(&EngineConfig::kv_unified))));
    add(Opt(S::ContextBatching, {"-n", "--n-predict", "--predict"}).value(K::Int, "N").env({"LLAMA_ARG_N_PREDICT"})
            .help("server-wide cap on the tokens generated for one request").def("-1 = no cap")
            .bind(int_or_auto(at_defaults(&CompletionDefaults::n_predict_cap), 0)));
    add(Opt(S::ContextBatching, {"-fa", "--flash-attn"}).choices({"on", "off", "auto"}).implicit_value("on")
            .env({"LLAMA_ARG_FLASH_ATTN"})
            .help("Flash Attention: on, off, or auto (on where a GPU runs the model; off on CPU, where "
                  "its kernel makes results depend on what else is batched)")
            .bind(flash_attn_binding()));

    add(Opt(S::ContextBatching, {"-gan", "--grp-attn-n"}).value(K::Int, "N")
            .help("self-extend group attention factor: beyond the last --grp-attn-w tokens, every N tokens share "
                  "one position, so a slot can run past the model's training context; 1 = off. Needs one KV "
                  "stream per slot (no --kv-unified); the context then does not shift when full")
            .bind(int_in(at_engine(&EngineConfig::grp_attn_n), 1)));
    add(Opt(S::ContextBatching, {"-gaw", "--grp-attn-w"}).value(K::Int, "N")
            .help("self-extend group attention width: the recent tokens kept at their own positions; a multiple "
                  "of --grp-attn-n")
            .bind(int_in(at_engine(&EngineConfig::grp_attn_w), 1)));

    // ---- threads ----
    add(Opt(S::Threads, {"-t", "--threads"}).value(K::Int, "N").env({"LLAMA_ARG_THREADS"})
            .help("CPU threads used while generating").def("-1 = the number of CPU cores")
            .bind(int_or_auto(at_engine(&EngineConfig::n_threads), 1)));
    add(Opt(S::Threads, {"-tb", "--threads-batch"}).value(K::Int, "N")
            .help("CPU threads used while processing prompts and batches").def("-1 = same as --threads")
            .bind(int_or_auto(at_engine(&EngineConfig::n_threads_batch), 1)));
    add(Opt(S::Threads, {"--threads-http"}).value(K::Int, "N").env({"LLAMA_ARG_THREADS_HTTP"})
            .help("threads of the HTTP server").def("-1 = enough for every slot plus waiting clients")
            .bind(int_or_auto(at_http(&HttpConfig::n_threads), 1)));

    // ---- context: RoPE and YaRN (passed to libllama; the model's own values by default) ----
    add(Opt(S::ContextBatching, {"--rope-scaling"}).choices({"none", "linear", "yarn"}).env({"LLAMA_ARG_ROPE_SCALING_TYPE"})
            .help("RoPE frequency scaling method").def("the model's")
            .bind(choice(at_tuning(&ContextTuning::rope_scaling), {"none", "linear", "yarn"})));
    add(Opt(S::ContextBatching, {"--rope-scale"}).value(K::Float, "N").env({"LLAMA_ARG_ROPE_SCALE"})
            .help("RoPE context scaling factor: expands the context by N (sets --rope-freq-scale to 1/N)")
            .def("the model's").bind(rope_scale_binding()));
    add(Opt(S::ContextBatching, {"--rope-freq-base"}).value(K::Float, "N").env({"LLAMA_ARG_ROPE_FREQ_BASE"})
            .help("RoPE base frequency (NTK-aware scaling); 0 = the model's")
            .bind(float_in(at_tuning(&ContextTuning::rope_freq_base), 0.0)));
    add(Opt(S::ContextBatching, {"--rope-freq-scale"}).value(K::Float, "N").env({"LLAMA_ARG_ROPE_FREQ_SCALE"})
            .help("RoPE frequency scaling factor: expands the context by 1/N; 0 = the model's")
            .bind(float_in(at_tuning(&ContextTuning::rope_freq_scale), 0.0)));
    add(Opt(S::ContextBatching, {"--yarn-orig-ctx"}).value(K::Int, "N").env({"LLAMA_ARG_YARN_ORIG_CTX"})
            .help("YaRN: the model's original context size; 0 = its training context")
            .bind(int_in(at_tuning(&ContextTuning::yarn_orig_ctx), 0)));
    add(Opt(S::ContextBatching, {"--yarn-ext-factor"}).value(K::Float, "N").env({"LLAMA_ARG_YARN_EXT_FACTOR"})
            .help("YaRN: extrapolation mix factor, 0.0 = full interpolation; -1 = the model's")
            .bind(float_in(at_tuning(&ContextTuning::yarn_ext_factor), -1.0, 1000.0)));
    add(Opt(S::ContextBatching, {"--yarn-attn-factor"}).value(K::Float, "N").env({"LLAMA_ARG_YARN_ATTN_FACTOR"})
            .help("YaRN: attention magnitude scale; -1 = the model's")
            .bind(float_in(at_tuning(&ContextTuning::yarn_attn_factor), -1.0, 1000.0)));
    add(Opt(S::ContextBatching, {"--yarn-beta-slow"}).value(K::Float, "N").env({"LLAMA_ARG_YARN_BETA_SLOW"})
            .help("YaRN: high correction dimension (alpha); -1 = the model's")
            .bind(float_in(at_tuning(&ContextTuning::yarn_beta_slow), -1.0, 1000.0)));
    add(Opt(S::ContextBatching, {"--yarn-beta-fast"}).value(K::Float, "N").env({"LLAMA_ARG_YARN_BETA_FAST"})
            .help("YaRN: low correction dimension (beta); -1 = the model's")
            .bind(float_in(at_tuning(&ContextTuning::yarn_beta_fast), -1.0, 1000.0)));

    // ---- KV cache ----
    add(Opt(S::ContextBatching, {"-ctk", "--cache-type-k"}).choices(kCacheTypes).env({"LLAMA_ARG_CACHE_TYPE_K"})
            .help("data type of the K cache").bind(choice(at_tuning(&ContextTuning::cache_type_k), kCacheTypes)));
    add(Opt(S::ContextBatching, {"-ctv", "--cache-type-v"}).choices(kCacheTypes).env({"LLAMA_ARG_CACHE_TYPE_V"})
            .help("data type of the V cache (a quantized V cache needs flash attention)")
            .bind(choice(at_tuning(&ContextTuning::cache_type_v), kCacheTypes)));
    add(Opt(S::ContextBatching, {"-dt", "--defrag-thold"}).value(K::Float, "N").env({"LLAMA_ARG_DEFRAG_THOLD"})
            .help("KV cache defragmentation threshold (deprecated in libllama, which defragments by itself); "
                  "< 0 = off")
            .bind(float_in(at_tuning(&ContextTuning::defrag_thold), -1.0, 1.0)));
    add(Opt(S::ContextBatching, {"-kvo", "--kv-offload"}).negative({"-nkvo", "--no-kv-offload"})
            .env({"LLAMA_ARG_KV_OFFLOAD"}).help("keep the KV cache (and attention) on the GPU with offloaded layers")
            .def("enabled").bind(boolean(at_tuning(&ContextTuning::kv_offload))));
    add(Opt(S::ContextBatching, {"--swa-full"}).env({"LLAMA_ARG_SWA_FULL"})
            .help("full-size cache for sliding-window-attention layers (more memory; lets any prefix be reused)")
            .bind(boolean(at_tuning(&ContextTuning::swa_full))));
    add(Opt(S::ContextBatching, {"--context-shift"}).negative({"--no-context-shift"}).env({"LLAMA_ARG_CONTEXT_SHIFT"})
            .help("when generation fills a slot's context, drop half of it (after n_keep) and go on; "
                  "--no-context-shift stops the request there instead")
            .def("enabled").bind(boolean(at_engine(&EngineConfig::context_shift))));
    add(Opt(S::ContextBatching, {"--keep"}).value(K::Int, "N")
            .help("prompt tokens kept when the context shifts, for requests that give no n_keep; -1 = all")
            .def("0").bind(int_in(at_defaults(&CompletionDefaults::n_keep), -1)));
    add(Opt(S::ContextBatching, {"--cache-prompt"}).negative({"--no-cache-prompt"}).env({"LLAMA_ARG_CACHE_PROMPT"})
            .help("reuse a slot's cached prompt prefix, for requests that give no cache_prompt").def("enabled")
            .bind(boolean(at_defaults(&CompletionDefaults::cache_prompt))));
    add(Opt(S::ContextBatching, {"--warmup"}).negative({"--no-warmup"})
            .help("run one empty decode at start-up, so the first request does not pay for it").def("enabled")
            .bind(boolean(at_engine(&EngineConfig::warmup))));

    // ---- devices and memory ----
    add(Opt(S::DevicesMemory, {"-ngl", "--n-gpu-layers", "--gpu-layers"}).value(K::Int, "N")
            .env({"LLAMA_ARG_N_GPU_LAYERS"})
            .help("model layers to keep in GPU memory: a number, 'auto' or 'all'. Without a GPU it is accepted "
                  "and nothing is offloaded; the start-up log and /props (runtime) say what was")
            .def("-1 = auto")
            .bind(gpu_layers_binding(at_engine(&EngineConfig::n_gpu_layers))));
    add(Opt(S::DevicesMemory, {"-mg", "--main-gpu"}).value(K::Int, "INDEX").env({"LLAMA_ARG_MAIN_GPU"})
            .help("the GPU used for small tensors and intermediate results when several GPUs are used")
            .bind(int_in(at_engine(&EngineConfig::main_gpu), 0)));
    add(Opt(S::DevicesMemory, {"-ts", "--tensor-split"}).value(K::List, "N0,N1,...").env({"LLAMA_ARG_TENSOR_SPLIT"})
            .help("share of the model given to each GPU, as comma-separated non-negative proportions, "
                  "e.g. 3,2 puts 60% on GPU 0 and 40% on GPU 1")
            .def("in proportion to free memory").bind(tensor_split_binding()));
    add(Opt(S::DevicesMemory, {"-sm", "--split-mode"}).choices({"none", "layer", "row", "tensor"})
            .env({"LLAMA_ARG_SPLIT_MODE"})
            .help("how to split the model across several GPUs: none (one GPU, --main-gpu), layer (layers and KV "
                  "cache spread over the GPUs), row (weights split by rows) or tensor (weights and KV cache split, "
                  "experimental in libllama)")
            .bind(choice(at_engine(&EngineConfig::split_mode), {"none", "layer", "row", "tensor"})));
    add(Opt(S::DevicesMemory, {"--numa"}).choices({"distribute", "isolate", "numactl"}).implicit_value("distribute")
            .env({"LLAMA_ARG_NUMA"})
            .help("NUMA optimizations: distribute (spread threads evenly over all nodes), isolate (only the CPUs "
                  "of the node cria started on) or numactl (the CPU map numactl gives); --numa alone = distribute")
            .def("off").bind(choice(at_engine(&EngineConfig::numa), {"distribute", "isolate", "numactl"})));
    add(Opt(S::DevicesMemory, {"--mlock"}).env({"LLAMA_ARG_MLOCK"})
            .help("lock the model in RAM so the system cannot swap it out").bind(boolean(at_engine(&EngineConfig::mlock))));
    add(Opt(S::DevicesMemory, {"--mmap"}).negative({"--no-mmap"}).env({"LLAMA_ARG_MMAP"})
            .negated_env("LLAMA_ARG_NO_MMAP")
            .help("memory-map the model file; --no-mmap reads it into memory instead (slower to load)")
            .bind(boolean(at_engine(&EngineConfig::mmap))));

    // ---- HTTP ----
    add(Opt(S::Http, {"--host"}).value(K::String, "HOST").env({"LLAMA_ARG_HOST"})
            .help("address to listen on").bind(nonempty_text(at_http(&HttpConfig::host))));
    add(Opt(S::Http, {"--port"}).value(K::Int, "PORT").env({"LLAMA_ARG_PORT"})
            .help("TCP port to listen on (1 to 65535)").bind(int_in(at_http(&HttpConfig::port), 1, 65535)));
    add(Opt(S::Http, {"--path"}).value(K::String, "PATH").env({"LLAMA_ARG_STATIC_PATH"})
            .help("serve the static files of this directory (its index.html at /) instead of the built-in "
                  "web UI; /completion.js is cria's own unless the directory has one")
            .def("none, the built-in UI").bind(text(at_http(&HttpConfig::static_path))));
    add(Opt(S::Http, {"--webui", "--ui"}).negative({"--no-webui", "--no-ui"}).env({"LLAMA_ARG_WEBUI", "LLAMA_ARG_UI"})
            .help("the built-in web UI at / (and /completion.js); --no-webui turns it off")
            .bind(boolean(at_http(&HttpConfig::webui))));
    add(Opt(S::Http, {"--api-prefix"}).value(K::String, "PREFIX").env({"LLAMA_ARG_API_PREFIX"})
            .help("serve every route (the API, /health, /metrics, the web UI) under this path, e.g. /llm: "
                  "/llm/completion, /llm/ for the UI; starts with /, no trailing /")
            .def("none").bind(api_prefix_binding()));
    add(Opt(S::Http, {"-to", "--timeout"}).value(K::Int, "N").env({"LLAMA_ARG_TIMEOUT"})
            .help("HTTP read and write timeout in seconds").bind(int_in(at_http(&HttpConfig::timeout_s), 1)));
    add(Opt(S::Http, {"--http-idle-timeout"}).value(K::Int, "N")
            .help("seconds a connection may stay open without sending a request (before its first one and "
                  "between keep-alive requests) before the server closes it")
            .bind(int_in(at_http(&HttpConfig::idle_timeout_s), 1, 3600)));
    add(Opt(S::Http, {"--max-json-depth"}).value(K::Int, "N")
            .help("deepest nesting of arrays and objects a request body may have (deeper: 400), 1 to 1000")
            .bind(int_in(at_http(&HttpConfig::max_json_depth), 1, 1000)));
    add(Opt(S::Http, {"--api-key"}).value(K::List, "KEY").env({"LLAMA_API_KEY"}).repeatable()
            .help("API key clients must send as 'Authorization: Bearer KEY'; give it several times, or "
                  "comma-separated, to accept several keys")
            .def("none, no authentication").bind(api_key_binding()));
    add(Opt(S::Http, {"--api-key-file"}).value(K::String, "FNAME").env({"LLAMA_ARG_API_KEY_FILE"})
            .help("file of API keys, one per line; blank lines and lines starting with # are skipped; "
                  "adds to --api-key")
            .def("none").bind(api_key_file_binding()));
    add(Opt(S::Http, {"--ssl-key-file"}).value(K::String, "FNAME").env({"LLAMA_ARG_SSL_KEY_FILE"})
            .help("PEM-encoded private key: serve HTTPS (with --ssl-cert-file)").def("none, plain HTTP")
            .bind(nonempty_text(at_http(&HttpConfig::ssl_key_file))));
    add(Opt(S::Http, {"--ssl-cert-file"}).value(K::String, "FNAME").env({"LLAMA_ARG_SSL_CERT_FILE"})
            .help("PEM-encoded certificate (chain): serve HTTPS (with --ssl-key-file)").def("none, plain HTTP")
            .bind(nonempty_text(at_http(&HttpConfig::ssl_cert_file))));
    add(Opt(S::Http, {"--cors-origins"}).value(K::List, "ORIGINS").env({"LLAMA_ARG_CORS_ORIGINS"})
            .help("comma-separated origins whose web pages may call the API (e.g. https://app.example); "
                  "* = any; localhost = pages served from this machine only (any port)")
            .def("*").bind(cors_origins_binding()));
    add(Opt(S::Http, {"--cors-methods"}).value(K::String, "METHODS").env({"LLAMA_ARG_CORS_METHODS"})
            .help("comma-separated methods allowed for cross-origin calls").def("GET, POST, OPTIONS")
            .bind(nonempty_text(at_cors(&CorsPolicy::methods))));
    add(Opt(S::Http, {"--cors-headers"}).value(K::String, "HEADERS").env({"LLAMA_ARG_CORS_HEADERS"})
            .help("comma-separated request headers allowed for cross-origin calls; * = whatever the browser asks for")
            .def("*").bind(nonempty_text(at_cors(&CorsPolicy::headers))));
    add(Opt(S::Http, {"--cors-credentials"}).negative({"--no-cors-credentials"}).env({"LLAMA_ARG_CORS_CREDENTIALS"})
            .help("let cross-origin calls carry credentials (the caller's origin is echoed back)").def("enabled")
            .bind(boolean(at_cors(&CorsPolicy::credentials))));

    // ---- endpoints ----
    add(Opt(S::Endpoints, {"--embedding", "--embeddings"}).env({"LLAMA_ARG_EMBEDDINGS"})
            .help("embedding mode: serve /embedding and /v1/embeddings (and no text generation)")
            .bind(boolean(at_engine(&EngineConfig::embedding))));
    add(Opt(S::Endpoints, {"--pooling"}).choices({"none", "mean", "cls", "last", "rank"}).env({"LLAMA_ARG_POOLING"})
            .help("how token embeddings become one vector per input (rank: a reranking model's scores, see --rerank)")
            .def("the model's")
            .bind(choice(at_engine(&EngineConfig::pooling), {"none", "mean", "cls", "last", "rank"})));
    add(Opt(S::Endpoints, {"--rerank", "--reranking"}).env({"LLAMA_ARG_RERANKING"})
            .help("reranking mode: serve /rerank and /v1/rerank with a reranking model (--embedding --pooling rank)")
            .bind(rerank_mode()));
    add(Opt(S::Endpoints, {"--slots"}).negative({"--no-slots", "--slots-endpoint-disable"})
            .env({"LLAMA_ARG_ENDPOINT_SLOTS"})
            .help("the /slots monitoring endpoint (slot state may include users' prompts)")
            .bind(boolean(at_http(&HttpConfig::slots_endpoint))));
    add(Opt(S::Endpoints, {"--slot-save-path"}).value(K::String, "PATH").env({"LLAMA_ARG_SLOT_SAVE_PATH"})
            .help("directory where POST /slots/{id}?action=save|restore keeps slots' KV caches (an existing "
                  "directory; file names are plain names inside it)")
            .def("none, slot actions off").bind(nonempty_text(at_http(&HttpConfig::slot_save_path))));
    add(Opt(S::Endpoints, {"--metrics"}).env({"LLAMA_ARG_ENDPOINT_METRICS"})
            .help("the Prometheus-compatible /metrics endpoint").bind(boolean(at_http(&HttpConfig::metrics))));
    add(Opt(S::Endpoints, {"--props"}).env({"LLAMA_ARG_ENDPOINT_PROPS"})
            .help("let POST /props change the server-wide default generation settings")
            .bind(boolean(at_http(&HttpConfig::props_endpoint))));
    add(Opt(S::Endpoints, {"--responses-store"}).value(K::Int, "N")
            .help("most /v1/responses answers kept in memory for previous_response_id and GET /v1/responses/{id} "
                  "(only requests with \"store\": true are kept; least recently used go first; 0 = keep none)")
            .bind(int_in(at_http(&HttpConfig::responses_store), 0, 1000000)));
    add(Opt(S::Endpoints, {"--responses-store-size"}).value(K::Int, "N")
            .help("most bytes the stored /v1/responses answers take, conversations included (as JSON)")
            .bind(int_in(at_http(&HttpConfig::responses_store_size), 1024)));

    // ---- request budgets (api/request_limits.h): checked when a request is parsed; over -> 400 ----
    const auto limit = [](int32_t RequestLimits::*member) {
        return int_in(at(&ServerOptions::defaults, &CompletionDefaults::limits, member), 0);
    };
    add(Opt(S::Endpoints, {"--max-request-tasks"}).value(K::Int, "N")
            .help("most completions one request may ask for: prompts x n on /v1/completions, n on chat")
            .bind(limit(&RequestLimits::max_tasks)));
    add(Opt(S::Endpoints, {"--max-stop-strings"}).value(K::Int, "N")
            .help("most entries in a request's `stop`").bind(limit(&RequestLimits::max_stop_strings)));
    add(Opt(S::Endpoints, {"--max-stop-length"}).value(K::Int, "N")
            .help("longest stop string, in bytes").bind(limit(&RequestLimits::max_stop_length)));
    add(Opt(S::Endpoints, {"--max-logit-bias"}).value(K::Int, "N")
            .help("most entries in a request's `logit_bias`").bind(limit(&RequestLimits::max_logit_bias)));
    add(Opt(S::Endpoints, {"--max-samplers"}).value(K::Int, "N")
            .help("most entries in a request's `samplers`").bind(limit(&RequestLimits::max_samplers)));
    add(Opt(S::Endpoints, {"--max-n-probs"}).value(K::Int, "N")
            .help("largest `n_probs` a request may ask for").bind(limit(&RequestLimits::max_n_probs)));
    add(Opt(S::Endpoints, {"--max-grammar-size"}).value(K::Int, "N")
            .help("largest `grammar`, `json_schema` (as JSON text) and grammar made from a schema, in bytes")
            .bind(limit(&RequestLimits::max_grammar_bytes)));
    add(Opt(S::Endpoints, {"--max-image-size"}).value(K::Int, "N")
            .help("largest image in a request, in bytes (decoded)").bind(limit(&RequestLimits::max_image_bytes)));
    add(Opt(S::Endpoints, {"--max-image-pixels"}).value(K::Int, "N")
            .help("largest image in a request, in pixels (width x height, as its header declares)")
            .bind(limit(&RequestLimits::max_image_pixels)));
    add(Opt(S::Endpoints, {"--max-images"}).value(K::Int, "N")
            .help("most images in one request").bind(limit(&RequestLimits::max_images)));
    // At most the body limit (http/http_server.h, 32 MiB): a data URL never decodes to more.
    add(Opt(S::Endpoints, {"--max-video-size"}).value(K::Int, "N")
            .help("largest video in a request, in bytes (decoded; at most 33554432, the request body limit)")
            .bind(int_in(at(&ServerOptions::defaults, &CompletionDefaults::limits, &RequestLimits::max_video_bytes), 0,
                         32 * 1024 * 1024)));
    add(Opt(S::Endpoints, {"--max-videos"}).value(K::Int, "N")
            .help("most videos in one request (apart from --max-images)").bind(limit(&RequestLimits::max_videos)));
    add(Opt(S::Endpoints, {"--max-video-frames"}).value(K::Int, "N")
            .help("most frames a request's videos may have together at --video-fps; each frame is also held to "
                  "--max-image-pixels")
            .bind(limit(&RequestLimits::max_video_frames)));
    add(Opt(S::Endpoints, {"--max-tokenize-size"}).value(K::Int, "N")
            .help("largest /tokenize `content`, in bytes").bind(limit(&RequestLimits::max_tokenize_bytes)));
    add(Opt(S::Endpoints, {"--max-detokenize-tokens"}).value(K::Int, "N")
            .help("most token ids in a /detokenize request").bind(limit(&RequestLimits::max_detokenize_tokens)));
    add(Opt(S::Endpoints, {"--max-embedding-inputs"}).value(K::Int, "N")
            .help("most inputs in one /v1/embeddings request").bind(limit(&RequestLimits::max_embedding_inputs)));
    add(Opt(S::Endpoints, {"--max-input-items"}).value(K::Int, "N")
            .help("most items in a /v1/responses `input` (messages, function calls and their outputs); "
                  "most messages of a chat (/v1/chat/completions, Ollama /api/chat, and the conversation a "
                  "request continues)")
            .bind(limit(&RequestLimits::max_input_items)));
    add(Opt(S::Endpoints, {"--max-content-parts"}).value(K::Int, "N")
            .help("most content parts in one message of a /v1/responses `input` or a chat")
            .bind(limit(&RequestLimits::max_content_parts)));
    add(Opt(S::Endpoints, {"--max-tools"}).value(K::Int, "N")
            .help("most entries in a chat's, /v1/responses' or Ollama /api/chat's `tools`, and tool calls in one "
                  "message")
            .bind(limit(&RequestLimits::max_tools)));

    // ---- sampling defaults ----
    add(Opt(S::Sampling, {"-s", "--seed"}).value(K::Int, "SEED")
            .help("random seed").def("-1 = a random seed for each request").bind(seed_binding()));
    add(Opt(S::Sampling, {"--temp", "--temperature"}).value(K::Float, "N").env({"LLAMA_ARG_TEMPERATURE"})
            .help("temperature; 0 = always the most likely token").bind(float_in(at_sampling(&SamplingParams::temperature), 0.0)));
    add(Opt(S::Sampling, {"--top-k"}).value(K::Int, "N").env({"LLAMA_ARG_TOP_K"})
            .help("keep only the K most likely tokens; 0 = off").bind(int_in(at_sampling(&SamplingParams::top_k), 0)));
    add(Opt(S::Sampling, {"--top-p"}).value(K::Float, "N").env({"LLAMA_ARG_TOP_P"})
            .help("nucleus sampling, between 0 and 1; 1 = off").bind(float_in(at_sampling(&SamplingParams::top_p), 0.0, 1.0)));
    add(Opt(S::Sampling, {"--min-p"}).value(K::Float, "N").env({"LLAMA_ARG_MIN_P"})
            .help("min-p sampling, between 0 and 1; 0 = off").bind(float_in(at_sampling(&SamplingParams::min_p), 0.0, 1.0)));
    add(Opt(S::Sampling, {"--repeat-penalty"}).value(K::Float, "N").env({"LLAMA_ARG_REPEAT_PENALTY"})
            .help("penalty for repeating recent tokens; 1 = off")
            .bind(float_in(at_sampling(&SamplingParams::repeat_penalty), 0.0)));
    add(Opt(S::Sampling, {"--repeat-last-n"}).value(K::Int, "N")
            .help("how many recent tokens the repeat penalty looks at; 0 = off, -1 = the whole context")
            .bind(int_in(at_sampling(&SamplingParams::repeat_last_n), -1)));

    add(Opt(S::Sampling, {"--presence-penalty"}).value(K::Float, "N").env({"LLAMA_ARG_PRESENCE_PENALTY"})
            .help("subtracted once from every token already in the window; 0 = off")
            .bind(float_in(at_sampling(&SamplingParams::presence_penalty), -100.0, 100.0)));
    add(Opt(S::Sampling, {"--frequency-penalty"}).value(K::Float, "N").env({"LLAMA_ARG_FREQUENCY_PENALTY"})
            .help("subtracted per occurrence in the window; 0 = off")
            .bind(float_in(at_sampling(&SamplingParams::frequency_penalty), -100.0, 100.0)));
    add(Opt(S::Sampling, {"--typical", "--typical-p"}).value(K::Float, "N")
            .help("locally typical sampling, between 0 and 1; 1 = off").bind(float_in(at_sampling(&SamplingParams::typical_p), 0.0, 1.0)));
    add(Opt(S::Sampling, {"--dynatemp-range"}).value(K::Float, "N")
            .help("dynamic temperature: the temperature varies by up to N with the entropy; 0 = off")
            .bind(float_in(at_sampling(&SamplingParams::dynatemp_range), 0.0, 1000.0)));
    add(Opt(S::Sampling, {"--dynatemp-exp"}).value(K::Float, "N")
            .help("dynamic temperature exponent").bind(float_in(at_sampling(&SamplingParams::dynatemp_exponent), 0.0, 1000.0)));
    add(Opt(S::Sampling, {"--mirostat"}).value(K::Int, "N")
            .help("Mirostat: 0 = off, 1 = Mirostat, 2 = Mirostat 2.0 (replaces the truncating samplers)")
            .bind(int_in(at_sampling(&SamplingParams::mirostat), 0, 2)));
    add(Opt(S::Sampling, {"--mirostat-ent"}).value(K::Float, "N")
            .help("Mirostat target surprise (tau)").bind(float_in(at_sampling(&SamplingParams::mirostat_tau), 0.0, 1000.0)));
    add(Opt(S::Sampling, {"--mirostat-lr"}).value(K::Float, "N")
            .help("Mirostat learning rate (eta)").bind(float_in(at_sampling(&SamplingParams::mirostat_eta), 0.0, 1000.0)));
    add(Opt(S::Sampling, {"--xtc-probability"}).value(K::Float, "N")
            .help("XTC: chance of removing the most likely tokens; 0 = off")
            .bind(float_in(at_sampling(&SamplingParams::xtc_probability), 0.0, 1.0)));
    add(Opt(S::Sampling, {"--xtc-threshold"}).value(K::Float, "N")
            .help("XTC: probability above which tokens may be removed").bind(float_in(at_sampling(&SamplingParams::xtc_threshold), 0.0, 1.0)));
    add(Opt(S::Sampling, {"--top-nsigma", "--top-n-sigma"}).value(K::Float, "N")
            .help("keep tokens within N standard deviations of the top logit; <= 0 = off")
            .bind(float_in(at_sampling(&SamplingParams::top_n_sigma), -1.0, 1000.0)));
    add(Opt(S::Sampling, {"--dry-multiplier"}).value(K::Float, "N")
            .help("DRY repetition penalty strength; 0 = off").bind(float_in(at_sampling(&SamplingParams::dry_multiplier), 0.0, 1000.0)));
    add(Opt(S::Sampling, {"--dry-base"}).value(K::Float, "N")
            .help("DRY penalty base").bind(float_in(at_sampling(&SamplingParams::dry_base), 1.0, 1000.0)));
    add(Opt(S::Sampling, {"--dry-allowed-length"}).value(K::Int, "N")
            .help("DRY: repeats up to this length are free").bind(int_in(at_sampling(&SamplingParams::dry_allowed_length), 0)));
    add(Opt(S::Sampling, {"--dry-penalty-last-n"}).value(K::Int, "N")
            .help("DRY: tokens looked back at; -1 = the whole context").bind(int_in(at_sampling(&SamplingParams::dry_penalty_last_n), -1)));
    add(Opt(S::Sampling, {"--samplers"}).value(K::String, "SAMPLERS")
            .help("the order of the sampling stages, separated by ';' (penalties, dry, top_n_sigma, top_k, tfs_z, "
                  "typical_p, top_p, min_p, xtc, temperature; adaptive_p, named anywhere, draws the token last)")
            .def("all of them but adaptive_p, in the order listed")
            .bind(samplers_binding()));
    add(Opt(S::Sampling, {"--sampling-seq", "--sampler-seq"}).value(K::String, "SEQUENCE")
            .help("the order of the sampling stages, one letter each: e penalties, d dry, s top_n_sigma, k top_k, "
                  "y typical_p, p top_p, m min_p, x xtc, t temperature, a adaptive_p (the same as --samplers)")
            .def("edskypmxt").bind(sampling_seq_binding()));
    add(Opt(S::Sampling, {"--ignore-eos"})
            .help("keep generating past the end-of-stream token (requests' default ignore_eos)")
            .bind(boolean(at_defaults(&CompletionDefaults::ignore_eos))));
    add(Opt(S::Sampling, {"-l", "--logit-bias"}).value(K::String, "TOKEN_ID(+/-)BIAS")
            .help("requests' default logit bias, e.g. 15043+1 or 15043-inf (never); repeatable. A request that "
                  "sets its own logit_bias replaces this whole list")
            .bind(logit_bias_binding()));
    add(Opt(S::Sampling, {"--grammar"}).value(K::String, "GRAMMAR")
            .help("requests' default GBNF grammar (a request's grammar, json_schema or response_format wins)")
            .def("none").bind(grammar_binding()));
    add(Opt(S::Sampling, {"--grammar-file"}).value(K::String, "FNAME")
            .help("read the default grammar from a file").bind(grammar_file_binding()));
    add(Opt(S::Sampling, {"-j", "--json-schema"}).value(K::String, "SCHEMA")
            .help("requests' default grammar from a JSON schema, e.g. '{\"type\": \"object\"}'")
            .bind(json_schema_binding()));
    add(Opt(S::Sampling, {"-jf", "--json-schema-file"}).value(K::String, "FILE")
            .help("read the default JSON schema from a file").bind(json_schema_file_binding()));

    // ---- logging ----
    // ---- speculative decoding ----
    add(Opt(S::Speculative, {"-md", "--model-draft", "--spec-draft-model"}).value(K::String, "FNAME")
            .env({"LLAMA_ARG_SPEC_DRAFT_MODEL", "LLAMA_ARG_MODEL_DRAFT"})
            .help("draft model for speculative decoding: a small model with the same vocabulary as -m that "
                  "guesses the next tokens, which the main model then checks in one batch")
            .def("none").bind(nonempty_text(at_draft(&SpeculativeConfig::draft_model_path))));
    add(Opt(S::Speculative, {"--spec-draft-hf", "-hfd", "-hfrd", "--hf-repo-draft"}).value(K::String, "<user>/<model>[:quant]")
            .env({"LLAMA_ARG_SPEC_DRAFT_HF_REPO"})
            .help("download the draft model from this Hugging Face repository, as --hf-repo does the model (same "
                  "endpoint, quant choice, --hf-token, --offline and cache; no projector); with --model-draft, "
                  "where the download is kept")
            .def("unused").bind(hf_repo_binding(at_draft(&SpeculativeConfig::draft_hf_repo))));
    add(Opt(S::Speculative, {"-ngld", "--gpu-layers-draft", "--n-gpu-layers-draft", "--spec-draft-ngl"})
            .value(K::Int, "N").env({"LLAMA_ARG_N_GPU_LAYERS_DRAFT"})
            .help("draft model layers to keep in GPU memory: a number, 'auto' or 'all'").def("-1 = auto")
            .bind(gpu_layers_binding(at_draft(&SpeculativeConfig::n_gpu_layers_draft))));
    add(Opt(S::Speculative, {"-cd", "--ctx-size-draft"}).value(K::Int, "N").env({"LLAMA_ARG_CTX_SIZE_DRAFT"})
            .help("context size of the draft model, shared by all slots; a slot whose context outgrows its "
                  "share is not drafted for").def("0 = same as --ctx-size")
            .bind(int_in(at_draft(&SpeculativeConfig::n_ctx_draft), 0)));
    add(Opt(S::Speculative, {"--draft-max", "--draft", "--draft-n", "--spec-draft-n-max"}).value(K::Int, "N")
            .env({"LLAMA_ARG_DRAFT_MAX", "LLAMA_ARG_SPEC_DRAFT_N_MAX"})
            .help("most tokens drafted per step, by the draft model or by n-gram lookup (a request's "
                  "speculative.n_max wins)")
            .bind(int_in(at_draft_limits(&SpeculativeParams::n_max), 0)));
    add(Opt(S::Speculative, {"--draft-min", "--draft-n-min", "--spec-draft-n-min"}).value(K::Int, "N")
            .env({"LLAMA_ARG_DRAFT_MIN", "LLAMA_ARG_SPEC_DRAFT_N_MIN"})
            .help("a shorter draft is not verified: that step decodes one token (a request's speculative.n_min wins)")
            .bind(int_in(at_draft_limits(&SpeculativeParams::n_min), 0)));
    add(Opt(S::Speculative, {"--draft-p-min", "--spec-draft-p-min"}).value(K::Float, "P")
            .env({"LLAMA_ARG_DRAFT_P_MIN", "LLAMA_ARG_SPEC_DRAFT_P_MIN"})
            .help("the draft model (or draft-mtp's NextN layers, or the EAGLE-3, DFlash or DSpark model) stops drafting "
                  "at a token it gives less probability than this (a request's speculative.p_min wins)")
            .bind(float_in(at_draft_limits(&SpeculativeParams::p_min), 0.0, 1.0)));
    add(Opt(S::Speculative, {"--spec-type"}).value(K::List, "TYPES").env({"LLAMA_ARG_SPEC_TYPE"})
            .help("comma-separated kinds of drafting, tried in order each step: draft-simple (the draft "
                  "model of -md); draft-mtp (the model's own multi-token-prediction layers, when its file has "
                  "them); draft-eagle3 (an EAGLE-3 draft model, -md, reading the model's hidden states); "
                  "draft-dflash (a DFlash block-diffusion draft model, -md, reading the model's hidden "
                  "states); draft-dspark (a DSpark draft model: DFlash with Markov and confidence heads); "
                  "without a draft model: ngram-simple (copy what followed the last n-gram's "
                  "previous occurrence in the slot's own context), ngram-map-k (the same from an index of the "
                  "context's n-grams), ngram-map-k4v (the clearly most frequent continuation of the last "
                  "n-gram), ngram-mod (chained lookups in a hash pool shared by all slots), ngram-cache (n-gram "
                  "statistics of the context and of the -lcd/-lcs lookup caches); or none")
            .def("draft-simple with -md, else none").bind(spec_type_binding()));

    add(Opt(S::Logging, {"-v", "--verbose", "--log-verbose"})
            .help("log everything, including debug messages").bind(boolean(at(&ServerOptions::verbose))));
    add(Opt(S::Logging, {"--log-format"}).choices({"text", "json"})
            .help("format of log lines").bind(choice(at(&ServerOptions::log_format), {"text", "json"})));
    add(Opt(S::Logging, {"--log-file"}).value(K::String, "FNAME").env({"LLAMA_ARG_LOG_FILE"})
            .help("write the log to this file (appended) instead of stderr").def("stderr")
            .bind(text(at(&ServerOptions::log_file))));
    add(Opt(S::Logging, {"-lv", "--verbosity", "--log-verbosity"}).value(K::Int, "N").env({"LLAMA_ARG_LOG_VERBOSITY"})
            .help("the least important messages logged: 0 = none, 1 = errors, 2 = warnings, 3 = info, 4 and "
                  "above = debug (with the prompts of requests)")
            .def("3").bind(int_in(at(&ServerOptions::log_verbosity), 0)));
    add(Opt(S::Logging, {"--log-disable"})
            .help("turn logging off").bind(boolean(at(&ServerOptions::log_disable))));

    // ---- the rest of llama-server's options (llama_server_options.cpp) ----
    add_llama_server_options(&t);
    return t;
}

}  // namespace

const std::string& OptionSpec::canonical_name() const {
    for (const auto& name : names) {
        if (name.rfind("--", 0) == 0) return name;
    }
    return names.front();
}

const std::vector<OptionSpec>& option_table() {
    static const std::vector<OptionSpec> table = build_table();
    return table;
}

const char* section_title(Section section) {
    switch (section) {
        case Section::General: return "general";
        case Section::Model: return "model";
        case Section::ContextBatching: return "context and batching";
        case Section::Threads: return "threads";
        case Section::DevicesMemory: return "devices and memory";
        case Section::Http: return "HTTP";
        case Section::Endpoints: return "endpoints";
        case Section::Sampling: return "sampling defaults (a request's own values win)";
        case Section::Speculative: return "speculative decoding (output is the same as without it)";
        case Section::Logging: return "logging";
        case Section::Compatibility:
            return "accepted for llama-server compatibility (a start-up notice says what each does here)";
    }
    return "";
}

}  // namespace cria::options
