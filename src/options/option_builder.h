// The vocabulary the option tables are written in: Field (where a value goes in ServerOptions),
// the common Bindings (a number in a range, a word out of a list, a flag, text) and Opt, the
// builder that keeps each table entry one readable statement. Used by option_table.cpp (cria's own
// and the long-standing options) and llama_server_options.cpp (the rest of llama-server's).
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "options/option_table.h"
#include "util/value_parse.h"

namespace cria::options {

using util::parse_bool_word;
using util::parse_float;
using util::parse_int;
using util::split_list;
using util::to_lower;
using util::trim;

inline constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
inline constexpr double kFloatMax = std::numeric_limits<float>::max();

inline std::string format_float(double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", value);
    return buf;
}

inline std::string range_reason(int64_t lo, int64_t hi) {
    if (hi >= kInt32Max) return "must be at least " + std::to_string(lo);
    return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
}

// Shortest plain form of a bound: "0", "1", "0.5".
inline std::string format_bound(double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", value);
    return buf;
}

inline std::string float_range_reason(double lo, double hi) {
    if (hi >= kFloatMax) return "must be at least " + format_bound(lo);
    return "must be between " + format_bound(lo) + " and " + format_bound(hi);
}

// ---- fields: where a binding writes ----

// A field of ServerOptions, possibly inside one of its configs (o.engine.tuning.rope_freq_base):
// `in` gives it to write, `of` to read (for --help).
template <typename T>
struct Field {
    std::function<T&(ServerOptions&)> in;
    std::function<const T&(const ServerOptions&)> of;
};

template <typename T>
inline Field<T> at(T ServerOptions::*member) {
    return {[member](ServerOptions& o) -> T& { return o.*member; },
            [member](const ServerOptions& o) -> const T& { return o.*member; }};
}

template <typename Part, typename T>
inline Field<T> at(Part ServerOptions::*part, T Part::*member) {
    return {[part, member](ServerOptions& o) -> T& { return (o.*part).*member; },
            [part, member](const ServerOptions& o) -> const T& { return (o.*part).*member; }};
}

template <typename Part, typename Sub, typename T>
inline Field<T> at(Part ServerOptions::*part, Sub Part::*sub, T Sub::*member) {
    return {[part, sub, member](ServerOptions& o) -> T& { return ((o.*part).*sub).*member; },
            [part, sub, member](const ServerOptions& o) -> const T& { return ((o.*part).*sub).*member; }};
}

template <typename T>
inline Field<T> at_engine(T EngineConfig::*member) { return at(&ServerOptions::engine, member); }
template <typename T>
inline Field<T> at_tuning(T ContextTuning::*member) { return at(&ServerOptions::engine, &EngineConfig::tuning, member); }
template <typename T>
inline Field<T> at_draft(T SpeculativeConfig::*member) { return at(&ServerOptions::engine, &EngineConfig::speculative, member); }
template <typename T>
inline Field<T> at_defaults(T CompletionDefaults::*member) { return at(&ServerOptions::defaults, member); }
template <typename T>
inline Field<T> at_sampling(T SamplingParams::*member) {
    return at(&ServerOptions::defaults, &CompletionDefaults::sampling, member);
}
template <typename T>
inline Field<T> at_draft_limits(T SpeculativeParams::*member) {
    return at(&ServerOptions::defaults, &CompletionDefaults::speculative, member);
}
template <typename T>
inline Field<T> at_http(T HttpConfig::*member) { return at(&ServerOptions::http, member); }
template <typename T>
inline Field<T> at_cors(T CorsPolicy::*member) { return at(&ServerOptions::http, &HttpConfig::cors, member); }

// ---- bindings: how a value reaches a field of ServerOptions ----

// An integer in [lo, hi].
inline Binding int_in(Field<int32_t> field, int64_t lo, int64_t hi = kInt32Max) {
    return {
        [field, lo, hi](ServerOptions& o, const std::string& v) -> std::string {
            const auto n = parse_int(v);
            if (!n) return "not an integer";
            if (*n < lo || *n > hi) return range_reason(lo, hi);
            field.in(o) = static_cast<int32_t>(*n);
            return "";
        },
        [field](const ServerOptions& o) { return std::to_string(field.of(o)); },
    };
}

// -1 (the field's "decide for me" sentinel) or an integer >= lo.
inline Binding int_or_auto(Field<int32_t> field, int64_t lo) {
    return {
        [field, lo](ServerOptions& o, const std::string& v) -> std::string {
            const auto n = parse_int(v);
            if (!n) return "not an integer";
            if (*n != -1 && (*n < lo || *n > kInt32Max)) return "must be -1 or at least " + std::to_string(lo);
            field.in(o) = static_cast<int32_t>(*n);
            return "";
        },
        [field](const ServerOptions& o) { return std::to_string(field.of(o)); },
    };
}

// A number in [lo, hi].
inline Binding float_in(Field<float> field, double lo, double hi = kFloatMax) {
    return {
        [field, lo, hi](ServerOptions& o, const std::string& v) -> std::string {
            const auto x = parse_float(v);
            if (!x) return "not a number";
            if (*x < lo || *x > hi) return float_range_reason(lo, hi);
            field.in(o) = static_cast<float>(*x);
            return "";
        },
        [field](const ServerOptions& o) { return format_float(field.of(o)); },
    };
}


inline Binding text(Field<std::string> field) {
    return {
        [field](ServerOptions& o, const std::string& v) -> std::string {
            field.in(o) = v;
            return "";
        },
        [field](const ServerOptions& o) { return field.of(o); },
    };
}

// Non-empty text (a path, a host name).
inline Binding nonempty_text(Field<std::string> field) {
    return {
        [field](ServerOptions& o, const std::string& v) -> std::string {
            if (v.empty()) return "must not be empty";
            field.in(o) = v;
            return "";
        },
        [field](const ServerOptions& o) { return field.of(o); },
    };
}

// One word out of `choices`, case-insensitive; stored in lower case.
inline Binding choice(Field<std::string> field, std::vector<std::string> choices) {
    return {
        [field, choices](ServerOptions& o, const std::string& v) -> std::string {
            const std::string word = to_lower(v);
            for (const auto& c : choices) {
                if (word == c) {
                    field.in(o) = c;
                    return "";
                }
            }
            std::string reason = "must be one of ";
            for (size_t i = 0; i < choices.size(); ++i) reason += (i ? ", " : "") + choices[i];
            return reason;
        },
        [field](const ServerOptions& o) { return field.of(o); },
    };
}

inline Binding boolean(Field<bool> field) {
    return {
        [field](ServerOptions& o, const std::string& v) -> std::string {
            const auto b = parse_bool_word(v);
            if (!b) return "expected true or false";
            field.in(o) = *b;
            return "";
        },
        [field](const ServerOptions& o) { return std::string(field.of(o) ? "enabled" : "disabled"); },
    };
}

// A directory opens as a stream but its first read throws from inside libstdc++ (not through the
// stream's state), so it is refused before reading, and a read that throws anyway is an error too.
inline std::string read_whole_file(const std::string& path, std::string* error) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        *error = "it is a directory, not a file";
        return "";
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        *error = "cannot open the file";
        return "";
    }
    try {
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (in.bad()) *error = "cannot read the file";
        return text;
    } catch (const std::exception&) {
        *error = "cannot read the file";
        return "";
    }
}

// ---- the builder that keeps the table readable ----

// The KV cache types libllama supports (ggml type names).
inline const std::vector<std::string> kCacheTypes = {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1"};

class Opt {
public:
    Opt(Section section, std::vector<std::string> names) {
        spec_.section = section;
        spec_.names = std::move(names);
    }
    Opt& negative(std::vector<std::string> names) {
        spec_.kind = ValueKind::NegatableFlag;
        spec_.negative_names = std::move(names);
        return *this;
    }
    Opt& value(ValueKind kind, std::string placeholder) {
        spec_.kind = kind;
        spec_.placeholder = std::move(placeholder);
        return *this;
    }
    Opt& choices(std::vector<std::string> words) {
        spec_.kind = ValueKind::Choice;
        std::string placeholder = "{";
        for (size_t i = 0; i < words.size(); ++i) placeholder += (i ? "," : "") + words[i];
        spec_.placeholder = placeholder + "}";
        spec_.choices = std::move(words);
        return *this;
    }
    Opt& env(std::vector<std::string> names) {
        spec_.env = std::move(names);
        return *this;
    }
    Opt& negated_env(std::string name) {
        spec_.negated_env = std::move(name);
        return *this;
    }
    Opt& help(std::string text) {
        spec_.help = std::move(text);
        return *this;
    }
    Opt& def(std::string text) {
        spec_.default_text = std::move(text);
        return *this;
    }
    Opt& repeatable() {
        spec_.repeatable = true;
        return *this;
    }
    Opt& second_value(std::string placeholder, std::function<bool(const std::string&)> first_suffices) {
        spec_.second_placeholder = std::move(placeholder);
        spec_.first_value_suffices = std::move(first_suffices);
        return *this;
    }
    Opt& implicit_value(std::string value) {
        spec_.implicit_value = std::move(value);
        return *this;
    }
    Opt& bind(Binding binding) {
        spec_.binding = std::move(binding);
        return *this;
    }
    Opt& special(Special what) {
        spec_.special = what;
        return *this;
    }
    // The start-up notice, computed from the parsed options ("" = none this time).
    Opt& notice(Notice what) {
        spec_.notice = std::move(what);
        return *this;
    }
    // A fixed start-up notice: what the option does here, whatever its value.
    Opt& says(std::string text) {
        spec_.notice = [text](const ServerOptions&) { return text; };
        return *this;
    }
    operator OptionSpec() const { return spec_; }

private:
    OptionSpec spec_;
};


}  // namespace cria::options
