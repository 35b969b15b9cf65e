// llama-server's built-in model presets (--fim-qwen-7b-default, --gpt-oss-20b-default, ...): each
// names a model repository and sets a few options, as if they had been typed where the preset is.
// Plain data; llama_server_options.cpp turns each into a flag that applies its settings through the
// option table, so a setting means exactly what the option means.
//
// Precedence, as llama-server 0.7 behaves (checked against it with a loopback hub): the command
// line is applied in order, so an option given AFTER the preset wins, one given BEFORE it is
// overwritten, and the preset overwrites the environment (LLAMA_ARG_*). A context size set by a
// preset still counts as "not set by the user" for --fit, as there.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cria::options {

struct ModelPreset {
    std::string name;         // "--fim-qwen-7b-default"
    std::string description;  // "Qwen 2.5 Coder 7B"
    // Options and values in the order they are applied; a flag's value is "true".
    std::vector<std::pair<std::string, std::string>> settings;
};

// Every preset of `llama-server --help`, in its order.
const std::vector<ModelPreset>& model_presets();

}  // namespace cria::options
