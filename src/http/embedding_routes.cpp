// POST /embedding (the seed's shape) and POST /v1/embeddings (OpenAI's), in --embedding mode.
#include <chrono>
#include <variant>

#include "api/embedding_api.h"
#include "api/json_fields.h"
#include "http/image_prompt.h"
#include "http/openai_choices.h"

namespace cria {

namespace {

using json = nlohmann::json;

void require_embedding_mode(const ServerContext& context) {
    require_ready(context);
    if (!context.engine.info().embedding) {
        throw not_supported_error("This server does not support embeddings. Start it with `--embedding`.");
    }
}

// Tokenizes, submits and waits for one embedding per input, in order. Returns null if the
// client went away.
std::optional<std::vector<EmbeddingResult>> compute(ServerContext& context, const httplib::Request& req,
                                                    const EmbeddingRequest& request, const char* field) {
    const Vocabulary& vocabulary = context.engine.vocabulary();
    const EngineInfo& info = context.engine.info();
    std::vector<std::shared_ptr<Task>> tasks;
    auto cancel_all = [&] {
        for (auto& t : tasks) t->cancel();
    };
    for (const auto& input : request.inputs) {
        GenerationRequest g;
        if (request.images.empty()) {
            g.prompt = tokenize_prompt(input, vocabulary, field);
        } else {
            const auto parts = split_image_references(std::get<std::string>(input.front()), request.images, field);
            ImagePrompt prompt = tokenize_with_images(context, parts, request.images, /*add_bos=*/true);
            g.prompt = std::move(prompt.tokens);
            g.images = std::move(prompt.images);
        }
        const int32_t limit = std::min(info.n_ubatch, info.n_ctx_slot - 1);
        if (static_cast<int32_t>(g.prompt.size()) > limit) {
            cancel_all();
            throw invalid_request("an input is " + std::to_string(g.prompt.size()) + " tokens long; at most " +
                                      std::to_string(limit) + " fit one batch (raise --ubatch-size and --ctx-size)",
                                  field);
        }
        g.embed = true;
        g.cache_prompt = false;
        g.stop.n_predict = 0;
        auto task = context.engine.submit(std::move(g));
        if (!task) {
            cancel_all();
            throw unavailable_error("the server is shutting down");
        }
        tasks.push_back(std::move(task));
    }
    std::vector<EmbeddingResult> results;
    for (auto& task : tasks) {
        for (;;) {
            auto event = task->next_event(std::chrono::milliseconds(100));
            if (!event) {
                if (req.is_connection_closed()) {
                    cancel_all();
                    return std::nullopt;
                }
                continue;
            }
            if (auto* r = std::get_if<EmbeddingResult>(&*event)) {
                note_request_tokens(r->n_tokens, 0);
                results.push_back(std::move(*r));
                break;
            }
            if (const auto* f = std::get_if<TaskFailure>(&*event)) {
                cancel_all();
                throw task_failure_error(*f);
            }
        }
    }
    return results;
}

// One vector for a pooled input, or the per-token vectors when pooling is none.
json vectors_json(const EmbeddingResult& r) {
    if (r.vectors.size() == 1) return r.vectors[0];
    return r.vectors;
}

}  // namespace

void register_embedding_routes(Routes& routes, ServerContext& context) {
    auto native = [&context](const httplib::Request& req, httplib::Response& res) {
        try {
            require_embedding_mode(context);
            const EmbeddingRequest request = parse_native_embedding_request(parse_json_object(req.body));
            const auto results = compute(context, req, request, request.field);
            if (results) send_json(res, {{"embedding", vectors_json(results->front())}});
        } catch (const ApiError& e) {
            send_error(res, e);
        }
    };
    routes.Post("/embedding", native);
    routes.Post("/embeddings", native);

    routes.Post("/v1/embeddings", [&context](const httplib::Request& req, httplib::Response& res) {
        try {
            require_embedding_mode(context);
            const EmbeddingRequest request = parse_openai_embedding_request(parse_json_object(req.body));
            const auto results = compute(context, req, request, request.field);
            if (!results) return;
            json data = json::array();
            int64_t tokens = 0;
            for (size_t i = 0; i < results->size(); ++i) {
                const EmbeddingResult& r = (*results)[i];
                tokens += r.n_tokens;
                json vector = request.base64 && r.vectors.size() == 1 ? json(base64_floats(r.vectors[0])) : vectors_json(r);
                data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", std::move(vector)}});
            }
            send_json(res, {{"object", "list"},
                            {"data", data},
                            {"model", context.model_name},
                            {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
        } catch (const ApiError& e) {
            send_error(res, e);
        }
    });
}

}  // namespace cria
