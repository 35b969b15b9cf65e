// llama-server's CPU placement options: -C, -Cr, --cpu-strict, --prio, --poll (the generation
// threads), their -batch forms (the prompt-batch threads) and their -draft forms (the draft
// model's context). They write EngineConfig::cpu, ::cpu_batch and SpeculativeConfig::cpu_draft,
// ::cpu_batch_draft (engine/cpu_placement.h); masks and ranges are checked here, at start-up.
#pragma once

#include <vector>

#include "options/option_table.h"

namespace cria::options {

// -C ... --poll-batch, in the Threads section of --help.
void add_cpu_placement_options(std::vector<OptionSpec>& table);

// -Cd ... --poll-batch-draft, in the Speculative section.
void add_draft_cpu_placement_options(std::vector<OptionSpec>& table);

}  // namespace cria::options
