// Command-line arguments of the child processes, built with the option table
// (options/option_table.h) so that every option keeps the forms and values cria itself accepts.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace cria::router {

// The options only the router acts on, by canonical name: listening (--host, --port, TLS,
// --api-prefix, --path, --reuse-port), the router's own (--models-*, --sleep-idle-seconds) and
// --alias (each child is named by the router). A child never gets them.
const std::set<std::string>& router_only_options();

// `args` (argv without argv[0]) without the options named in `drop` (canonical names) and their
// values, whatever form they were given in ("--port 8080", "--port=8080", "-a x", negative forms).
// Arguments that are no known option are kept as they are.
std::vector<std::string> without_options(const std::vector<std::string>& args, const std::set<std::string>& drop);

// The environment variables that set the options named in `options` (canonical names): a child's
// environment must not carry them, or it would read what was meant for the router.
std::vector<std::string> variables_of(const std::set<std::string>& options);

// One preset entry as command-line arguments: `ctx-size = 512` gives {"--ctx-size", "512"},
// `mmap = false` {"--no-mmap"}. `key` is an option name without its dashes or a variable of one.
// Throws std::invalid_argument (the reason) for an unknown key, a router-only option, or a flag
// whose value is not a boolean word.
std::vector<std::string> preset_entry_arguments(const std::string& key, const std::string& value);

}  // namespace cria::router
