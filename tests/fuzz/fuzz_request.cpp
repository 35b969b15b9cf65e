// The request parsers of every route that takes a JSON body, as the server runs them: the JSON
// nesting pre-scan (http/http_server.cpp, check_body), then the route's parse function (src/api).
// The first byte chooses the route (selector % kRoutes) and a variant (selector / kRoutes: for the
// chat dialects, the built-in template the conversation is then rendered with, as the front end
// does); the rest is the body.
//
// Chat dialects (/v1/chat/completions, Anthropic's /v1/messages and count_tokens, OpenAI's
// /v1/responses, Ollama's /api/chat) go on through what the front end does without a model
// (frontend/chat_prompt.h, request_pipeline.cpp's render_chat_prompt and prepare_chat): the
// template variables and the four message shapes, the render, the image markers against the
// images, the forced tool call's grammar (valid GBNF) and the AnswerStream options. Left out, as
// they need libllama: tokenizing the rendered prompt and the images, and the engine's work.
#include <string>
#include <vector>

#include "api/anthropic_messages.h"
#include "api/completion_request.h"
#include "api/embedding_api.h"
#include "api/gbnf_check.h"
#include "api/infill_request.h"
#include "api/json_fields.h"
#include "api/image_input.h"
#include "api/lora_api.h"
#include "api/openai_chat.h"
#include "api/openai_completion.h"
#include "api/ollama_request.h"
#include "api/ollama_template.h"
#include "api/props_update.h"
#include "api/rerank_api.h"
#include "api/responses_request.h"
#include "api/slot_file_request.h"
#include "api/tokenize_api.h"
#include "api/tool_calls.h"
#include "frontend/chat_prompt.h"
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

// The rendered prompt's special tokens, as a model's vocabulary would give them to the template.
class FakeTokenizer final : public Tokenizer {
public:
    std::string piece(Token token, bool) const override { return token == 1 ? "<s>" : token == 2 ? "</s>" : "t"; }
    int32_t size() const override { return 32000; }
    std::vector<Token> tokenize(const std::string& text, bool, bool) const override {
        return std::vector<Token>(text.size() / 4 + 1, 3);
    }
    std::string detokenize(const std::vector<Token>&, bool) const override { return {}; }
    bool grammar_parses(const std::string&) const override { return true; }
    bool adds_bos() const override { return true; }
    Token bos() const override { return 1; }
    Token eos() const override { return 2; }
    Token fim_prefix() const override { return -1; }
    Token fim_suffix() const override { return -1; }
    Token fim_middle() const override { return -1; }
    Token fim_separator() const override { return -1; }
};

// What the front end does with a parsed chat request of any dialect before tokenizing
// (frontend/request_pipeline.cpp: render_chat_prompt, prepare_chat): render it in the first of the
// four message shapes the template takes, check the image markers against the images, make the
// forced tool call's grammar (which must be valid GBNF), and the options its answers are read with.
void prepare_chat(const ChatRequest& request, const std::string& template_source) {
    static const FakeTokenizer tokenizer;
    ChatSettings settings;
    settings.reasoning_preserve = (template_source.size() % 2) == 0;  // both ways over the templates
    const nlohmann::json tools = request.offers_tools() ? request.tools : nlohmann::json::array();
    const nlohmann::json variables = template_variables(settings, request);
    std::string text;
    bool rendered = false;
    for (int shape = 0; shape < 4 && !rendered; ++shape) {
        try {
            text = render_conversation(template_source, tokenizer,
                                       template_messages(settings, request.messages, shape % 2 == 0, shape < 2), tools,
                                       variables);
            rendered = true;
        } catch (const ApiError&) {
        }
    }
    if (!rendered) return;  // the template's refusal is the answer (a 400)
    if (!request.images.empty()) split_image_markers(text, request.images.size(), "messages");
    const AnswerOptions answer = answer_options_for(template_source, text, settings, request);
    if (answer.tools_offered != request.offers_tools()) fuzz::report("answer options", "tools_offered differs");
    if (!request.force_tool_call()) return;
    const std::string only = request.tool_choice == "required" ? std::string() : request.tool_choice;
    const std::string grammar =
        tool_call_grammar(request.tools, only, tool_format_for_template(template_source), request.max_grammar_bytes);
    if (const std::string error = gbnf_syntax_error(grammar); !error.empty()) {
        fuzz::report("tool_call_grammar made invalid GBNF", error + "\n" + grammar);
    }
}

const std::string& template_of(unsigned variant) {
    const auto& templates = builtin_templates();
    return templates[variant % templates.size()].text;
}

// A stored conversation previous_response_id could name: our own output items.
const nlohmann::json& stored_conversation() {
    static const nlohmann::json items = nlohmann::json::parse(R"([
        {"type": "message", "role": "user", "content": "What is 2 + 3?"},
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "add them"}]},
        {"type": "function_call", "call_id": "call_1", "name": "add", "arguments": "{\"a\": 2, \"b\": 3}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "5"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "5"}]}])");
    return items;
}

// /api/generate as its route runs it without a model (http/ollama_routes.cpp, generate_text):
// images placed by [img-N], then the request's own template when it has one.
void prepare_generate(const OllamaGenerateRequest& request) {
    std::string prompt = request.prompt;
    for (size_t i = request.images.size(); i-- > 0;) {
        const std::string tag = "[img-" + std::to_string(i) + "]";
        if (prompt.find(tag) == std::string::npos) prompt = tag + prompt;
    }
    if (request.raw || !request.template_text) return;
    render_ollama_template(*request.template_text, request.system, prompt);
}

// Routes 0-9 and 11-19 above; 10 (the default) is the slot-file call.
constexpr unsigned kRoutes = 20;

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
        case 6: prepare_chat(parse_chat_request(parse_json_object(body), defaults, body), template_of(variant)); break;
        case 7: parse_openai_embedding_request(parse_json_object(body)); break;
        case 8: parse_lora_scales(parse_json_value(body), defaults.n_lora_adapters, ""); break;
        case 9: parse_props_update(parse_json_object(body), defaults); break;
        case 11:
        case 12: {
            const auto route_kind = route == 11 ? MessagesRoute::create : MessagesRoute::count_tokens;
            prepare_chat(parse_anthropic_messages(parse_json_object(body), defaults, route_kind), template_of(variant));
            break;
        }
        case 13:
        case 14: {  // /v1/responses, alone or after a stored response (previous_response_id)
            const nlohmann::json history = route == 14 ? stored_conversation() : nlohmann::json::array();
            const nlohmann::json request_body = parse_json_object(body);
            read_previous_response_id(request_body);
            try {
                prepare_chat(parse_responses_request(request_body, history, defaults, body).chat, template_of(variant));
            } catch (const ApiError& e) {
                throw as_responses_error(e);
            }
            break;
        }
        case 15: prepare_chat(parse_ollama_chat(parse_json_object(body), defaults, body), template_of(variant)); break;
        case 16: prepare_generate(parse_ollama_generate(parse_json_object(body), defaults, body)); break;
        case 17: parse_ollama_embed(parse_json_object(body), defaults.limits); break;
        case 18: parse_ollama_embeddings(parse_json_object(body)); break;
        case 19: parse_rerank_request(parse_json_object(body), defaults.limits); break;
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
    fuzz::expect_only([&] { parse_route(selector % kRoutes, selector / kRoutes, body); });
    return 0;
}
