// The request parsers of every route that takes a JSON body, as the server runs them: the JSON
// nesting pre-scan (http/http_server.cpp, check_body), then the route's parse function (src/api).
// The first byte chooses the route (and, for chat, the built-in template the conversation is then
// rendered with, as the front end does); the rest is the body.
#include <string>
#include <vector>

#include "api/completion_request.h"
#include "api/embedding_api.h"
#include "api/gbnf_check.h"
#include "api/infill_request.h"
#include "api/json_fields.h"
#include "api/lora_api.h"
#include "api/openai_chat.h"
#include "api/openai_completion.h"
#include "api/props_update.h"
#include "api/slot_file_request.h"
#include "api/tokenize_api.h"
#include "api/tool_calls.h"
#include "fuzz_common.h"
#include "template/builtin_templates.h"
#include "template/chat_template.h"

namespace {

using namespace cria;

// /detokenize checks ids against a vocabulary: a stand-in of a plausible size.
class FakePieces final : public TokenPieces {
public:
    std::string piece(Token token, bool) const override { return "t" + std::to_string(token); }
    int32_t size() const override { return 32000; }
};

CompletionDefaults make_defaults() {
    CompletionDefaults defaults;
    defaults.n_slots = 4;
    defaults.n_lora_adapters = 2;
    return defaults;
}

// What the front end does with a parsed chat request before tokenizing (frontend/request_pipeline.cpp,
// prepare_chat): render it, and make the forced tool call's grammar, which must be valid GBNF.
void prepare_chat(const ChatRequest& request, const std::string& template_source) {
    nlohmann::json extra = {{"bos_token", "<s>"}, {"eos_token", "</s>"}};
    if (request.offers_tools()) extra["tools"] = request.tools;
    fuzz::expect_only<TemplateError>([&] { render_chat(template_source, request.messages, true, extra); });
    if (!request.force_tool_call()) return;
    const std::string only = request.tool_choice == "required" ? std::string() : request.tool_choice;
    const std::string grammar = tool_call_grammar(request.tools, only, tool_format_for_template(template_source));
    if (const std::string error = gbnf_syntax_error(grammar); !error.empty()) {
        fuzz::report("tool_call_grammar made invalid GBNF", error + "\n" + grammar);
    }
}

void parse_route(unsigned route, unsigned variant, const std::string& body) {
    static const CompletionDefaults defaults = make_defaults();
    static const FakePieces pieces;
    switch (route) {
        case 0: parse_completion_request(parse_json_object(body), defaults, body, /*accept_image_data=*/true); break;
        case 1: parse_infill_request(parse_json_object(body), defaults, body); break;
        case 2: parse_tokenize_request(parse_json_object(body), defaults.limits); break;
        case 3: parse_detokenize_request(parse_json_object(body), pieces, defaults.limits); break;
        case 4: parse_native_embedding_request(parse_json_object(body), defaults.limits); break;
        case 5: parse_openai_completion_request(parse_json_object(body), defaults, body); break;
        case 6: {
            const ChatRequest request = parse_chat_request(parse_json_object(body), defaults, body);
            const auto& templates = builtin_templates();
            prepare_chat(request, templates[variant % templates.size()].text);
            break;
        }
        case 7: parse_openai_embedding_request(parse_json_object(body)); break;
        case 8: parse_lora_scales(parse_json_value(body), defaults.n_lora_adapters, ""); break;
        case 9: parse_props_update(parse_json_object(body), defaults); break;
        default: {  // POST /slots/{id}?action=...: the id is the body's first line
            static const char* const actions[] = {"save", "restore", "erase", ""};
            const size_t newline = body.find('\n');
            const std::string id = body.substr(0, newline);
            const std::string rest = newline == std::string::npos ? std::string() : body.substr(newline + 1);
            parse_slot_file_call(actions[variant % 4], id, rest, defaults.n_slots);
            break;
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::ByteReader in(data, size);
    const uint8_t selector = in.byte();
    const std::string body = in.rest();
    // The server's pre-scan, with its default limit: what it refuses never reaches a parser.
    try {
        check_json_depth(body, kDefaultMaxJsonDepth);
    } catch (const ApiError&) {
        return 0;
    }
    fuzz::expect_only([&] { parse_route(selector % 11u, selector / 11u, body); });
    return 0;
}
