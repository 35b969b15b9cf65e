// parse_server_options() and server_options_help(): both walk the table of option_table.cpp.
#include "options/server_options.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "options/option_table.h"
#include "options/validate.h"
#include "util/value_parse.h"

namespace cria {

namespace {

using options::OptionSpec;
using options::Section;
using options::Special;
using options::ValueKind;

struct NameHit {
    const OptionSpec* spec = nullptr;
    bool negative = false;  // one of spec->negative_names
};

const std::unordered_map<std::string, NameHit>& name_index() {
    static const std::unordered_map<std::string, NameHit> index = [] {
        std::unordered_map<std::string, NameHit> m;
        for (const auto& spec : options::option_table()) {
            for (const auto& n : spec.names) m.emplace(n, NameHit{&spec, false});
            for (const auto& n : spec.negative_names) m.emplace(n, NameHit{&spec, true});
        }
        return m;
    }();
    return index;
}

const NameHit* find_name(const std::string& name) {
    const auto& index = name_index();
    const auto it = index.find(name);
    return it == index.end() ? nullptr : &it->second;
}

// "option -mm" or, when the user typed another form than the canonical one, "option -mm (--mmproj)".
std::string option_label(const std::string& used, const OptionSpec& spec) {
    const std::string& canonical = spec.canonical_name();
    return used == canonical ? "option " + used : "option " + used + " (" + canonical + ")";
}

// One option as found on the command line, applied after the environment.
struct CliAction {
    const OptionSpec* spec;
    std::string used_name;
    std::string value;  // flags: "true" or "false", already inverted for negative forms
};

ParseOutcome fail(std::string message) {
    ParseOutcome out;
    out.error = std::move(message);
    return out;
}

}  // namespace

ParseOutcome parse_server_options(int argc, const char* const* argv, const EnvLookup& env) {
    // 1. Walk the command line: find each option, take its value, stop at the first mistake.
    std::vector<CliAction> actions;
    std::set<const OptionSpec*> on_command_line;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i] ? argv[i] : "";
        std::string name = arg;
        std::string inline_value;
        bool has_inline_value = false;
        const NameHit* hit = find_name(arg);
        if (!hit && arg.size() > 1 && arg[0] == '-') {
            const auto eq = arg.find('=');
            if (eq != std::string::npos) {
                name = arg.substr(0, eq);
                inline_value = arg.substr(eq + 1);
                has_inline_value = true;
                hit = find_name(name);
            }
        }
        if (!hit) {
            if (arg.empty() || arg[0] != '-' || arg == "-") return fail("unexpected argument: '" + arg + "' (see --help)");
            return fail("unknown option: " + name + " (see --help)");
        }
        const OptionSpec& spec = *hit->spec;
        if (spec.special != Special::None) {
            ParseOutcome out;
            out.show_help = spec.special == Special::Help;
            out.show_version = spec.special == Special::Version;
            out.completion_bash = spec.special == Special::CompletionBash;
            out.list_devices = spec.special == Special::ListDevices;
            out.cache_list = spec.special == Special::CacheList;
            return out;
        }

        CliAction action{&spec, name, ""};
        if (spec.takes_value()) {
            const auto is_choice = [&spec](const char* next) {
                return std::find(spec.choices.begin(), spec.choices.end(), util::to_lower(next)) != spec.choices.end();
            };
            if (has_inline_value) {
                action.value = inline_value;
            } else if (!spec.implicit_value.empty() && !(i + 1 < argc && argv[i + 1] && is_choice(argv[i + 1]))) {
                action.value = spec.implicit_value;
            } else if (i + 1 < argc && argv[i + 1]) {
                action.value = argv[++i];
            } else {
                return fail(option_label(name, spec) + " needs a value (" + spec.placeholder + ")");
            }
            if (!spec.second_placeholder.empty() &&
                !(spec.first_value_suffices && spec.first_value_suffices(action.value))) {
                if (!(i + 1 < argc && argv[i + 1])) {
                    return fail(option_label(name, spec) + " needs two values (" + spec.placeholder + " " +
                                spec.second_placeholder + ")");
                }
                action.value += options::kValueSeparator;
                action.value += argv[++i];
            }
        } else {
            bool on = true;
            if (has_inline_value) {
                const auto b = util::parse_bool_word(inline_value);
                if (!b) {
                    return fail("invalid value '" + inline_value + "' for " + option_label(name, spec) +
                                ": expected true or false");
                }
                on = *b;
            }
            if (hit->negative) on = !on;
            action.value = on ? "true" : "false";
        }
        actions.push_back(std::move(action));
        on_command_line.insert(&spec);
    }

    // 2. The environment, for every option the command line leaves alone.
    ServerOptions opts;
    std::set<const OptionSpec*> given = on_command_line;
    for (const auto& spec : options::option_table()) {
        if (on_command_line.count(&spec) != 0 || spec.special != Special::None) continue;
        std::vector<std::pair<std::string, bool>> vars;  // name, negated
        for (const auto& var : spec.env) vars.emplace_back(var, false);
        if (!spec.negated_env.empty()) vars.emplace_back(spec.negated_env, true);
        for (const auto& [var, negated] : vars) {
            const auto raw = env ? env(var) : std::nullopt;
            if (!raw) continue;
            const std::string where = "environment variable " + var + " (option " + spec.canonical_name() + ")";
            std::string value = *raw;
            if (!spec.takes_value()) {
                const auto b = util::parse_bool_word(value);
                if (!b) {
                    return fail("invalid value '" + value + "' for " + where +
                                ": expected true/false, 1/0, on/off or yes/no");
                }
                value = (*b != negated) ? "true" : "false";
            }
            const std::string why = spec.binding.set(opts, value);
            if (!why.empty()) return fail("invalid value '" + *raw + "' for " + where + ": " + why);
            opts.environment_used.push_back(var);
            given.insert(&spec);
        }
    }

    // 3. The command line, in order: the last use of an option wins, repeatable ones add up.
    for (const auto& action : actions) {
        const std::string why = action.spec->binding.set(opts, action.value);
        if (!why.empty()) {
            std::string shown = action.value;
            std::replace(shown.begin(), shown.end(), options::kValueSeparator, ' ');
            return fail("invalid value '" + shown + "' for " + option_label(action.used_name, *action.spec) + ": " + why);
        }
    }

    // 4. Rules across options.
    if (std::string why = validate(opts); !why.empty()) return fail(std::move(why));

    // 5. What the options given do here, where that is less than in llama-server.
    for (const auto& spec : options::option_table()) {
        if (given.count(&spec) == 0 || !spec.notice) continue;
        const std::string notice = spec.notice(opts);
        if (!notice.empty()) opts.notices.push_back(spec.canonical_name() + ": " + notice);
    }

    ParseOutcome out;
    out.options = std::move(opts);
    return out;
}

ParseOutcome parse_server_options(int argc, const char* const* argv) {
    return parse_server_options(argc, argv, [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (!value) return std::nullopt;
        return std::string(value);
    });
}

const char* draft_source_name(DraftSource source) {
    switch (source) {
        case DraftSource::draft_model: return "draft-simple";
        case DraftSource::ngram: return "ngram-simple";
        case DraftSource::ngram_map_k: return "ngram-map-k";
        case DraftSource::ngram_map_k4v: return "ngram-map-k4v";
        case DraftSource::ngram_mod: return "ngram-mod";
        case DraftSource::ngram_cache: return "ngram-cache";
        case DraftSource::draft_mtp: return "draft-mtp";
        case DraftSource::draft_eagle3: return "draft-eagle3";
        case DraftSource::draft_dflash: return "draft-dflash";
        case DraftSource::draft_dspark: return "draft-dspark";
    }
    return "";
}

std::optional<DraftSource> draft_source_from_name(const std::string& name) {
    for (const DraftSource source : {DraftSource::draft_model, DraftSource::ngram, DraftSource::ngram_map_k,
                                     DraftSource::ngram_map_k4v, DraftSource::ngram_mod, DraftSource::ngram_cache,
                                     DraftSource::draft_mtp, DraftSource::draft_eagle3, DraftSource::draft_dflash,
                                     DraftSource::draft_dspark}) {
        if (name == draft_source_name(source)) return source;
    }
    return std::nullopt;
}

std::string draft_source_names(const std::vector<DraftSource>& sources) {
    std::string names;
    for (const DraftSource source : sources) names += (names.empty() ? "" : ",") + std::string(draft_source_name(source));
    return names;
}

// ---- --help ----

namespace {

constexpr size_t kHelpWidth = 100;
constexpr size_t kHelpColumn = 40;  // where the description starts

// Word-wraps `text` at kHelpWidth columns and ends it with a newline. The first line continues a
// line that already holds `used` columns; the following lines start with `indent` spaces.
std::string wrap(const std::string& text, size_t used, size_t indent) {
    std::string out;
    size_t line_len = used;
    bool line_empty = true;
    size_t pos = 0;
    while (pos < text.size()) {
        if (text[pos] == ' ' || text[pos] == '\n') {
            ++pos;
            continue;
        }
        auto end = text.find_first_of(" \n", pos);
        if (end == std::string::npos) end = text.size();
        const std::string word = text.substr(pos, end - pos);
        pos = end;
        if (!line_empty && line_len + 1 + word.size() > kHelpWidth) {
            out += "\n" + std::string(indent, ' ');
            line_len = indent;
            line_empty = true;
        }
        if (!line_empty) {
            out += ' ';
            ++line_len;
        }
        out += word;
        line_len += word.size();
        line_empty = false;
    }
    return out + "\n";
}

std::string forms_of(const OptionSpec& spec) {
    std::string forms;
    for (const auto& n : spec.names) forms += (forms.empty() ? "" : ", ") + n;
    for (const auto& n : spec.negative_names) forms += ", " + n;
    if (spec.takes_value()) {
        forms += spec.implicit_value.empty() ? " " + spec.placeholder : " [" + spec.placeholder + "]";
        if (!spec.second_placeholder.empty()) forms += " " + spec.second_placeholder;
    }
    return forms;
}

std::string describe(const OptionSpec& spec, const ServerOptions& defaults) {
    std::string text = spec.help;
    if (spec.special != Special::None) return text;
    std::string def = spec.default_text;
    if (def.empty() && spec.binding.show) def = spec.binding.show(defaults);
    if (!def.empty()) text += " (default: " + def + ")";
    if (spec.repeatable) text += " (repeatable)";
    // What the start-up notice will say, where it says something whatever the value.
    const std::string notice = spec.notice ? spec.notice(defaults) : std::string();
    if (!notice.empty()) text += " [in cria: " + notice + "]";
    return text;
}

std::string env_line(const OptionSpec& spec) {
    if (spec.env.empty() && spec.negated_env.empty()) return "";
    std::string line = "(env: ";
    for (size_t i = 0; i < spec.env.size(); ++i) line += (i ? ", " : "") + spec.env[i];
    if (!spec.negated_env.empty()) {
        line += (spec.env.empty() ? "" : "; ") + spec.negated_env + "=true means " + spec.negative_names.front();
    }
    return line + ")";
}

}  // namespace

std::string server_options_help() {
    std::string out;
    out += "cria: an OpenAI-compatible LLM server, a drop-in replacement for llama-server\n\n";
    out += "usage: cria -m FNAME [options]\n\n";
    out += wrap("Options take their value as '--option VALUE' or '--option=VALUE'. Most can also be set "
                "through the environment variable shown as (env: NAME); the command line wins over the "
                "environment. Boolean variables accept true/false, 1/0, on/off or yes/no.",
                0, 0);

    const ServerOptions defaults;
    const auto& table = options::option_table();
    for (int s = static_cast<int>(Section::General); s <= static_cast<int>(Section::Compatibility); ++s) {
        const auto section = static_cast<Section>(s);
        out += std::string("\n----- ") + options::section_title(section) + " -----\n\n";
        for (const auto& spec : table) {
            if (spec.section != section) continue;
            const std::string forms = "  " + forms_of(spec);
            const std::string indent(kHelpColumn, ' ');
            out += forms;
            if (forms.size() + 2 <= kHelpColumn) {
                out += std::string(kHelpColumn - forms.size(), ' ');
            } else {
                out += "\n" + indent;
            }
            out += wrap(describe(spec, defaults), kHelpColumn, kHelpColumn);
            const std::string env = env_line(spec);
            if (!env.empty()) out += indent + wrap(env, kHelpColumn, kHelpColumn);
        }
    }
    return out;
}

// ---- --print-options and --completion-bash ----

std::string server_options_json(const ServerOptions& options) {
    nlohmann::ordered_json values = nlohmann::ordered_json::object();
    nlohmann::json known = nlohmann::json::array();
    for (const auto& spec : options::option_table()) {
        for (const auto& var : spec.env) known.push_back(var);
        if (!spec.negated_env.empty()) known.push_back(spec.negated_env);
        if (spec.special != Special::None || !spec.binding.show) continue;
        values[spec.canonical_name()] = spec.binding.show(options);
    }
    nlohmann::ordered_json out = {
        {"options", values},
        {"environment", options.environment_used},
        {"known_environment", known},
        {"notices", options.notices},
    };
    return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string server_options_completion_bash() {
    std::string words;
    std::string choices;  // case arms: an option whose value is one of a few words
    for (const auto& spec : options::option_table()) {
        std::string names;
        for (const auto& n : spec.names) names += (names.empty() ? "" : "|") + n;
        for (const auto& n : spec.names) words += " " + n;
        for (const auto& n : spec.negative_names) words += " " + n;
        if (spec.kind != ValueKind::Choice) continue;
        std::string list;
        for (const auto& c : spec.choices) list += (list.empty() ? "" : " ") + c;
        choices += "        " + names + ") COMPREPLY=( $(compgen -W \"" + list + "\" -- \"$cur\") ); return ;;\n";
    }
    return "# bash completion for cria: source this file, or put it in /etc/bash_completion.d/\n"
           "_cria() {\n"
           "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
           "    case \"$prev\" in\n" +
           choices +
           "    esac\n"
           "    if [[ \"$cur\" == -* ]]; then\n"
           "        COMPREPLY=( $(compgen -W \"" + words.substr(1) + "\" -- \"$cur\") )\n"
           "    fi\n"
           "}\n"
           "complete -o default -F _cria cria\n";
}

}  // namespace cria
