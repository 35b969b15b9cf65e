// The option table behind parse_server_options() and server_options_help().
//
// Every command-line option cria knows is ONE OptionSpec in option_table(): its forms, the
// environment variables read for it, the kind of value it takes, its help line, and a Binding that
// writes a value into ServerOptions (validating it) and renders the current value for --help.
// Every option of llama-server is in the table: nothing it accepts is refused. Where one cannot do
// here what it does there (a backend this build lacks, a feature still to come), its value is
// checked and stored all the same and its `notice` says at start-up what it does here.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "options/server_options.h"

namespace cria::options {

enum class ValueKind {
    Flag,           // no value: sets true (from the environment: a boolean word)
    NegatableFlag,  // names set true, negative_names set false
    Int,
    Float,
    String,
    List,           // comma-separated list (tensor split, API keys)
    Choice,         // one word out of `choices`
};

// What an option does beyond writing into ServerOptions: the first four print something and exit
// as soon as they are seen, like llama-server's.
enum class Special { None, Help, Version, CompletionBash, ListDevices, CacheList };

// The --help sections, in print order. Options that only take a notice here live in Compatibility.
enum class Section {
    General,
    Model,
    ContextBatching,
    Threads,
    DevicesMemory,
    Http,
    Endpoints,
    Sampling,
    Speculative,
    Logging,
    Compatibility,
};

// Writes `value` into the options. Flags receive "true" or "false". Returns "" on success, else
// the reason the value is refused (e.g. "must be between 1 and 65535"), without the option name.
using Setter = std::function<std::string(ServerOptions&, const std::string& value)>;
// Renders the option's value, for "(default: ...)" in --help and for --print-options.
using Shower = std::function<std::string(const ServerOptions&)>;
// The start-up notice of an option that was given, from the options as parsed ("" = none).
using Notice = std::function<std::string(const ServerOptions&)>;

struct Binding {
    Setter set;
    Shower show;
};

struct OptionSpec {
    Section section = Section::Compatibility;
    std::vector<std::string> names;           // e.g. {"-c", "--ctx-size"}; flags: these set true
    std::vector<std::string> negative_names;  // NegatableFlag only: e.g. {"-nocb", "--no-cont-batching"}
    ValueKind kind = ValueKind::Flag;
    std::string placeholder;                  // value shown in help: "N", "FNAME"; empty for flags
    std::vector<std::string> env;             // variables read when the command line omits it
    std::string negated_env;                  // a variable whose true value means the negative form
    std::string help;
    std::string default_text;                 // shown as "(default: ...)"; empty: rendered by binding.show
    std::vector<std::string> choices;         // Choice: accepted words
    bool repeatable = false;                  // every use adds (API keys) instead of replacing
    // Options with two values ("--lora-scaled FNAME SCALE"): the second one's placeholder. The
    // binding then gets both values joined by kValueSeparator, unless `first_value_suffices` says
    // the first one already holds everything (the "FNAME:SCALE" form), in which case it gets that.
    std::string second_placeholder;
    std::function<bool(const std::string&)> first_value_suffices;
    // Non-empty: the value may be left out ("--numa" alone means "--numa distribute"). The next
    // argument is taken as the value only when it is one of `choices`.
    std::string implicit_value;
    Special special = Special::None;
    Binding binding;                          // empty for special options only
    // Given on the command line or through a variable: one start-up line saying what the option does
    // in this build. Every option that does less here than in llama-server has one.
    Notice notice;

    // The name used in messages and help: the first long form ("--ctx-size").
    const std::string& canonical_name() const;
    bool takes_value() const { return kind != ValueKind::Flag && kind != ValueKind::NegatableFlag; }
};

// Joins the two values of a two-value option for its binding. No command-line argument can
// contain it (argv strings end at the first NUL).
inline constexpr char kValueSeparator = '\0';

// The whole table, in help order within each section.
const std::vector<OptionSpec>& option_table();

// Section titles for --help.
const char* section_title(Section section);

}  // namespace cria::options
