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
// - Content and reasoning lose their trailing whitespace at the end (content only with tools
//   offered), and their leading whitespace after reasoning; whitespace that may turn out to be
//   trailing is held.
// - Tool calls are numbered from 0 in the order they begin; a call's begin comes before its
//   arguments, and calls never interleave (call i+1 begins after call i's last argument delta).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
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

// --reasoning-format: where thinking goes. auto reads as deepseek.
enum class ReasoningFormat {
    none,             // left in the content as the model wrote it
    deepseek,         // split out as reasoning (reasoning_content)
    deepseek_legacy,  // split out, and also left in the content with its tags
};

// "none", "deepseek", "deepseek-legacy", "auto" (= deepseek); false for anything else.
bool reasoning_format_from_name(const std::string& name, ReasoningFormat* out);

// The offered tools' parameters' JSON types ("string", "integer", ...): by tool name, then by
// parameter name. Families that write each argument as text (Qwen3-Coder, GLM 4.5) read values by it.
using ToolParameterTypes = std::map<std::string, std::map<std::string, std::string>>;

// From validated OpenAI-style tools ([{"type": "function", "function": {"name", "parameters"}}]):
// each property's "type" (the first one that is not "null" when it lists several).
ToolParameterTypes tool_parameter_types(const nlohmann::json& tools);

// How to read one answer. A formatter takes these from the front end (PreparedRequest::answer,
// which answer_options_for() in frontend/chat_prompt.h fills in from the template and the
// request); {tools_offered, format} alone reads Hermes-style calls and <think> reasoning.
struct AnswerOptions {
    bool tools_offered = false;        // tool calls are looked for only then
    ToolFormat format = ToolFormat::hermes;  // the template family's call syntax (and think tags)
    ReasoningFormat reasoning = ReasoningFormat::deepseek;
    bool starts_in_reasoning = false;  // the prompt ended inside an opened think block
    bool parallel_tool_calls = true;   // false: calls after the first are dropped
    bool parse = true;                 // false (--skip-chat-parsing): everything is content
    std::shared_ptr<const ToolParameterTypes> parameter_types = nullptr;  // null: values' types are guessed
};

class AnswerParse;   // api/answer_syntax/answer_parse.h
struct ParsedAnswer;  // the same

// Work: a piece costs time in proportion to its own length (plus a bounded look-back for a
// marker it may complete, and the number of members or parameters of a call still open), not to
// the answer's: readings resume from checkpoints (answer_parse.h). finish() reads the whole text
// once more, as complete.
class AnswerStream {
public:
    explicit AnswerStream(AnswerOptions options);
    ~AnswerStream();
    AnswerStream(AnswerStream&&) noexcept;
    AnswerStream& operator=(AnswerStream&&) noexcept;

    std::vector<AnswerEvent> feed(std::string_view text);
    std::vector<AnswerEvent> finish();

    // The answer so far; the whole answer once finish() was called.
    const AssistantAnswer& answer() const { return answer_; }

    // Characters the readings have looked at so far (tests check that it grows linearly).
    size_t chars_scanned() const { return scanned_; }

private:
    void apply(const AnswerEvent& event);
    // Sends what the reading `now` adds to answer_ (each field of `now` extends what was sent,
    // up to whitespace held at its end).
    std::vector<AnswerEvent> send_growth(const ParsedAnswer& now, bool final);

    std::unique_ptr<AnswerOptions> options_;  // boxed: parse_ keeps a pointer to it
    std::string text_;  // everything fed so far
    std::unique_ptr<AnswerParse> parse_;  // the reading of text_, resumed after each piece
    size_t plain_from_ = std::string::npos;  // from here on, all text is content as it comes
    AssistantAnswer answer_;
    size_t scanned_ = 0;
    bool content_diverged_ = false, reasoning_diverged_ = false;  // see send_more()
    bool finished_ = false;
};

// A whole answer read at once: an AnswerStream fed `text` and finished (so it equals any
// streamed reading of the same text).
AssistantAnswer parse_assistant_answer(const std::string& text, const AnswerOptions& options);

}  // namespace cria
