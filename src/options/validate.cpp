#include "options/validate.h"

#include "agent/builtin_tools.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "options/ngram_options.h"

namespace cria {

namespace {

bool has_source(const SpeculativeConfig& config, DraftSource source) {
    return std::find(config.sources.begin(), config.sources.end(), source) != config.sources.end();
}

std::string check_model_source(const ServerOptions& o) {
    if (!names_a_model(o)) {
        if (!o.later.models_dir.empty() || !o.later.models_preset.empty()) return "";  // router mode: the directory or the preset names the models
        return "no model given: use -m FILE, -mu URL, -hf REPO or -dr REPO";
    }
    const int downloads = !o.download.model_url.empty() + !o.download.hf_repo.empty() + !o.download.docker_repo.empty();
    if (downloads > 1) {
        return "more than one of --model-url, --hf-repo and --docker-repo name a model to download: use one of them";
    }
    if (!o.download.hf_file.empty() && o.download.hf_repo.empty()) return "--hf-file needs --hf-repo (the repository it is in)";
    return "";
}

// A draft type needs a draft model and a draft model needs a type that uses it (it is implied when
// --spec-type is not given). Fills in that implied type.
std::string check_speculative(ServerOptions& o) {
    SpeculativeConfig& spec = o.engine.speculative;
    const bool has_draft_model = !spec.draft_model_path.empty() || !spec.draft_hf_repo.empty();  // -md or -hfd
    if (o.spec_type_none && has_draft_model) return "--spec-type none contradicts --model-draft: give one or the other";
    if (spec.sources.empty() && has_draft_model) spec.sources.push_back(DraftSource::draft_model);
    // The kinds that draft with the model of -md: a plain draft model, EAGLE-3, DFlash, DSpark.
    int draft_model_kinds = 0;
    for (const DraftSource kind : {DraftSource::draft_model, DraftSource::draft_eagle3, DraftSource::draft_dflash,
                                   DraftSource::draft_dspark}) {
        if (!has_source(spec, kind)) continue;
        ++draft_model_kinds;
        if (!has_draft_model) {
            return "--spec-type " + std::string(draft_source_name(kind)) +
                   " needs a draft model: give --model-draft FNAME or --hf-repo-draft REPO";
        }
    }
    if (draft_model_kinds > 1) {
        return "--spec-type lists more than one of draft-simple, draft-eagle3, draft-dflash and draft-dspark: each "
               "would read --model-draft; give one";
    }
    if (has_draft_model && draft_model_kinds == 0) {
        return "--model-draft is given but --spec-type lists no kind that uses it (draft-simple, draft-eagle3, "
               "draft-dflash, draft-dspark)";
    }
    if (spec.enabled() && o.engine.grp_attn_n > 1) {
        return "speculative decoding (--spec-type, --model-draft) cannot be combined with self-extend (--grp-attn-n)";
    }
    if (spec.enabled() && o.engine.embedding) {
        return "speculative decoding (--spec-type, --model-draft) generates text; it cannot be used with --embedding";
    }
    const SpeculativeParams& limits = o.defaults.speculative;
    if (limits.n_min > limits.n_max) {
        return "--draft-min (" + std::to_string(limits.n_min) + ") is above --draft-max (" +
               std::to_string(limits.n_max) + ")";
    }
    return options::check_synthetic_acceptance(o);
}

std::string check_self_extend(const EngineConfig& e) {
    if (e.grp_attn_n <= 1) return "";
    // Self-extend divides positions window by window: a window must hold whole groups.
    if (e.grp_attn_w % e.grp_attn_n != 0) {
        return "--grp-attn-w (" + std::to_string(e.grp_attn_w) + ") must be a multiple of --grp-attn-n (" +
               std::to_string(e.grp_attn_n) + ")";
    }
    // Moving one sequence's positions must not move another's: with a unified cache, prefix
    // sharing makes sequences share cells.
    if (e.kv_unified) return "--grp-attn-n (self-extend) needs one KV stream per slot: drop --kv-unified";
    if (e.embedding) return "--grp-attn-n (self-extend) is for text generation, not --embedding";
    return "";
}

// -e (on by default): \n, \r, \t, \', \", \\ in a -r string become the characters they name; any
// other backslash stays as it is.
std::string process_escapes(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        const char next = i + 1 < text.size() ? text[i + 1] : '\0';
        const char* replacement = nullptr;
        if (text[i] == '\\') {
            switch (next) {
                case 'n': replacement = "\n"; break;
                case 'r': replacement = "\r"; break;
                case 't': replacement = "\t"; break;
                case '\'': replacement = "'"; break;
                case '"': replacement = "\""; break;
                case '\\': replacement = "\\"; break;
                default: break;
            }
        }
        if (replacement != nullptr) {
            out += replacement;
            ++i;
        } else {
            out += text[i];
        }
    }
    return out;
}

// Options whose effect depends on others given in any order: -e on -r, --lora-init-without-apply
// on the adapters, -c and -np on --kv-unified-per-slot.
void apply_late_rules(ServerOptions& o) {
    if (o.escape) {
        for (auto& stop : o.defaults.stop) stop = process_escapes(stop);
    }
    if (o.lora_init_without_apply) {
        for (auto& adapter : o.engine.lora_adapters) adapter.scale = 0.0f;
    }
    // --kv-unified-per-slot N without -c: a pool of N tokens per slot, as llama-server sizes it.
    if (o.engine.n_ctx_slot_max > 0 && !o.ctx_size_given) {
        o.engine.n_ctx = static_cast<int32_t>(std::min<int64_t>(
            static_cast<int64_t>(o.engine.n_ctx_slot_max) * std::max(1, o.engine.n_parallel),
            std::numeric_limits<int32_t>::max()));
    }
}

// --agent and "all" become the tool list (the option table checked the names, the runtime and
// the MCP servers); the tools and MCP servers limit CORS to pages of this machine unless
// --cors-origins says otherwise.
void apply_agent_rules(ServerOptions& o) {
    AgentConfig& agent = o.agent;
    const bool all = agent.agent || std::find(agent.tools.begin(), agent.tools.end(), "all") != agent.tools.end();
    std::vector<std::string> names;
    for (const auto& tool : agent::builtin_tools()) {
        const bool named = std::find(agent.tools.begin(), agent.tools.end(), tool.name) != agent.tools.end();
        if (all || named) names.push_back(tool.name);
    }
    agent.tools = std::move(names);
    if (agent.agent) agent.mcp_proxy = true;
    if (agent.tools_route_on() && !o.cors_origins_given) o.http.cors.origins = {"localhost"};
}

}  // namespace

bool names_a_model(const ServerOptions& o) {
    return !o.engine.model_path.empty() || !o.download.model_url.empty() || !o.download.hf_repo.empty() ||
           !o.download.docker_repo.empty();
}

std::string validate(ServerOptions& o) {
    apply_late_rules(o);
    apply_agent_rules(o);
    if (std::string why = check_model_source(o); !why.empty()) return why;
    std::string& slot_dir = o.http.slot_save_path;
    while (slot_dir.size() > 1 && slot_dir.back() == '/') slot_dir.pop_back();
    if (o.http.ssl_key_file.empty() != o.http.ssl_cert_file.empty()) {
        return "HTTPS needs both --ssl-key-file and --ssl-cert-file";
    }
    // Like libllama, which never runs a physical batch larger than the logical one.
    if (o.engine.n_ubatch > o.engine.n_batch) o.engine.n_ubatch = o.engine.n_batch;
    if (std::string why = check_speculative(o); !why.empty()) return why;
    return check_self_extend(o.engine);
}

}  // namespace cria
