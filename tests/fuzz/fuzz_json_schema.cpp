// The JSON-schema converter (api/json_schema_grammar.h) on schema text from the fuzzer, in both key
// orders (the first byte chooses). ApiError is the documented answer to a schema it refuses; a
// grammar it does make must pass our GBNF checker (its output is only ever handed to libllama).
#include <string>

#include <nlohmann/json.hpp>

#include "api/gbnf_check.h"
#include "api/json_fields.h"
#include "api/json_schema_grammar.h"
#include "fuzz_common.h"

namespace {

void check_grammar(const std::string& grammar) {
    if (const std::string error = cria::gbnf_syntax_error(grammar); !error.empty()) {
        cria::fuzz::report("json_schema_to_gbnf made invalid GBNF", error + "\n" + grammar);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    cria::fuzz::ByteReader in(data, size);
    const bool ordered = (in.byte() & 1) != 0;
    const std::string text = in.rest();
    if (cria::json_nesting_depth(text, cria::kDefaultMaxJsonDepth) > cria::kDefaultMaxJsonDepth) return 0;
    cria::fuzz::expect_only([&] {
        if (ordered) {
            const auto schema = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
            if (!schema.is_discarded()) check_grammar(cria::json_schema_to_gbnf_ordered(schema));
        } else {
            const auto schema = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
            if (!schema.is_discarded()) check_grammar(cria::json_schema_to_gbnf(schema));
        }
    });
    return 0;
}
