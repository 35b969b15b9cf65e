#include "api/ollama_format.h"

#include <cmath>

#include "api/completion_response.h"
#include "api/ollama_models.h"
#include "api/tool_calls.h"

namespace cria {

namespace {

using json = nlohmann::json;

std::string line(const json& object) { return dump_json(object) + "\n"; }

int64_t nanoseconds(double ms) { return static_cast<int64_t>(std::llround(ms * 1e6)); }

// The one place an Ollama answer's parser is made, as the front end prepared it.
AnswerStream make_answer_stream(const OllamaAnswerContext& context) { return AnswerStream(context.answer); }

// Ollama's arguments are an object; text that is not one (a model's broken JSON) stays text.
json arguments_json(const std::string& text) {
    json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
    return parsed.is_object() ? parsed : json(text);
}

json one_call(const ToolCall& call, size_t index) {
    return {{"function", {{"index", index}, {"name", call.name}, {"arguments", arguments_json(call.arguments)}}}};
}

}  // namespace

OllamaAnswerFormat::OllamaAnswerFormat(OllamaAnswerContext context)
    : context_(std::move(context)), answer_(make_answer_stream(context_)) {}

json OllamaAnswerFormat::envelope() const { return {{"model", context_.model}, {"created_at", ollama_now()}}; }

json OllamaAnswerFormat::statistics(const CompletionResult& r) const {
    const auto total = std::chrono::steady_clock::now() - context_.started;
    return {{"done", true},
            {"done_reason", r.stop_reason == StopReason::limit ? "length" : "stop"},
            {"total_duration", std::chrono::duration_cast<std::chrono::nanoseconds>(total).count()},
            {"load_duration", 0},  // the model was loaded at start-up
            {"prompt_eval_count", r.n_prompt_tokens},
            {"prompt_eval_duration", nanoseconds(r.timings.prompt_ms)},
            {"eval_count", r.timings.predicted_n},
            {"eval_duration", nanoseconds(r.timings.predicted_ms)}};
}

json OllamaAnswerFormat::tool_calls_json(const std::vector<ToolCall>& calls) {
    json out = json::array();
    for (size_t i = 0; i < calls.size(); ++i) out.push_back(one_call(calls[i], i));
    return out;
}

std::string OllamaAnswerFormat::flush_call() {
    if (!open_call_) return "";
    const size_t index = *open_call_;
    open_call_.reset();
    return line(tool_call_piece(json::array({one_call(answer_.answer().tool_calls.at(index), index)})));
}

std::string OllamaAnswerFormat::lines_for(const std::vector<AnswerEvent>& events) {
    std::string out;
    for (const AnswerEvent& e : events) {
        switch (e.kind) {
            case AnswerEvent::Kind::content: out += line(piece(e.text, "")); break;
            case AnswerEvent::Kind::reasoning: out += line(piece("", e.text)); break;
            case AnswerEvent::Kind::tool_call_begin:
                out += flush_call();  // calls never interleave: the one before is whole
                open_call_ = e.tool_index;
                break;
            case AnswerEvent::Kind::tool_call_arguments: break;  // kept by the AnswerStream until whole
        }
    }
    return out;
}

std::string OllamaAnswerFormat::stream_token(size_t, const TokenChunk& chunk) { return lines_for(answer_.feed(chunk.text)); }

std::string OllamaAnswerFormat::stream_end(size_t, const GenerationRequest& request, const CompletionResult& result) {
    std::string out = lines_for(answer_.feed(result.unsent_text));
    out += lines_for(answer_.finish());
    out += flush_call();
    return out + line(final_object(request, result, nullptr));
}

std::string OllamaAnswerFormat::stream_failure(const ApiError& error) { return line({{"error", error.message}}); }

void OllamaAnswerFormat::take_result(size_t, const GenerationRequest& request, const CompletionResult& result) {
    answer_.feed(result.content);
    answer_.finish();
    request_ = request;
    result_ = result;
}

json OllamaAnswerFormat::whole_response() { return final_object(*request_, *result_, &answer_.answer()); }

// ---- chat ----

json OllamaChatFormat::piece(const std::string& content, const std::string& thinking) const {
    json message = {{"role", "assistant"}, {"content", content}};
    if (!thinking.empty()) message["thinking"] = thinking;
    json out = envelope();
    out["message"] = message;
    out["done"] = false;
    return out;
}

json OllamaChatFormat::tool_call_piece(const json& calls) const {
    json out = envelope();
    out["message"] = {{"role", "assistant"}, {"content", ""}, {"tool_calls", calls}};
    out["done"] = false;
    return out;
}

json OllamaChatFormat::final_object(const GenerationRequest&, const CompletionResult& result,
                                    const AssistantAnswer* whole) const {
    json message = {{"role", "assistant"}, {"content", whole ? whole->content : ""}};
    if (whole && !whole->reasoning_content.empty()) message["thinking"] = whole->reasoning_content;
    if (whole && !whole->tool_calls.empty()) message["tool_calls"] = tool_calls_json(whole->tool_calls);
    json out = envelope();
    out["message"] = message;
    out.update(statistics(result));
    return out;
}

// ---- generate ----

json OllamaGenerateFormat::piece(const std::string& content, const std::string& thinking) const {
    json out = envelope();
    out["response"] = content;
    if (!thinking.empty()) out["thinking"] = thinking;
    out["done"] = false;
    return out;
}

json OllamaGenerateFormat::tool_call_piece(const json&) const { return piece("", ""); }  // no tools on generate

json OllamaGenerateFormat::final_object(const GenerationRequest& request, const CompletionResult& result,
                                        const AssistantAnswer* whole) const {
    json out = envelope();
    out["response"] = whole ? whole->content : "";
    if (whole && !whole->reasoning_content.empty()) out["thinking"] = whole->reasoning_content;
    out.update(statistics(result));
    // The conversation so far as tokens, for the next request's `context`; not with images (their
    // positions are no tokens).
    if (with_context_ && request.images.empty()) {
        json context = json::array();
        for (const Token t : request.prompt) context.push_back(t);
        for (const Token t : result.tokens) context.push_back(t);
        out["context"] = context;
    }
    return out;
}

json ollama_load_answer(const std::string& model, bool chat, bool unload) {
    json out = {{"model", model}, {"created_at", ollama_now()}};
    if (chat) {
        out["message"] = {{"role", "assistant"}, {"content", ""}};
    } else {
        out["response"] = "";
    }
    out["done"] = true;
    out["done_reason"] = unload ? "unload" : "load";
    return out;
}

// ---- embeddings ----

std::vector<float> ollama_cut_vector(const std::vector<float>& vector, int32_t dimensions) {
    if (dimensions <= 0 || static_cast<size_t>(dimensions) >= vector.size()) return vector;
    std::vector<float> out(vector.begin(), vector.begin() + dimensions);
    double norm = 0;
    for (const float x : out) norm += static_cast<double>(x) * x;
    norm = std::sqrt(norm);
    if (norm > 0) {
        for (float& x : out) x = static_cast<float>(x / norm);
    }
    return out;
}

void OllamaEmbedFormat::take_embedding(size_t task, EmbeddingResult result) {
    if (results_.size() <= task) results_.resize(task + 1);
    results_[task] = std::move(result);
}

json OllamaEmbedFormat::whole_response() {
    json embeddings = json::array();
    int64_t tokens = 0;
    for (const auto& r : results_) {
        tokens += r.n_tokens;
        embeddings.push_back(r.vectors.empty() ? json::array() : json(ollama_cut_vector(r.vectors.front(), dimensions_)));
    }
    const auto total = std::chrono::steady_clock::now() - context_.started;
    return {{"model", context_.model},
            {"embeddings", embeddings},
            {"total_duration", std::chrono::duration_cast<std::chrono::nanoseconds>(total).count()},
            {"load_duration", 0},
            {"prompt_eval_count", tokens}};
}

json OllamaEmbeddingsFormat::whole_response() {
    return {{"embedding", result_.vectors.empty() ? json::array() : json(result_.vectors.front())}};
}

json ollama_error_json(const ApiError& error) { return {{"error", error.message}}; }

}  // namespace cria
