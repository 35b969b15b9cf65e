// The draft model's EngineConfig (--model-draft): the main model's, with what is the main model's
// alone taken out and the draft options of SpeculativeConfig put in, as llama-server sets up its
// draft context. Plain data, no libllama: DraftModel::load() loads with it, unit tests check it.
#pragma once

#include <string>

#include "engine/engine_config.h"

namespace cria {

// What the draft model is loaded and its context created with: its own file, GPU layers, context
// size, threads (-td, -tbd, -Cd, ...), physical batch (--spec-draft-n-ubatch), KV cache types
// (-ctkd, -ctvd), devices (-devd, else -dev's) and tensor placement (-otd, -cmoed, -ncmoed: the
// main model's -ot, --cpu-moe, --n-cpu-moe and --n-cpu-ffn name its layers, not the draft's).
EngineConfig draft_engine_config(const EngineConfig& main);

// A load error of the draft model, naming the draft's own options: the placement code names -dev
// and -ot, which for the draft model are -devd and -otd.
std::string draft_load_error(const std::string& why);

}  // namespace cria
