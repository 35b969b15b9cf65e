#include "api/answer_stream.h"

namespace cria {

// The first implementation: with tools offered, the whole answer is held to the end and parsed
// by parse_assistant_answer() (only the whole says whether it is a call); without, text streams
// as content as it comes. Incremental parsing per template family replaces the held case.

AnswerStream::AnswerStream(AnswerOptions options) : options_(options) {}

void AnswerStream::apply(const AnswerEvent& e) {
    switch (e.kind) {
        case AnswerEvent::Kind::content: answer_.content += e.text; break;
        case AnswerEvent::Kind::reasoning: answer_.reasoning_content += e.text; break;
        case AnswerEvent::Kind::tool_call_begin: answer_.tool_calls.push_back({e.text, ""}); break;
        case AnswerEvent::Kind::tool_call_arguments: answer_.tool_calls.at(e.tool_index).arguments += e.text; break;
    }
}

std::vector<AnswerEvent> AnswerStream::feed(std::string_view text) {
    std::vector<AnswerEvent> events;
    if (finished_ || text.empty()) return events;
    if (options_.tools_offered) {
        held_.append(text);
        return events;
    }
    events.push_back({AnswerEvent::Kind::content, std::string(text), 0});
    apply(events.back());
    return events;
}

std::vector<AnswerEvent> AnswerStream::finish() {
    std::vector<AnswerEvent> events;
    if (finished_) return events;
    finished_ = true;
    if (!options_.tools_offered) return events;
    const AssistantAnswer whole = parse_assistant_answer(held_, true);
    held_.clear();
    if (!whole.reasoning_content.empty()) events.push_back({AnswerEvent::Kind::reasoning, whole.reasoning_content, 0});
    if (!whole.content.empty()) events.push_back({AnswerEvent::Kind::content, whole.content, 0});
    for (size_t i = 0; i < whole.tool_calls.size(); ++i) {
        events.push_back({AnswerEvent::Kind::tool_call_begin, whole.tool_calls[i].name, i});
        events.push_back({AnswerEvent::Kind::tool_call_arguments, whole.tool_calls[i].arguments, i});
    }
    for (const auto& e : events) apply(e);
    return events;
}

}  // namespace cria
