// POST /completion (and /completions): one prompt in, generated text out, whole or streamed as
// server-sent events.
#include <chrono>
#include <memory>
#include <variant>

#include "api/completion_response.h"
#include "api/gbnf_check.h"
#include "api/json_fields.h"
#include "http/image_prompt.h"
#include "http/server_context.h"

namespace cria {

namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

// How often a waiting handler checks whether its client is still there.
constexpr milliseconds kClientCheckInterval{100};

void stream_response(httplib::Response& res, std::shared_ptr<Task> task, ResponseContext response_context) {
    send_event_stream(
        res,
        [task, response_context](size_t, httplib::DataSink& sink) {
            for (;;) {
                auto event = task->next_event(kClientCheckInterval);
                if (!event) {
                    if (!sink.is_writable()) break;  // client gone while nothing was generated
                    continue;
                }
                if (const auto* chunk = std::get_if<TokenChunk>(&*event)) {
                    const std::string data = sse_event(stream_chunk_json(*chunk, response_context));
                    if (!sink.write(data.data(), data.size())) break;
                    continue;
                }
                std::string data;
                if (const auto* result = std::get_if<CompletionResult>(&*event)) {
                    note_request_tokens(result->n_prompt_tokens, result->timings.predicted_n);
                    data = sse_event(completion_json(*result, task->request(), response_context, /*stream_final=*/true));
                } else {
                    data = sse_event(task_failure_error(std::get<TaskFailure>(*event)).to_json());
                }
                sink.write(data.data(), data.size());
                sink.done();
                return true;
            }
            task->cancel();  // frees the slot at the engine's next step
            return false;
        },
        [task](bool) { task->cancel(); });
}

void wait_and_respond(const httplib::Request& req, httplib::Response& res, const std::shared_ptr<Task>& task,
                      const ResponseContext& response_context) {
    for (;;) {
        auto event = task->next_event(kClientCheckInterval);
        if (!event) {
            if (req.is_connection_closed()) {
                task->cancel();
                return;
            }
            continue;
        }
        if (const auto* result = std::get_if<CompletionResult>(&*event)) {
            note_request_tokens(result->n_prompt_tokens, result->timings.predicted_n);
            send_json(res, completion_json(*result, task->request(), response_context));
            return;
        }
        if (const auto* failure = std::get_if<TaskFailure>(&*event)) {
            send_error(res, task_failure_error(*failure));
            return;
        }
        // TokenChunks only come for streaming requests; nothing to do with one here.
    }
}

}  // namespace

GenerationRequest prepare_generation(const ServerContext& context, const CompletionRequest& parsed,
                                     std::vector<Token> prompt) {
    if (context.engine.info().embedding) {
        // The context outputs embeddings, not logits: there is nothing to sample from.
        throw not_supported_error("This server runs in embedding mode (--embedding): it does not generate text.");
    }
    const Vocabulary& vocabulary = context.engine.vocabulary();
    const int32_t n_ctx_slot = context.engine.info().n_ctx_slot;
    GenerationRequest generation = parsed.generation;
    generation.prompt = std::move(prompt);
    generation.sampling.logit_bias = resolve_logit_bias(parsed.logit_bias, vocabulary);
    if (parsed.penalty_prompt) {
        // Text given here is what the penalties compare against, not a prompt: no BOS.
        generation.sampling.penalty_prompt = tokenize_parts(*parsed.penalty_prompt, vocabulary, "penalty_prompt", false);
    }
    if (!generation.sampling.grammar.empty()) {
        // Our checker says where a grammar is wrong; libllama's parser, which only says that it
        // is, stays the final word.
        std::string where = gbnf_syntax_error(generation.sampling.grammar);
        if (where.empty() && !vocabulary.grammar_parses(generation.sampling.grammar)) where = "not valid GBNF";
        if (!where.empty()) {
            const char* field = parsed.grammar_from_schema ? "json_schema" : "grammar";
            throw invalid_request(std::string("Failed to parse grammar ('") + field + "'): " + where, field);
        }
    }
    if (static_cast<int32_t>(generation.prompt.size()) >= n_ctx_slot) {
        throw invalid_request("the prompt is " + std::to_string(generation.prompt.size()) +
                                  " tokens long, but a slot's context holds " + std::to_string(n_ctx_slot) +
                                  " tokens; shorten the prompt or start the server with a larger --ctx-size",
                              "prompt");
    }
    return generation;
}

std::vector<Token> with_system_prompt(ServerContext& context, const CompletionRequest& parsed,
                                      std::vector<Token> prompt) {
    const Vocabulary& vocabulary = context.engine.vocabulary();
    if (parsed.system_prompt) context.system_prompt.set(*parsed.system_prompt, vocabulary);
    const auto active = context.system_prompt.get();
    if (active->tokens.empty()) return prompt;
    std::vector<Token> joined = active->tokens;
    // The system prompt already starts the sequence (with its BOS): the prompt's own BOS goes.
    const bool own_bos = vocabulary.adds_bos() && !prompt.empty() && prompt.front() == vocabulary.bos();
    joined.insert(joined.end(), prompt.begin() + (own_bos ? 1 : 0), prompt.end());
    return joined;
}

void run_native_completion(ServerContext& context, const httplib::Request& req, httplib::Response& res,
                           GenerationRequest generation, std::string prompt_text) {
    const ResponseContext response_context{context.model_name, context.engine.info().n_ctx_slot, std::move(prompt_text),
                                           &context.engine.vocabulary()};
    std::shared_ptr<Task> task = context.engine.submit(std::move(generation));
    if (!task) throw unavailable_error("the server is shutting down");
    if (task->request().stream) {
        stream_response(res, task, response_context);
    } else {
        wait_and_respond(req, res, task, response_context);
    }
}

namespace {

void handle_completion(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
    require_ready(context);
    const CompletionRequest parsed = parse_completion_request(parse_json_object(req.body), *context.completion_defaults.get(),
                                                              req.body, /*accept_image_data=*/true);
    const Vocabulary& vocabulary = context.engine.vocabulary();
    std::vector<Token> own_prompt;
    std::vector<PromptImage> images;
    if (parsed.images.empty()) {
        own_prompt = tokenize_prompt(parsed.prompt, vocabulary);
    } else {
        // The images go where the prompt says [img-N]; the prompt is then one string.
        if (parsed.prompt.size() != 1 || !std::holds_alternative<std::string>(parsed.prompt.front())) {
            throw invalid_request("with 'image_data', 'prompt' must be a string that places the images with [img-N]",
                                  "prompt");
        }
        const auto parts = split_image_references(std::get<std::string>(parsed.prompt.front()), parsed.images, "prompt");
        ImagePrompt prompt = tokenize_with_images(context, parts, parsed.images, /*add_bos=*/true);
        own_prompt = std::move(prompt.tokens);
        images = std::move(prompt.images);
    }
    std::string prompt_text = prompt_as_text(parsed.prompt, own_prompt, vocabulary);
    const size_t own_size = own_prompt.size();
    std::vector<Token> full_prompt = with_system_prompt(context, parsed, std::move(own_prompt));
    // A system prompt goes before (taking the place of the prompt's own BOS): images move with the text.
    for (auto& image : images) image.position = image.position + full_prompt.size() - own_size;
    GenerationRequest generation = prepare_generation(context, parsed, std::move(full_prompt));
    generation.images = std::move(images);
    run_native_completion(context, req, res, std::move(generation), std::move(prompt_text));
}

}  // namespace

void register_completion_routes(Routes& routes, ServerContext& context) {
    auto handler = [&context](const httplib::Request& req, httplib::Response& res) {
        try {
            handle_completion(context, req, res);
        } catch (const ApiError& e) {
            send_error(res, e);
        }
    };
    routes.Post("/completion", handler);
    routes.Post("/completions", handler);
}

}  // namespace cria
