#include "api/chat_format.h"

#include "api/tool_calls.h"

namespace cria {

namespace {

using json = nlohmann::json;

// The assistant message for a finished answer: content, reasoning_content, tool_calls.
json assistant_message(const std::string& text, bool tools_offered, bool* has_tool_calls) {
    const AssistantAnswer answer = parse_assistant_answer(text, tools_offered);
    json message = {{"role", "assistant"}, {"content", answer.content}};
    if (!answer.reasoning_content.empty()) message["reasoning_content"] = answer.reasoning_content;
    *has_tool_calls = !answer.tool_calls.empty();
    if (*has_tool_calls) {
        json calls = json::array();
        for (const auto& c : answer.tool_calls) {
            calls.push_back({{"id", openai_id("call_")},
                             {"type", "function"},
                             {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
        }
        message["tool_calls"] = calls;
        if (answer.content.empty()) message["content"] = nullptr;
    }
    return message;
}

}  // namespace

ChatFormat::ChatFormat(const ChatRequest& request, OpenAiEnvelope envelope, std::shared_ptr<const TokenPieces> pieces,
                       const std::vector<ChoicePrompt>& prompts)
    : OpenAiChoicesFormat(prompts, request.n, request.include_usage, std::move(envelope), std::move(pieces)),
      logprobs_(request.logprobs),
      tools_(request.offers_tools()) {}

json ChatFormat::chunk(const Choice& c, json delta, const json& logprobs, const json& finish) const {
    json choice = {{"index", c.index}, {"delta", std::move(delta)}, {"logprobs", logprobs}, {"finish_reason", finish}};
    return openai_object_json(envelope_, "chat.completion.chunk", json::array({std::move(choice)}));
}

json ChatFormat::start_chunk(const Choice& c) { return chunk(c, {{"role", "assistant"}, {"content", ""}}, nullptr, nullptr); }

json ChatFormat::token_chunk(const Choice& c, const TokenChunk& t) {
    // With tools offered, the answer is held back: only the whole of it says whether it is a tool
    // call or text.
    if (tools_ || (t.text.empty() && !logprobs_)) return nullptr;
    return chunk(c, {{"content", t.text}}, logprobs_ ? chat_logprobs_json(t.probabilities, *pieces_) : json(nullptr), nullptr);
}

json ChatFormat::tool_end_chunk(const Choice& c, const CompletionResult& r) const {
    bool calls = false;
    json message = assistant_message(r.content, true, &calls);
    json delta = json::object();
    if (calls) {
        json indexed = message["tool_calls"];
        for (size_t i = 0; i < indexed.size(); ++i) indexed[i]["index"] = i;
        delta["tool_calls"] = indexed;
    } else if (!message["content"].is_null() && !message["content"].get<std::string>().empty()) {
        delta["content"] = message["content"];
    }
    return chunk(c, std::move(delta), nullptr, calls ? "tool_calls" : finish_reason(r.stop_reason));
}

json ChatFormat::end_chunk(const Choice& c, const CompletionResult& r) {
    if (tools_) return tool_end_chunk(c, r);
    json delta = r.unsent_text.empty() ? json::object() : json{{"content", r.unsent_text}};
    return chunk(c, std::move(delta), nullptr, finish_reason(r.stop_reason));
}

json ChatFormat::whole_choice(const Choice& c, const CompletionResult& r) {
    bool calls = false;
    json message = assistant_message(r.content, tools_, &calls);
    return json{{"index", c.index},
                {"message", std::move(message)},
                {"logprobs", logprobs_ ? chat_logprobs_json(r.probabilities, *pieces_) : json(nullptr)},
                {"finish_reason", calls ? "tool_calls" : finish_reason(r.stop_reason)}};
}

json ChatFormat::envelope(json choices, const json& usage) {
    // Empty choices: the stream's usage chunk.
    const char* object = choices.empty() ? "chat.completion.chunk" : "chat.completion";
    return openai_object_json(envelope_, object, std::move(choices), usage);
}

}  // namespace cria
