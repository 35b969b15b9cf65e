// POST /v1/chat/completions (and /chat/completions), POST /apply-template.
#include <ctime>

#include "api/json_fields.h"
#include "api/openai_chat.h"
#include "api/openai_completion.h"
#include "api/tool_calls.h"
#include "http/image_prompt.h"
#include "http/openai_choices.h"
#include "template/builtin_templates.h"
#include "template/chat_template.h"

namespace cria {

namespace {

using json = nlohmann::json;

// The chat template in effect: --chat-template / --chat-template-file, else the model's own,
// else ChatML.
const std::string& chat_template_source(const ServerContext& context) {
    const std::string& chosen = context.options.chat_template;
    const std::string& model_template = context.engine.info().chat_template;
    if (const std::string* named = builtin_template(chosen)) return *named;
    if (!chosen.empty()) return chosen;
    return model_template.empty() ? chatml_template() : model_template;
}

// The conversation as the chat template writes it, with the tools offered (if any).
std::string render_conversation(const ServerContext& context, const json& messages, const json& tools) {
    const Vocabulary& vocabulary = context.engine.vocabulary();
    json extra = {{"bos_token", vocabulary.piece(vocabulary.bos(), true)},
                  {"eos_token", vocabulary.piece(vocabulary.eos(), true)}};
    if (!tools.empty()) extra["tools"] = tools;
    try {
        return render_chat(chat_template_source(context), messages, true, extra);
    } catch (const jinja::TemplateError& e) {
        // raise_exception() in a template is how it refuses a conversation (e.g. roles that do
        // not alternate): that is the client's request, not a server fault.
        throw invalid_request(std::string("the chat template refused the messages: ") + e.what(), "messages");
    }
}

// The rendered conversation's tokens; image parts become the images' positions.
ImagePrompt tokenize_conversation(const ServerContext& context, const std::string& text,
                                  const std::vector<ImageFile>& images) {
    // Templates that write the BOS token themselves must not get a second one.
    const Vocabulary& vocabulary = context.engine.vocabulary();
    const std::string bos = vocabulary.piece(vocabulary.bos(), true);
    const bool has_bos = !bos.empty() && text.compare(0, bos.size(), bos) == 0;
    if (images.empty()) return {vocabulary.tokenize(text, /*add_special=*/!has_bos, /*parse_special=*/true), {}};
    return tokenize_with_images(context, split_image_markers(text, images.size(), "messages"), images, !has_bos);
}

// The assistant message for a finished answer: content, reasoning_content, tool_calls.
json assistant_message(const std::string& text, bool tools_offered, bool* has_tool_calls) {
    const AssistantAnswer answer = parse_assistant_answer(text, tools_offered);
    json message = {{"role", "assistant"}, {"content", answer.content}};
    if (!answer.reasoning_content.empty()) message["reasoning_content"] = answer.reasoning_content;
    *has_tool_calls = !answer.tool_calls.empty();
    if (*has_tool_calls) {
        json calls = json::array();
        for (const auto& c : answer.tool_calls) {
            calls.push_back({{"id", openai_id("call_")},
                             {"type", "function"},
                             {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
        }
        message["tool_calls"] = calls;
        if (answer.content.empty()) message["content"] = nullptr;
    }
    return message;
}

ChoiceFormat chat_format(const ChatRequest& request, const OpenAiEnvelope& envelope, const Vocabulary& vocabulary) {
    const bool logprobs = request.logprobs;
    const bool tools = request.offers_tools();
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
    f.stream_token = [chunk, logprobs, vocab, tools](const Choice& c, const TokenChunk& t) {
        // With tools offered, the answer is held back: only the whole of it says whether it is a
        // tool call or text.
        if (tools || (t.text.empty() && !logprobs)) return json(nullptr);
        return chunk(c, {{"content", t.text}}, logprobs ? chat_logprobs_json(t.probabilities, *vocab) : json(nullptr), nullptr);
    };
    f.stream_end = [chunk, tools](const Choice& c, const CompletionResult& r) {
        if (tools) {
            bool calls = false;
            json message = assistant_message(r.content, true, &calls);
            json delta = json::object();
            if (calls) {
                json indexed = message["tool_calls"];
                for (size_t i = 0; i < indexed.size(); ++i) indexed[i]["index"] = i;
                delta["tool_calls"] = indexed;
            } else if (!message["content"].is_null() && !message["content"].get<std::string>().empty()) {
                delta["content"] = message["content"];
            }
            return chunk(c, std::move(delta), nullptr, calls ? "tool_calls" : finish_reason(r.stop_reason));
        }
        json delta = r.unsent_text.empty() ? json::object() : json{{"content", r.unsent_text}};
        return chunk(c, std::move(delta), nullptr, finish_reason(r.stop_reason));
    };
    f.whole_choice = [logprobs, vocab, tools](const Choice& c, const CompletionResult& r) {
        bool calls = false;
        json message = assistant_message(r.content, tools, &calls);
        return json{{"index", c.index},
                    {"message", std::move(message)},
                    {"logprobs", logprobs ? chat_logprobs_json(r.probabilities, *vocab) : json(nullptr)},
                    {"finish_reason", calls ? "tool_calls" : finish_reason(r.stop_reason)}};
    };
    return f;
}

void handle_chat(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const ChatRequest request = parse_chat_request(parse_json_object(req.body), *context.completion_defaults.get(), req.body);
    const Vocabulary& vocabulary = context.engine.vocabulary();
    const std::string prompt_text = render_conversation(context, request.messages, request.offers_tools() ? request.tools : json::array());
    CompletionRequest options = request.options;
    if (request.force_tool_call()) {
        // "required" or a named function: a grammar in the template's tool-call format.
        const std::string only = request.tool_choice == "required" ? std::string() : request.tool_choice;
        options.generation.sampling.grammar =
            tool_call_grammar(request.tools, only, tool_format_for_template(chat_template_source(context)));
    }
    ImagePrompt prompt = tokenize_conversation(context, prompt_text, request.images);
    GenerationRequest generation = prepare_generation(context, options, std::move(prompt.tokens));
    generation.images = std::move(prompt.images);
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

void register_chat_routes(Routes& routes, ServerContext& context) {
    auto chat = [&context](const httplib::Request& req, httplib::Response& res) {
        try {
            handle_chat(context, req, res);
        } catch (const ApiError& e) {
            send_error(res, e);
        }
    };
    routes.Post("/v1/chat/completions", chat);
    routes.Post("/chat/completions", chat);

    routes.Post("/apply-template", [&context](const httplib::Request& req, httplib::Response& res) {
        try {
            require_ready(context);
            const ChatRequest request = parse_chat_request(parse_json_object(req.body), *context.completion_defaults.get());
            send_json(res, {{"prompt", render_conversation(context, request.messages,
                                                          request.offers_tools() ? request.tools : json::array())}});
        } catch (const ApiError& e) {
            send_error(res, e);
        }
    });
}

}  // namespace cria
