#include "router/option_arguments.h"

#include <algorithm>
#include <stdexcept>

#include "options/option_table.h"

namespace cria::router {

namespace {

using options::OptionSpec;

bool has(const std::vector<std::string>& list, const std::string& s) {
    return std::find(list.begin(), list.end(), s) != list.end();
}

const OptionSpec* find_option(const std::string& name) {
    for (const auto& spec : options::option_table()) {
        if (has(spec.names, name) || has(spec.negative_names, name)) return &spec;
    }
    return nullptr;
}

const OptionSpec* find_by_variable(const std::string& variable) {
    for (const auto& spec : options::option_table()) {
        if (has(spec.env, variable) || spec.negated_env == variable) return &spec;
    }
    return nullptr;
}

// How many of the arguments after `args[i]` (an option given without "=value") are its values.
size_t values_after(const OptionSpec& spec, const std::vector<std::string>& args, size_t i) {
    if (!spec.takes_value()) return 0;
    const bool has_next = i + 1 < args.size();
    if (!spec.implicit_value.empty()) return has_next && has(spec.choices, args[i + 1]) ? 1 : 0;
    if (!spec.second_placeholder.empty()) {
        const bool one = has_next && spec.first_value_suffices && spec.first_value_suffices(args[i + 1]);
        return one ? 1 : 2;
    }
    return 1;
}

std::string long_form(const std::vector<std::string>& names) {
    for (const auto& n : names) {
        if (n.rfind("--", 0) == 0) return n;
    }
    return names.empty() ? "" : names.front();
}

int boolean_word(const std::string& value) {
    std::string v = value;
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (v == "true" || v == "on" || v == "1" || v == "yes" || v == "enabled") return 1;
    if (v == "false" || v == "off" || v == "0" || v == "no" || v == "disabled") return 0;
    return -1;
}

}  // namespace

const std::set<std::string>& router_only_options() {
    static const std::set<std::string> names = {
        "--host", "--port", "--ssl-key-file", "--ssl-cert-file", "--api-prefix", "--path", "--reuse-port",
        "--models-dir", "--models-preset", "--models-max", "--models-autoload", "--sleep-idle-seconds", "--alias",
    };
    return names;
}

std::vector<std::string> without_options(const std::vector<std::string>& args, const std::set<std::string>& drop) {
    std::vector<std::string> kept;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const size_t eq = arg.find('=');
        const bool inline_value = arg.rfind("-", 0) == 0 && eq != std::string::npos;
        const OptionSpec* spec = arg.rfind("-", 0) == 0 ? find_option(inline_value ? arg.substr(0, eq) : arg) : nullptr;
        if (spec == nullptr) {
            kept.push_back(arg);
            continue;
        }
        const size_t values = inline_value ? 0 : std::min(values_after(*spec, args, i), args.size() - 1 - i);
        if (drop.count(spec->canonical_name()) == 0) {
            for (size_t k = 0; k <= values; ++k) kept.push_back(args[i + k]);
        }
        i += values;
    }
    return kept;
}

std::vector<std::string> variables_of(const std::set<std::string>& names) {
    std::vector<std::string> variables;
    for (const auto& spec : options::option_table()) {
        if (names.count(spec.canonical_name()) == 0) continue;
        variables.insert(variables.end(), spec.env.begin(), spec.env.end());
        if (!spec.negated_env.empty()) variables.push_back(spec.negated_env);
    }
    return variables;
}

std::vector<std::string> preset_entry_arguments(const std::string& key, const std::string& value) {
    const OptionSpec* spec = key.rfind("LLAMA_", 0) == 0 ? find_by_variable(key) : nullptr;
    if (spec == nullptr) spec = find_option("--" + key);
    if (spec == nullptr) spec = find_option("-" + key);
    if (spec == nullptr || spec->special != options::Special::None) throw std::invalid_argument("no option " + key);
    if (router_only_options().count(spec->canonical_name()) != 0) {
        throw std::invalid_argument(spec->canonical_name() + " is the router's own option, not a model's");
    }
    const bool negative_key = has(spec->negative_names, "--" + key) || has(spec->negative_names, "-" + key);
    if (spec->takes_value()) return {spec->canonical_name(), value};
    const int on = boolean_word(value);
    if (on < 0) throw std::invalid_argument(key + ": expected true or false, not '" + value + "'");
    const bool set = negative_key ? on == 0 : on == 1;
    if (set) return {spec->canonical_name()};
    if (spec->negative_names.empty()) return {};  // a plain flag left off: its default
    return {long_form(spec->negative_names)};
}

}  // namespace cria::router
