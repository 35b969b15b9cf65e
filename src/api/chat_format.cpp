#include "api/chat_format.h"

namespace cria {

namespace {

using json = nlohmann::json;

// The assistant message for a finished answer: content, reasoning_content, tool_calls.
json assistant_message(const AssistantAnswer& answer, ToolFormat format) {
    json message = {{"role", "assistant"}, {"content", answer.content}};
    if (!answer.reasoning_content.empty()) message["reasoning_content"] = answer.reasoning_content;
    if (!answer.tool_calls.empty()) {
        json calls = json::array();
        for (const auto& c : answer.tool_calls) {
            calls.push_back({{"id", tool_call_id(format)},
                             {"type", "function"},
                             {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
        }
        message["tool_calls"] = calls;
        if (answer.content.empty()) message["content"] = nullptr;
    }
    return message;
}

// One chunk's delta for `events` (empty when they carry nothing). A call's begin opens its entry
// with index, id, type and name; its argument fragments extend the entry or open one of their own.
json delta_of(const std::vector<AnswerEvent>& events, ToolFormat format) {
    std::string content;
    std::string reasoning;
    json calls = json::array();
    for (const auto& e : events) {
        switch (e.kind) {
            case AnswerEvent::Kind::content: content += e.text; break;
            case AnswerEvent::Kind::reasoning: reasoning += e.text; break;
            case AnswerEvent::Kind::tool_call_begin:
                calls.push_back({{"index", e.tool_index},
                                 {"id", tool_call_id(format)},
                                 {"type", "function"},
                                 {"function", {{"name", e.text}, {"arguments", ""}}}});
                break;
            case AnswerEvent::Kind::tool_call_arguments:
                if (!calls.empty() && calls.back()["index"] == e.tool_index) {
                    calls.back()["function"]["arguments"] = calls.back()["function"]["arguments"].get<std::string>() + e.text;
                } else {
                    calls.push_back({{"index", e.tool_index}, {"function", {{"arguments", e.text}}}});
                }
                break;
        }
    }
    json delta = json::object();
    if (!reasoning.empty()) delta["reasoning_content"] = reasoning;
    if (!content.empty()) delta["content"] = content;
    if (!calls.empty()) delta["tool_calls"] = calls;
    return delta;
}

}  // namespace

ChatFormat::ChatFormat(const ChatRequest& request, OpenAiEnvelope envelope, std::shared_ptr<const TokenPieces> pieces,
                       const std::vector<ChoicePrompt>& prompts, const AnswerOptions& answer)
    : OpenAiChoicesFormat(prompts, request.n, request.include_usage, std::move(envelope), std::move(pieces)),
      answer_(answer),
      logprobs_(request.logprobs) {
    const size_t choices = prompts.size() * static_cast<size_t>(request.n);
    streams_.reserve(choices);
    for (size_t i = 0; i < choices; ++i) streams_.emplace_back(answer_);  // AnswerStream is move-only
}

json ChatFormat::chunk(const Choice& c, json delta, const json& logprobs, const json& finish) const {
    json choice = {{"index", c.index}, {"delta", std::move(delta)}, {"logprobs", logprobs}, {"finish_reason", finish}};
    return openai_object_json(envelope_, "chat.completion.chunk", json::array({std::move(choice)}));
}

json ChatFormat::start_chunk(const Choice& c) { return chunk(c, {{"role", "assistant"}, {"content", ""}}, nullptr, nullptr); }

json ChatFormat::token_chunk(const Choice& c, const TokenChunk& t) {
    json delta = delta_of(streams_.at(static_cast<size_t>(c.index)).feed(t.text), answer_.format);
    if (delta.empty() && !logprobs_) return nullptr;
    return chunk(c, std::move(delta), logprobs_ ? chat_logprobs_json(t.probabilities, *pieces_) : json(nullptr), nullptr);
}

json ChatFormat::end_chunk(const Choice& c, const CompletionResult& r) {
    AnswerStream& stream = streams_.at(static_cast<size_t>(c.index));
    std::vector<AnswerEvent> events = stream.feed(r.unsent_text);
    for (auto& e : stream.finish()) events.push_back(std::move(e));
    const bool calls = !stream.answer().tool_calls.empty();
    return chunk(c, delta_of(events, answer_.format), nullptr, calls ? "tool_calls" : finish_reason(r.stop_reason));
}

json ChatFormat::whole_choice(const Choice& c, const CompletionResult& r) {
    const AssistantAnswer answer = parse_assistant_answer(r.content, answer_);
    return json{{"index", c.index},
                {"message", assistant_message(answer, answer_.format)},
                {"logprobs", logprobs_ ? chat_logprobs_json(r.probabilities, *pieces_) : json(nullptr)},
                {"finish_reason", answer.tool_calls.empty() ? finish_reason(r.stop_reason) : "tool_calls"}};
}

json ChatFormat::envelope(json choices, const json& usage) {
    // Empty choices: the stream's usage chunk.
    const char* object = choices.empty() ? "chat.completion.chunk" : "chat.completion";
    return openai_object_json(envelope_, object, std::move(choices), usage);
}

}  // namespace cria
