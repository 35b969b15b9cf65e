// Tool calling (api/tool_calls.h). The first byte chooses what the rest is:
//   even: model output, split by parse_assistant_answer (tools offered or not); it never throws.
//   odd: a request's `tools` JSON, checked by validate_tools; tools it accepts must give a valid
//        GBNF grammar from tool_call_grammar (every format; `only` the first tool's name or none).
#include <string>

#include <nlohmann/json.hpp>

#include "api/gbnf_check.h"
#include "api/json_fields.h"
#include "api/tool_calls.h"
#include "fuzz_common.h"

namespace {

using namespace cria;

void check_answer(const std::string& text, bool tools_offered) {
    try {
        parse_assistant_answer(text, tools_offered);
    } catch (const std::exception& e) {
        fuzz::report("parse_assistant_answer threw", e.what());
    }
}

void check_tools(const std::string& text, unsigned variant) {
    const auto tools = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (tools.is_discarded()) return;
    validate_tools(tools);
    std::string only;
    if ((variant & 1) != 0 && tools.is_array() && !tools.empty()) {
        only = tools[0].at("function").at("name").get<std::string>();
    }
    static const ToolFormat formats[] = {ToolFormat::hermes, ToolFormat::mistral, ToolFormat::llama3};
    const std::string grammar = tool_call_grammar(tools, only, formats[(variant >> 1) % 3]);
    if (const std::string error = gbnf_syntax_error(grammar); !error.empty()) {
        fuzz::report("tool_call_grammar made invalid GBNF", error + "\n" + grammar);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::ByteReader in(data, size);
    const uint8_t mode = in.byte();
    const std::string text = in.rest();
    if ((mode & 1) == 0) {
        check_answer(text, (mode & 2) != 0);
        tool_format_for_template(text);
        return 0;
    }
    if (json_nesting_depth(text, kDefaultMaxJsonDepth) > kDefaultMaxJsonDepth) return 0;
    fuzz::expect_only([&] { check_tools(text, mode >> 1); });
    return 0;
}
