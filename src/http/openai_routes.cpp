// OpenAI-compatible routes: GET /v1/models, POST /v1/completions.
#include <chrono>
#include <ctime>
#include <memory>
#include <variant>

#include "api/completion_response.h"
#include "api/json_fields.h"
#include "api/openai_completion.h"
#include "http/server_context.h"

namespace cria {

namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

// One choice being generated: its task, and what the response needs besides the engine's result.
struct Choice {
    int32_t index = 0;
    std::shared_ptr<Task> task;
    std::string prompt_text;   // for echo
    int64_t prompt_tokens = 0;
    bool first_prompt_of_n = false;  // counts the prompt's tokens in usage once per prompt
};

ApiError failure_error(const TaskFailure& f) {
    return ApiError{f.http_status, f.http_status < 500 ? "invalid_request_error" : "server_error", f.message, ""};
}

void cancel_all(std::vector<Choice>& choices) {
    for (auto& c : choices) c.task->cancel();
}

json choice_json(const Choice& c, const std::string& text, const json& logprobs, const json& finish) {
    return {{"index", c.index}, {"text", text}, {"logprobs", logprobs}, {"finish_reason", finish}};
}

std::vector<Choice> submit_choices(ServerContext& context, const OpenAiCompletionRequest& request) {
    const Vocabulary& vocabulary = context.engine.vocabulary();
    std::vector<Choice> choices;
    int32_t index = 0;
    for (const auto& prompt : request.prompts) {
        const std::vector<Token> tokens = tokenize_prompt(prompt, vocabulary);
        const GenerationRequest generation = prepare_generation(context, request.options, tokens);
        for (int32_t k = 0; k < request.n; ++k) {
            GenerationRequest g = generation;
            // n choices of one seeded request must still differ from each other.
            if (g.sampling.seed != kRandomSeed) g.sampling.seed += static_cast<uint32_t>(k);
            Choice c;
            c.index = index++;
            c.prompt_text = prompt.size() == 1 && std::holds_alternative<std::string>(prompt[0])
                                ? std::get<std::string>(prompt[0])
                                : vocabulary.detokenize(tokens);
            c.prompt_tokens = static_cast<int64_t>(tokens.size());
            c.first_prompt_of_n = k == 0;
            c.task = context.engine.submit(std::move(g));
            if (!c.task) {
                cancel_all(choices);
                throw unavailable_error("the server is shutting down");
            }
            choices.push_back(std::move(c));
        }
    }
    return choices;
}

void respond_whole(ServerContext& context, const httplib::Request& req, httplib::Response& res,
                   const OpenAiCompletionRequest& request, std::vector<Choice>& choices, const OpenAiEnvelope& envelope) {
    const Vocabulary& vocabulary = context.engine.vocabulary();
    json out = json::array();
    int64_t prompt_tokens = 0, completion_tokens = 0;
    for (auto& c : choices) {
        for (;;) {
            auto event = c.task->next_event(milliseconds(100));
            if (!event) {
                if (req.is_connection_closed()) return cancel_all(choices);
                continue;
            }
            if (const auto* failure = std::get_if<TaskFailure>(&*event)) {
                cancel_all(choices);
                return send_error(res, failure_error(*failure));
            }
            if (const auto* r = std::get_if<CompletionResult>(&*event)) {
                const std::string prefix = request.echo ? c.prompt_text : "";
                const json logprobs = request.logprobs >= 0 ? openai_logprobs_json(r->probabilities, vocabulary, prefix.size())
                                                            : json(nullptr);
                out.push_back(choice_json(c, prefix + r->content, logprobs, finish_reason(r->stop_reason)));
                if (c.first_prompt_of_n) prompt_tokens += c.prompt_tokens;
                completion_tokens += r->timings.predicted_n;
                break;
            }
        }
    }
    send_json(res, openai_completion_json(envelope, out, openai_usage_json(prompt_tokens, completion_tokens)));
}

void respond_stream(ServerContext& context, httplib::Response& res, const OpenAiCompletionRequest& request,
                    std::vector<Choice> submitted, const OpenAiEnvelope& envelope) {
    res.set_header("Cache-Control", "no-cache");
    const Vocabulary* vocabulary = &context.engine.vocabulary();
    auto state = std::make_shared<std::vector<Choice>>(std::move(submitted));
    res.set_chunked_content_provider(
        "text/event-stream",
        [state, request, envelope, vocabulary](size_t, httplib::DataSink& sink) {
            auto write = [&](const json& payload) {
                const std::string data = sse_event(payload);
                return sink.write(data.data(), data.size());
            };
            auto& choices = *state;
            if (request.echo) {
                for (const auto& c : choices) {
                    if (!write(openai_completion_json(envelope, json::array({choice_json(c, c.prompt_text, nullptr, nullptr)})))) {
                        cancel_all(choices);
                        return false;
                    }
                }
            }
            std::vector<bool> done(choices.size(), false);
            size_t remaining = choices.size();
            int64_t prompt_tokens = 0, completion_tokens = 0;
            // Round robin over the choices; each wait is short so no choice starves the others.
            const milliseconds slice(std::max<int64_t>(1, 100 / static_cast<int64_t>(choices.size())));
            while (remaining > 0) {
                bool any = false;
                for (size_t i = 0; i < choices.size(); ++i) {
                    if (done[i]) continue;
                    auto event = choices[i].task->next_event(slice);
                    if (!event) continue;
                    any = true;
                    const Choice& c = choices[i];
                    bool ok = true;
                    if (const auto* chunk = std::get_if<TokenChunk>(&*event)) {
                        const json logprobs = request.logprobs >= 0 ? openai_logprobs_json(chunk->probabilities, *vocabulary, 0)
                                                                    : json(nullptr);
                        ok = write(openai_completion_json(envelope, json::array({choice_json(c, chunk->text, logprobs, nullptr)})));
                    } else if (const auto* r = std::get_if<CompletionResult>(&*event)) {
                        ok = write(openai_completion_json(
                            envelope, json::array({choice_json(c, r->unsent_text, nullptr, finish_reason(r->stop_reason))})));
                        if (c.first_prompt_of_n) prompt_tokens += c.prompt_tokens;
                        completion_tokens += r->timings.predicted_n;
                        done[i] = true;
                        --remaining;
                    } else {
                        const auto& failure = std::get<TaskFailure>(*event);
                        write(failure_error(failure).to_json());
                        cancel_all(choices);
                        sink.done();
                        return true;
                    }
                    if (!ok) {
                        cancel_all(choices);
                        return false;
                    }
                }
                if (!any && !sink.is_writable()) {
                    cancel_all(choices);
                    return false;
                }
            }
            if (request.include_usage) {
                write(openai_completion_json(envelope, json::array(), openai_usage_json(prompt_tokens, completion_tokens)));
            }
            const std::string done_line = "data: [DONE]\n\n";
            sink.write(done_line.data(), done_line.size());
            sink.done();
            return true;
        },
        [state](bool) { cancel_all(*state); });
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

}  // namespace

void register_openai_routes(httplib::Server& server, ServerContext& context) {
    auto models = [&context](const httplib::Request&, httplib::Response& res) {
        try {
            require_ready(context);
            send_json(res, models_json(context));
        } catch (const ApiError& e) {
            send_error(res, e);
        }
    };
    server.Get("/v1/models", models);
    server.Get("/models", models);

    server.Post("/v1/completions", [&context](const httplib::Request& req, httplib::Response& res) {
        try {
            require_ready(context);
            const OpenAiCompletionRequest request =
                parse_openai_completion_request(parse_json_object(req.body), context.completion_defaults, req.body);
            const OpenAiEnvelope envelope{openai_id("cmpl-"), static_cast<int64_t>(std::time(nullptr)), context.model_name};
            std::vector<Choice> choices = submit_choices(context, request);
            if (request.options.generation.stream) {
                respond_stream(context, res, request, std::move(choices), envelope);
            } else {
                respond_whole(context, req, res, request, choices, envelope);
            }
        } catch (const ApiError& e) {
            send_error(res, e);
        }
    });
}

}  // namespace cria
