// The options of the draft-free kinds of speculative decoding (--spec-type ngram-*): their sizes
// and thresholds, llama-server's older shared names, and the lookup caches -lcs and -lcd. They
// write SpeculativeConfig::ngram (engine/ngram_config.h).
#pragma once

#include <vector>

#include "options/option_table.h"

namespace cria::options {

// --spec-ngram-simple-size-n ... --lookup-cache-dynamic, in the Speculative section.
void add_ngram_options(std::vector<OptionSpec>& table);

}  // namespace cria::options
