// The options of today's llama-server that are not in option_table.cpp's long-standing list:
// placement (-dev, -ot, --cpu-moe, ...), loading (-lm, -lzm, --repack, ...), logging
// (--log-timestamps, ...), output (--special, -r, --embd-normalize), and every option whose feature
// cria lacks in this build, accepted with its value checked and a start-up notice. Together with
// option_table.cpp the table knows every option of `llama-server --help`
// (tests/e2e/options-llama-server.test.mjs checks that against the installed llama-server).
#pragma once

#include <vector>

#include "options/option_table.h"

namespace cria::options {

// Appends these options to the table, each in its --help section.
void add_llama_server_options(std::vector<OptionSpec>* table);

}  // namespace cria::options
