// Anthropic's Messages answers as a ResultFormatter: the whole `message` object, or the stream of
// server-sent events with their `event:` names:
//   message_start, ping,
//   per content block: content_block_start, content_block_delta (text_delta, thinking_delta,
//     input_json_delta), content_block_stop,
//   message_delta (stop_reason, stop_sequence, usage), message_stop;
//   a failure after the stream began: an `error` event in Anthropic's error shape.
// The model's text is read only through AnswerStream (api/answer_stream.h): content becomes text
// blocks, reasoning thinking blocks, each tool call a tool_use block whose input streams as
// input_json_delta. A Messages request is one task (there is no `n`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/answer_stream.h"
#include "api/result_format.h"

namespace cria {

struct AnthropicEnvelope {
    std::string id;             // "msg_..."
    std::string model;          // the model name responses report
    int64_t input_tokens = 0;   // the prompt's tokens, for message_start (before any result)
};

class AnthropicFormat final : public ResultFormatter {
public:
    // `answer`: how the model's text is split (tools offered, the template's call syntax).
    AnthropicFormat(AnthropicEnvelope envelope, AnswerOptions answer);

    std::string stream_opening() override;
    std::string stream_token(size_t task, const TokenChunk& chunk) override;
    std::string stream_end(size_t task, const GenerationRequest& request, const CompletionResult& result) override;
    std::string stream_failure(const ApiError& error) override;
    // Anthropic's own keep-alive: a `ping` event, which its clients expect and skip.
    std::string stream_keepalive() const override;

    void take_result(size_t task, const GenerationRequest& request, const CompletionResult& result) override;
    nlohmann::json whole_response() override;

private:
    enum class Block { none, text, thinking, tool_use };

    // Each returns the SSE text of what it did (whole responses ignore it).
    std::string apply(const std::vector<AnswerEvent>& events);
    std::string apply(const AnswerEvent& event);
    std::string open_block(Block kind, nlohmann::json block);
    std::string close_block();
    std::string finish(const CompletionResult& result);  // the answer's end, the last events

    nlohmann::json message(const nlohmann::json& stop_reason, const nlohmann::json& stop_sequence,
                           const nlohmann::json& usage) const;

    AnthropicEnvelope envelope_;
    AnswerStream answer_;
    nlohmann::json content_ = nlohmann::json::array();  // the blocks so far; text and thinking filled in by finish()
    std::vector<std::string> texts_;                    // by block: its text or thinking so far (appended, not
                                                        // rewritten into the JSON at every delta)
    std::vector<std::string> tool_inputs_;              // by tool_use block: its input's JSON text
    std::vector<size_t> tool_blocks_;                   // by tool call: its block's index in content_
    Block open_ = Block::none;
    nlohmann::json stop_reason_;
    nlohmann::json stop_sequence_;
    nlohmann::json usage_;
};

// One SSE event as Anthropic frames it: "event: <type>\ndata: <json>\n\n" (type = payload's "type").
std::string anthropic_event(const nlohmann::json& payload);

// Anthropic's stop_reason for an answer: tool_use when it has tool calls, else end_turn (end of
// generation), max_tokens (the limit or the context's end) or stop_sequence.
const char* anthropic_stop_reason(StopReason reason, bool has_tool_calls);

}  // namespace cria
