// OpenAI-compatible routes: GET /v1/models, POST /v1/completions.
#include <ctime>
#include <variant>

#include "api/json_fields.h"
#include "api/openai_completion.h"
#include "http/openai_choices.h"

namespace cria {

namespace {

using json = nlohmann::json;

json text_choice(const Choice& c, const std::string& text, const json& logprobs, const json& finish) {
    return {{"index", c.index}, {"text", text}, {"logprobs", logprobs}, {"finish_reason", finish}};
}

// The shapes of `text_completion` answers.
ChoiceFormat text_completion_format(const OpenAiCompletionRequest& request, const OpenAiEnvelope& envelope,
                                    const Vocabulary& vocabulary) {
    const bool echo = request.echo;
    const bool logprobs = request.logprobs >= 0;
    const Vocabulary* vocab = &vocabulary;
    ChoiceFormat f;
    f.envelope = [envelope](json choices, const json& usage) {
        return openai_completion_json(envelope, std::move(choices), usage);
    };
    auto one = [envelope](json choice) { return openai_completion_json(envelope, json::array({std::move(choice)})); };
    f.stream_start = [one, echo](const Choice& c) {
        return echo ? one(text_choice(c, c.prompt_text, nullptr, nullptr)) : json(nullptr);
    };
    f.stream_token = [one, logprobs, vocab](const Choice& c, const TokenChunk& chunk) {
        return one(text_choice(c, chunk.text, logprobs ? openai_logprobs_json(chunk.probabilities, *vocab, 0) : json(nullptr),
                               nullptr));
    };
    f.stream_end = [one](const Choice& c, const CompletionResult& r) {
        return one(text_choice(c, r.unsent_text, nullptr, finish_reason(r.stop_reason)));
    };
    f.whole_choice = [echo, logprobs, vocab](const Choice& c, const CompletionResult& r) {
        const std::string prefix = echo ? c.prompt_text : "";
        return text_choice(c, prefix + r.content,
                           logprobs ? openai_logprobs_json(r.probabilities, *vocab, prefix.size()) : json(nullptr),
                           finish_reason(r.stop_reason));
    };
    return f;
}

json models_json(const ServerContext& context) {
    const EngineInfo& info = context.engine.info();
    return {{"object", "list"},
            {"data", json::array({{{"id", context.model_name},
                                   {"object", "model"},
                                   {"created", static_cast<int64_t>(std::time(nullptr))},
                                   {"owned_by", "cria"},
                                   {"meta",
                                    {{"n_vocab", info.n_vocab},
                                     {"n_ctx_train", info.n_ctx_train},
                                     {"n_embd", info.n_embd},
                                     {"n_params", info.n_params},
                                     {"size", info.model_size}}}}})}};
}

void handle_completions(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const OpenAiCompletionRequest request =
        parse_openai_completion_request(parse_json_object(req.body), *context.completion_defaults.get(), req.body);
    const Vocabulary& vocabulary = context.engine.vocabulary();
    std::vector<GenerationRequest> generations;
    std::vector<std::string> texts;
    for (const auto& prompt : request.prompts) {
        std::vector<Token> own_prompt = tokenize_prompt(prompt, vocabulary);
        texts.push_back(prompt_as_text(prompt, own_prompt, vocabulary));
        generations.push_back(
            prepare_generation(context, request.options, with_system_prompt(context, request.options, std::move(own_prompt))));
    }
    const OpenAiEnvelope envelope{openai_id("cmpl-"), static_cast<int64_t>(std::time(nullptr)), context.model_name};
    std::vector<Choice> choices = submit_choices(context, generations, texts, request.n);
    ChoiceFormat format = text_completion_format(request, envelope, vocabulary);
    if (request.options.generation.stream) {
        respond_stream(res, std::move(choices), std::move(format), request.include_usage);
    } else {
        respond_whole(req, res, choices, format);
    }
}

}  // namespace

void register_openai_routes(Routes& routes, ServerContext& context) {
    auto models = [&context](const httplib::Request&, httplib::Response& res) {
        try {
            require_ready(context);
            send_json(res, models_json(context));
        } catch (const ApiError& e) {
            send_error(res, e);
        }
    };
    routes.Get("/v1/models", models);
    routes.Get("/models", models);

    routes.Post("/v1/completions", [&context](const httplib::Request& req, httplib::Response& res) {
        try {
            handle_completions(context, req, res);
        } catch (const ApiError& e) {
            send_error(res, e);
        }
    });
}

}  // namespace cria
