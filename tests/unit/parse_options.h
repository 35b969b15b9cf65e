// parse(): parse_server_options() on a command line and a made-up environment, for the option tests.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "options/server_options.h"

namespace cria::test {

using Env = std::map<std::string, std::string>;

// Parses `args` (without argv[0]) with `env` as the whole environment.
inline ParseOutcome parse(const std::vector<std::string>& args, const Env& env = {}) {
    std::vector<const char*> argv{"cria"};
    for (const auto& a : args) argv.push_back(a.c_str());
    return parse_server_options(static_cast<int>(argv.size()), argv.data(),
                                [env](const std::string& name) -> std::optional<std::string> {
                                    const auto it = env.find(name);
                                    if (it == env.end()) return std::nullopt;
                                    return it->second;
                                });
}

}  // namespace cria::test
