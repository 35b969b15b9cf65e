// AnswerStream: a chat answer read as it is generated, split into what every chat dialect
// (OpenAI chat, Anthropic Messages, OpenAI Responses, Ollama) sends: content, reasoning, and tool
// calls with their arguments. Formatters turn its events into their own deltas and never parse
// model output themselves, so a template family is taught once, here, for all of them.
//
// Contract (kept by every implementation):
// - feed() takes the next piece of generated text and returns the events it completes, in order.
//   Text that may still turn out to be markup (a partial "<tool_call>" at the end, say) is held
//   until it is decided; nothing else is held.
// - finish() ends the answer: it flushes what was held (as content, when it never became markup)
//   and completes open tool calls.
// - The concatenation of all events equals answer(): content deltas join to answer().content,
//   reasoning deltas to answer().reasoning_content, and for call i, its begin event's name and
//   its argument deltas to answer().tool_calls[i].
// - Tool calls are numbered from 0 in the order they begin; a call's begin comes before its
//   arguments, and calls never interleave (call i+1 begins after call i's last argument delta).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/tool_calls.h"

namespace cria {

struct AnswerEvent {
    enum class Kind { content, reasoning, tool_call_begin, tool_call_arguments };
    Kind kind = Kind::content;
    std::string text;       // content / reasoning / arguments (JSON text) fragment; the name for tool_call_begin
    size_t tool_index = 0;  // tool events: which call
};

struct AnswerOptions {
    bool tools_offered = false;        // tool calls are looked for only then
    ToolFormat format = ToolFormat::hermes;  // the template family's call syntax
};

class AnswerStream {
public:
    explicit AnswerStream(AnswerOptions options);

    std::vector<AnswerEvent> feed(std::string_view text);
    std::vector<AnswerEvent> finish();

    // The answer so far; the whole answer once finish() was called.
    const AssistantAnswer& answer() const { return answer_; }

private:
    void apply(const AnswerEvent& event);

    AnswerOptions options_;
    std::string held_;  // text not yet turned into events
    AssistantAnswer answer_;
    bool finished_ = false;
};

}  // namespace cria
