// The options of the draft-free kinds of speculative decoding (--spec-type ngram-*): their sizes
// and thresholds, llama-server's older shared names, and the lookup caches -lcs and -lcd. They
// write SpeculativeConfig::ngram (engine/ngram_config.h). Also the benchmarking-only synthetic
// acceptance (--spec-synth-len, --spec-synth-rates: SpeculativeConfig::synthetic).
#pragma once

#include <string>
#include <vector>

#include "options/option_table.h"

namespace cria::options {

// --spec-ngram-simple-size-n ... --lookup-cache-dynamic, in the Speculative section.
void add_ngram_options(std::vector<OptionSpec>& table);

// After parsing: resolves synthetic acceptance for the longest draft the listed kinds can give.
// Returns why the values cannot work ("" if they can).
std::string check_synthetic_acceptance(ServerOptions& o);

}  // namespace cria::options
