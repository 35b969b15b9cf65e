// ResponsesOutput: a chat answer's events (AnswerStream, api/answer_stream.h) turned into the
// `output` items of an OpenAI Responses response, and into the stream events that build those
// items one by one, exactly as a client accumulates them (the openai SDK's ResponseStream does).
//
//   content            -> a "message" item (msg_…) with one "output_text" part:
//                         output_item.added, content_part.added, output_text.delta…,
//                         then output_text.done, content_part.done, output_item.done
//   reasoning          -> a "reasoning" item (rs_…) with one "reasoning_text" part: the same
//                         shape with reasoning_text.delta / reasoning_text.done
//   tool_call_begin    -> a "function_call" item (fc_…, call_id as chat's tool_call_id): output_item.added,
//   tool_call_arguments   function_call_arguments.delta…, function_call_arguments.done, output_item.done
//
// One item is open at a time; an event of another kind (or another call) closes it. Every event
// carries output_index and item_id (and content_index for parts); sequence numbers and the SSE
// framing are the formatter's. Whole responses use the same object and ignore the events, so the
// two forms cannot disagree.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/answer_stream.h"

namespace cria {

class ResponsesOutput {
public:
    // `format`: the template family, whose call ids the function calls get (Mistral's templates
    // take only 9 letters and digits, and the client sends the call_id back in the next turn).
    explicit ResponsesOutput(ToolFormat format = ToolFormat::hermes) : format_(format) {}

    // The stream events `event` causes (objects with their "type"; no sequence_number yet).
    std::vector<nlohmann::json> apply(const AnswerEvent& event);

    // Ends the answer: closes the open item, with status "incomplete" when the answer was cut
    // short (max_output_tokens), else "completed". An answer without any item gets an empty
    // message, so that every response has its output_text.
    std::vector<nlohmann::json> finish(bool incomplete);

    // The finished items (all of them once finish() was called).
    const nlohmann::json& items() const { return items_; }

private:
    enum class Open { none, message, reasoning, function_call };

    std::vector<nlohmann::json> open(Open kind, const std::string& name);
    std::vector<nlohmann::json> close(const char* status);
    nlohmann::json event(const char* type) const;  // with output_index and item_id

    nlohmann::json items_ = nlohmann::json::array();
    nlohmann::json item_;      // the open item
    std::string text_;         // its text so far: output_text, reasoning_text or arguments
    Open open_ = Open::none;
    size_t call_index_ = 0;    // AnswerEvent::tool_index of the open function call
    ToolFormat format_;
};

}  // namespace cria
