// The GBNF checker (api/gbnf_check.h) on grammar text from the fuzzer. It answers with a message,
// never an exception: any exception, crash or unbounded run is a finding.
#include <string>

#include "api/gbnf_check.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string grammar(reinterpret_cast<const char*>(data), size);
    try {
        cria::gbnf_syntax_error(grammar);
    } catch (const std::exception& e) {
        cria::fuzz::report("gbnf_syntax_error threw", e.what());
    }
    return 0;
}
