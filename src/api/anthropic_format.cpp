#include "api/anthropic_format.h"

#include "api/anthropic_error.h"
#include "api/completion_response.h"
#include "api/json_fields.h"
#include "api/openai_completion.h"

namespace cria {

namespace {

// A tool call's arguments as the object Anthropic's `input` is. The text is the model's: should it
// not be a JSON object (or nest deeper than any request may), the input is left empty rather than
// answering a shape Anthropic's clients cannot read.
json tool_input(const std::string& arguments) {
    if (json_nesting_depth(arguments, kMaxJsonDepthLimit) > kMaxJsonDepthLimit) return json::object();
    json input = json::parse(arguments, nullptr, /*allow_exceptions=*/false);
    return input.is_object() ? input : json::object();
}

}  // namespace

std::string anthropic_event(const json& payload) {
    return "event: " + payload.value("type", std::string("message")) + "\ndata: " + dump_json(payload) + "\n\n";
}

const char* anthropic_stop_reason(StopReason reason, bool has_tool_calls) {
    if (has_tool_calls) return "tool_use";
    switch (reason) {
        case StopReason::limit: return "max_tokens";
        case StopReason::word: return "stop_sequence";
        case StopReason::eos:
        case StopReason::none: break;
    }
    return "end_turn";
}

AnthropicFormat::AnthropicFormat(AnthropicEnvelope envelope, AnswerOptions answer)
    : envelope_(std::move(envelope)), answer_(answer) {}

json AnthropicFormat::message(const json& stop_reason, const json& stop_sequence, const json& usage) const {
    return {{"id", envelope_.id},     {"type", "message"},          {"role", "assistant"},
            {"model", envelope_.model}, {"content", content_},      {"stop_reason", stop_reason},
            {"stop_sequence", stop_sequence}, {"usage", usage}};
}

std::string AnthropicFormat::close_block() {
    if (open_ == Block::none) return {};
    open_ = Block::none;
    return anthropic_event({{"type", "content_block_stop"}, {"index", content_.size() - 1}});
}

std::string AnthropicFormat::open_block(Block kind, json block) {
    std::string out = close_block();
    open_ = kind;
    out += anthropic_event({{"type", "content_block_start"}, {"index", content_.size()}, {"content_block", block}});
    content_.push_back(std::move(block));
    texts_.emplace_back();
    return out;
}

std::string AnthropicFormat::apply(const AnswerEvent& e) {
    std::string out;
    const auto delta = [this](json d) {
        return anthropic_event({{"type", "content_block_delta"}, {"index", content_.size() - 1}, {"delta", std::move(d)}});
    };
    switch (e.kind) {
        case AnswerEvent::Kind::content:
            if (e.text.empty()) return out;
            if (open_ != Block::text) out += open_block(Block::text, {{"type", "text"}, {"text", ""}});
            texts_.back() += e.text;
            return out + delta({{"type", "text_delta"}, {"text", e.text}});
        case AnswerEvent::Kind::reasoning:
            if (e.text.empty()) return out;
            if (open_ != Block::thinking) {
                out += open_block(Block::thinking, {{"type", "thinking"}, {"thinking", ""}, {"signature", ""}});
            }
            texts_.back() += e.text;
            return out + delta({{"type", "thinking_delta"}, {"thinking", e.text}});
        case AnswerEvent::Kind::tool_call_begin:
            tool_blocks_.push_back(content_.size());
            tool_inputs_.emplace_back();
            return open_block(Block::tool_use, {{"type", "tool_use"},
                                                {"id", openai_id("toolu_")},
                                                {"name", e.text},
                                                {"input", json::object()}});
        case AnswerEvent::Kind::tool_call_arguments:
            // Calls never interleave (AnswerStream's contract): this is the open tool_use block's.
            if (e.text.empty()) return out;
            tool_inputs_.at(e.tool_index) += e.text;
            return delta({{"type", "input_json_delta"}, {"partial_json", e.text}});
    }
    return out;
}

std::string AnthropicFormat::apply(const std::vector<AnswerEvent>& events) {
    std::string out;
    for (const auto& e : events) out += apply(e);
    return out;
}

std::string AnthropicFormat::finish(const CompletionResult& result) {
    std::string out = apply(answer_.finish());
    out += close_block();
    for (size_t i = 0; i < content_.size(); ++i) {
        json& block = content_[i];
        if (block["type"] == "text") block["text"] = std::move(texts_[i]);
        if (block["type"] == "thinking") block["thinking"] = std::move(texts_[i]);
    }
    for (size_t i = 0; i < tool_blocks_.size(); ++i) content_[tool_blocks_[i]]["input"] = tool_input(tool_inputs_[i]);
    const bool calls = !tool_blocks_.empty();
    stop_reason_ = anthropic_stop_reason(result.stop_reason, calls);
    stop_sequence_ = !calls && result.stop_reason == StopReason::word ? json(result.stopping_word) : json(nullptr);
    // input_tokens counts the whole prompt, as /v1/messages/count_tokens does: the part reused
    // from a slot's cache is not reported apart (cria has no paid prompt cache).
    usage_ = {{"input_tokens", result.n_prompt_tokens}, {"output_tokens", result.timings.predicted_n}};
    return out;
}

std::string AnthropicFormat::stream_opening() {
    const json usage = {{"input_tokens", envelope_.input_tokens}, {"output_tokens", 0}};
    return anthropic_event({{"type", "message_start"}, {"message", message(nullptr, nullptr, usage)}}) +
           anthropic_event({{"type", "ping"}});
}

std::string AnthropicFormat::stream_token(size_t, const TokenChunk& chunk) {
    if (chunk.text.empty()) return {};
    return apply(answer_.feed(chunk.text));
}

std::string AnthropicFormat::stream_end(size_t, const GenerationRequest&, const CompletionResult& result) {
    std::string out = apply(answer_.feed(result.unsent_text));
    out += finish(result);
    out += anthropic_event({{"type", "message_delta"},
                            {"delta", {{"stop_reason", stop_reason_}, {"stop_sequence", stop_sequence_}}},
                            {"usage", usage_}});
    return out + anthropic_event({{"type", "message_stop"}});
}

std::string AnthropicFormat::stream_failure(const ApiError& error) { return anthropic_error_event(error); }

std::string AnthropicFormat::stream_keepalive() const { return anthropic_event({{"type", "ping"}}); }

void AnthropicFormat::take_result(size_t, const GenerationRequest&, const CompletionResult& result) {
    apply(answer_.feed(result.content));
    finish(result);
}

json AnthropicFormat::whole_response() { return message(stop_reason_, stop_sequence_, usage_); }

}  // namespace cria
