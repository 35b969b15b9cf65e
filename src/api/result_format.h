// ResultFormatter: how one API dialect turns the events of a request's engine tasks into its
// response. The result stream (http/result_stream.h) owns the waiting, the client checks and the
// cancelling; a formatter only shapes text, so a new dialect is one formatter file.
//
// Tasks are numbered 0 .. n-1 in the order they were submitted. For one task the stream calls
// stream_token() for each TokenChunk and then stream_end() (streaming), or take_result() /
// take_embedding() (whole response); tasks interleave. Whole responses are built by
// whole_response() once every task has finished. A failure of any task ends the response with the
// error instead (stream_failure(), or an error response), and no other call follows.
//
// Streaming methods return the exact bytes to send (SSE events, "" for nothing), so a dialect
// chooses its framing. A formatter is used by one thread at a time.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "engine/generation_request.h"
#include "engine/task.h"

namespace cria {

class ResultFormatter {
public:
    virtual ~ResultFormatter() = default;

    // Streaming.
    virtual std::string stream_opening() { return {}; }  // before any event
    virtual std::string stream_token(size_t task, const TokenChunk& chunk) = 0;
    // `request` is the task's request as the engine ran it.
    virtual std::string stream_end(size_t task, const GenerationRequest& request, const CompletionResult& result) = 0;
    virtual std::string stream_closing() { return {}; }  // after every task finished
    virtual std::string stream_failure(const ApiError& error);  // default: one SSE event, the error's JSON
    virtual const char* stream_content_type() const { return "text/event-stream"; }  // the stream's framing
    // What an open stream sends after --sse-ping-interval seconds with nothing written, so that
    // clients and proxies keep it open ("" = nothing; a framing without comments must not ping).
    // Default: an empty SSE comment line, which every SSE reader skips (what llama-server sends).
    virtual std::string stream_keepalive() const { return ":\n\n"; }

    // Whole response.
    virtual void take_result(size_t task, const GenerationRequest& request, const CompletionResult& result) = 0;
    virtual void take_embedding(size_t task, EmbeddingResult result);  // default: ignored
    virtual nlohmann::json whole_response() = 0;

    // Whether the task's prompt tokens count in the request's log line (OpenAI's `n` choices of
    // one prompt count it once).
    virtual bool counts_prompt(size_t task) const;
};

}  // namespace cria
