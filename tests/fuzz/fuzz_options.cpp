// Option parsing (options/server_options.h) with argv and the environment from the fuzzer: the
// bytes are split at NUL into arguments; an argument "$NAME=VALUE" is an environment variable
// instead. parse_server_options answers in its outcome and never throws: any exception is a
// finding. Inputs naming device or kernel files are skipped (a file option would read them whole,
// which is the operator's choice, not something to fuzz).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "options/server_options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string all(reinterpret_cast<const char*>(data), size);
    for (const char* place : {"/dev", "/proc", "/sys"}) {
        if (all.find(place) != std::string::npos) return 0;
    }
    std::vector<std::string> args{"cria"};
    std::map<std::string, std::string> env;
    cria::fuzz::ByteReader in(data, size);
    while (!in.empty()) {
        std::string piece = in.until('\0');
        if (!piece.empty() && piece[0] == '$') {
            const size_t eq = piece.find('=');
            env[piece.substr(1, eq == std::string::npos ? std::string::npos : eq - 1)] =
                eq == std::string::npos ? std::string() : piece.substr(eq + 1);
        } else {
            args.push_back(std::move(piece));
        }
    }
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    const cria::EnvLookup lookup = [&env](const std::string& name) -> std::optional<std::string> {
        const auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
    };
    try {
        const cria::ParseOutcome outcome = cria::parse_server_options(static_cast<int>(argv.size()), argv.data(), lookup);
        // Every outcome asks for something: start, print (help, version, completion script,
        // devices, cache list) or fail with a message.
        const bool prints = outcome.show_help || outcome.show_version || outcome.completion_bash ||
                            outcome.list_devices || outcome.cache_list;
        if (!outcome.options && !prints && outcome.error.empty()) {
            cria::fuzz::report("an outcome that says nothing", all);
        }
    } catch (const std::exception& e) {
        cria::fuzz::report("parse_server_options threw", e.what());
    }
    return 0;
}
