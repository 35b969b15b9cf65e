// Ollama's answers as ResultFormatters: /api/chat and /api/generate streamed as NDJSON (one JSON
// object per line, the last with done: true and the timings in nanoseconds) or whole, and the
// /api/embed, /api/embeddings answers.
//
// The model's chat answer is read only through AnswerStream (api/answer_stream.h): content goes to
// message.content (generate: response), reasoning to message.thinking (generate: thinking), and
// each tool call to message.tool_calls once whole (Ollama sends whole calls, arguments as an
// object): when the next call begins, or at the end.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/answer_stream.h"
#include "api/result_format.h"

namespace cria {

// What every Ollama answer repeats or needs to know.
struct OllamaAnswerContext {
    std::string model;  // the name the request used
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    AnswerOptions answer;  // how the answer is read: the chat's PreparedRequest::answer (default: plain text)
};

// Shared by chat and generate: one task, its AnswerStream, NDJSON framing, the closing statistics.
class OllamaAnswerFormat : public ResultFormatter {
public:
    const char* stream_content_type() const override { return "application/x-ndjson"; }
    // NDJSON has no comment lines: every line is an object its clients parse, so no pings.
    std::string stream_keepalive() const override { return {}; }
    std::string stream_token(size_t task, const TokenChunk& chunk) override;
    std::string stream_end(size_t task, const GenerationRequest& request, const CompletionResult& result) override;
    std::string stream_failure(const ApiError& error) override;  // {"error": "..."} as one line
    void take_result(size_t task, const GenerationRequest& request, const CompletionResult& result) override;
    nlohmann::json whole_response() override;

protected:
    explicit OllamaAnswerFormat(OllamaAnswerContext context);

    // A streamed piece: content / reasoning text, or a whole tool call.
    virtual nlohmann::json piece(const std::string& content, const std::string& thinking) const = 0;
    virtual nlohmann::json tool_call_piece(const nlohmann::json& call) const = 0;
    // The last object (done: true): stream_end's, with nothing more to say, or the whole answer.
    virtual nlohmann::json final_object(const GenerationRequest& request, const CompletionResult& result,
                                        const AssistantAnswer* whole) const = 0;

    nlohmann::json envelope() const;  // {"model", "created_at"}
    nlohmann::json statistics(const CompletionResult& result) const;  // done, done_reason, durations, counts
    static nlohmann::json tool_calls_json(const std::vector<ToolCall>& calls);

    const OllamaAnswerContext context_;

private:
    std::string lines_for(const std::vector<AnswerEvent>& events);
    std::string flush_call();

    AnswerStream answer_;
    std::optional<size_t> open_call_;  // the tool call being read; sent once whole
    std::optional<GenerationRequest> request_;  // whole answers: the task's request and result
    std::optional<CompletionResult> result_;
};

class OllamaChatFormat final : public OllamaAnswerFormat {
public:
    explicit OllamaChatFormat(OllamaAnswerContext context) : OllamaAnswerFormat(std::move(context)) {}

private:
    nlohmann::json piece(const std::string& content, const std::string& thinking) const override;
    nlohmann::json tool_call_piece(const nlohmann::json& call) const override;
    nlohmann::json final_object(const GenerationRequest& request, const CompletionResult& result,
                                const AssistantAnswer* whole) const override;
};

class OllamaGenerateFormat final : public OllamaAnswerFormat {
public:
    // `with_context`: the final object carries `context` (prompt and answer tokens); not in raw mode.
    OllamaGenerateFormat(OllamaAnswerContext context, bool with_context)
        : OllamaAnswerFormat(std::move(context)), with_context_(with_context) {}

private:
    nlohmann::json piece(const std::string& content, const std::string& thinking) const override;
    nlohmann::json tool_call_piece(const nlohmann::json& call) const override;
    nlohmann::json final_object(const GenerationRequest& request, const CompletionResult& result,
                                const AssistantAnswer* whole) const override;

    bool with_context_ = false;
};

// The answer to an empty prompt / no messages: Ollama's "load" (or, with keep_alive 0, "unload").
// Ollama's error body: {"error": "message"} (the status carries the rest).
nlohmann::json ollama_error_json(const ApiError& error);

nlohmann::json ollama_load_answer(const std::string& model, bool chat, bool unload);

// /api/embed: {"model", "embeddings": [[...]], "total_duration", "load_duration", "prompt_eval_count"};
// `dimensions` > 0 keeps that many values of each vector, renormalized.
class OllamaEmbedFormat final : public ResultFormatter {
public:
    OllamaEmbedFormat(OllamaAnswerContext context, int32_t dimensions) : context_(std::move(context)), dimensions_(dimensions) {}
    std::string stream_token(size_t, const TokenChunk&) override { return {}; }
    std::string stream_end(size_t, const GenerationRequest&, const CompletionResult&) override { return {}; }
    void take_result(size_t, const GenerationRequest&, const CompletionResult&) override {}
    void take_embedding(size_t task, EmbeddingResult result) override;
    nlohmann::json whole_response() override;

private:
    const OllamaAnswerContext context_;
    const int32_t dimensions_;
    std::vector<EmbeddingResult> results_;
};

// /api/embeddings: {"embedding": [...]} of its one prompt.
class OllamaEmbeddingsFormat final : public ResultFormatter {
public:
    std::string stream_token(size_t, const TokenChunk&) override { return {}; }
    std::string stream_end(size_t, const GenerationRequest&, const CompletionResult&) override { return {}; }
    void take_result(size_t, const GenerationRequest&, const CompletionResult&) override {}
    void take_embedding(size_t, EmbeddingResult result) override { result_ = std::move(result); }
    nlohmann::json whole_response() override;

private:
    EmbeddingResult result_;
};

// Keeps the first `dimensions` values (0: all) and scales them back to unit length.
std::vector<float> ollama_cut_vector(const std::vector<float>& vector, int32_t dimensions);

}  // namespace cria
