// POST /v1/chat/completions (and /chat/completions), POST /apply-template.
#include <ctime>

#include "api/json_fields.h"
#include "api/openai_chat.h"
#include "api/openai_completion.h"
#include "http/openai_choices.h"
#include "template/chat_template.h"

namespace cria {

namespace {

using json = nlohmann::json;

// The conversation as the model's chat template writes it (ChatML if the model has none).
std::string render_conversation(const ServerContext& context, const json& messages) {
    const Vocabulary& vocabulary = context.engine.vocabulary();
    // --chat-template / --chat-template-file, else the model's own, else ChatML.
    const std::string& chosen = context.options.chat_template;
    const std::string& model_template = context.engine.info().chat_template;
    const std::string& source = chosen == "chatml"  ? chatml_template()
                                : !chosen.empty()   ? chosen
                                : !model_template.empty() ? model_template
                                                          : chatml_template();
    const json extra = {{"bos_token", vocabulary.piece(vocabulary.bos(), true)},
                        {"eos_token", vocabulary.piece(vocabulary.eos(), true)}};
    try {
        return render_chat(source, messages, true, extra);
    } catch (const jinja::TemplateError& e) {
        // raise_exception() in a template is how it refuses a conversation (e.g. roles that do
        // not alternate): that is the client's request, not a server fault.
        throw invalid_request(std::string("the chat template refused the messages: ") + e.what(), "messages");
    }
}

std::vector<Token> tokenize_conversation(const Vocabulary& vocabulary, const std::string& text) {
    // Templates that write the BOS token themselves must not get a second one.
    const std::string bos = vocabulary.piece(vocabulary.bos(), true);
    const bool has_bos = !bos.empty() && text.compare(0, bos.size(), bos) == 0;
    return vocabulary.tokenize(text, /*add_special=*/!has_bos, /*parse_special=*/true);
}

ChoiceFormat chat_format(const ChatRequest& request, const OpenAiEnvelope& envelope, const Vocabulary& vocabulary) {
    const bool logprobs = request.logprobs;
    const Vocabulary* vocab = &vocabulary;
    ChoiceFormat f;
    auto wrap = [envelope](const char* object, json choices, const json& usage) {
        json body = {{"id", envelope.id},           {"object", object}, {"created", envelope.created},
                     {"model", envelope.model},     {"system_fingerprint", "cria"}, {"choices", std::move(choices)}};
        if (!usage.is_null()) body["usage"] = usage;
        return body;
    };
    auto chunk = [wrap](const Choice& c, json delta, const json& lp, const json& finish) {
        return wrap("chat.completion.chunk",
                    json::array({{{"index", c.index}, {"delta", std::move(delta)}, {"logprobs", lp}, {"finish_reason", finish}}}),
                    nullptr);
    };
    f.envelope = [wrap](json choices, const json& usage) {
        // Empty choices: the stream's usage chunk.
        const char* object = choices.empty() ? "chat.completion.chunk" : "chat.completion";
        return wrap(object, std::move(choices), usage);
    };
    f.stream_start = [chunk](const Choice& c) { return chunk(c, {{"role", "assistant"}, {"content", ""}}, nullptr, nullptr); };
    f.stream_token = [chunk, logprobs, vocab](const Choice& c, const TokenChunk& t) {
        if (t.text.empty() && !logprobs) return json(nullptr);
        return chunk(c, {{"content", t.text}}, logprobs ? chat_logprobs_json(t.probabilities, *vocab) : json(nullptr), nullptr);
    };
    f.stream_end = [chunk](const Choice& c, const CompletionResult& r) {
        json delta = r.unsent_text.empty() ? json::object() : json{{"content", r.unsent_text}};
        return chunk(c, std::move(delta), nullptr, finish_reason(r.stop_reason));
    };
    f.whole_choice = [logprobs, vocab](const Choice& c, const CompletionResult& r) {
        return json{{"index", c.index},
                    {"message", {{"role", "assistant"}, {"content", r.content}}},
                    {"logprobs", logprobs ? chat_logprobs_json(r.probabilities, *vocab) : json(nullptr)},
                    {"finish_reason", finish_reason(r.stop_reason)}};
    };
    return f;
}

void handle_chat(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const ChatRequest request = parse_chat_request(parse_json_object(req.body), context.completion_defaults, req.body);
    const Vocabulary& vocabulary = context.engine.vocabulary();
    const std::string prompt_text = render_conversation(context, request.messages);
    GenerationRequest generation = prepare_generation(context, request.options, tokenize_conversation(vocabulary, prompt_text));
    if (!request.max_tokens_given && generation.stop.n_predict < 0) {
        // OpenAI's default: as much as the context holds, then finish_reason "length".
        generation.stop.n_predict = context.engine.info().n_ctx_slot - static_cast<int32_t>(generation.prompt.size());
    }
    const OpenAiEnvelope envelope{openai_id("chatcmpl-"), static_cast<int64_t>(std::time(nullptr)), context.model_name};
    std::vector<Choice> choices = submit_choices(context, {generation}, {prompt_text}, request.n);
    ChoiceFormat format = chat_format(request, envelope, vocabulary);
    if (request.options.generation.stream) {
        respond_stream(res, std::move(choices), std::move(format), request.include_usage);
    } else {
        respond_whole(req, res, choices, format);
    }
}

}  // namespace

void register_chat_routes(httplib::Server& server, ServerContext& context) {
    auto chat = [&context](const httplib::Request& req, httplib::Response& res) {
        try {
            handle_chat(context, req, res);
        } catch (const ApiError& e) {
            send_error(res, e);
        }
    };
    server.Post("/v1/chat/completions", chat);
    server.Post("/chat/completions", chat);

    server.Post("/apply-template", [&context](const httplib::Request& req, httplib::Response& res) {
        try {
            require_ready(context);
            const ChatRequest request = parse_chat_request(parse_json_object(req.body), context.completion_defaults);
            send_json(res, {{"prompt", render_conversation(context, request.messages)}});
        } catch (const ApiError& e) {
            send_error(res, e);
        }
    });
}

}  // namespace cria
