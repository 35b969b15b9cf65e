#include "api/answer_stream.h"

#include "api/answer_syntax/read_answer.h"

namespace cria {

// Each piece is appended to the text and the whole text is read again by the family's reader
// (api/answer_syntax/): a reader adds to its result only what later text cannot change, so the
// reading only grows, and what it grew by is sent. Whole and streamed answers therefore cannot
// disagree: parse_assistant_answer() is this stream fed once. Re-reading costs O(n) per piece;
// without tools, once reasoning is over the rest goes straight through (plain_from_).

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view without_trailing_space(std::string_view s) {
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// What `target` adds to `sent`, when it extends it (a reading never takes back what it sent).
void send_more(std::vector<AnswerEvent>& events, AnswerEvent::Kind kind, const std::string& sent, std::string_view target,
               size_t index) {
    if (target.size() <= sent.size() || target.compare(0, sent.size(), sent) != 0) return;
    events.push_back({kind, std::string(target.substr(sent.size())), index});
}

}  // namespace

bool reasoning_format_from_name(const std::string& name, ReasoningFormat* out) {
    if (name == "none") *out = ReasoningFormat::none;
    else if (name == "deepseek" || name == "auto") *out = ReasoningFormat::deepseek;
    else if (name == "deepseek-legacy") *out = ReasoningFormat::deepseek_legacy;
    else return false;
    return true;
}

AnswerStream::AnswerStream(AnswerOptions options) : options_(options) {}

void AnswerStream::apply(const AnswerEvent& e) {
    switch (e.kind) {
        case AnswerEvent::Kind::content: answer_.content += e.text; break;
        case AnswerEvent::Kind::reasoning: answer_.reasoning_content += e.text; break;
        case AnswerEvent::Kind::tool_call_begin: answer_.tool_calls.push_back({e.text, ""}); break;
        case AnswerEvent::Kind::tool_call_arguments: answer_.tool_calls.at(e.tool_index).arguments += e.text; break;
    }
}

std::vector<AnswerEvent> AnswerStream::send_growth(ParsedAnswer now, bool final) {
    std::vector<AnswerEvent> events;
    const std::string_view reasoning = final ? std::string_view(now.reasoning) : without_trailing_space(now.reasoning);
    send_more(events, AnswerEvent::Kind::reasoning, answer_.reasoning_content, reasoning, 0);
    const std::string_view content =
        options_.tools_offered ? without_trailing_space(now.content) : std::string_view(now.content);
    send_more(events, AnswerEvent::Kind::content, answer_.content, content, 0);
    const size_t calls = options_.parallel_tool_calls ? now.calls.size() : std::min<size_t>(now.calls.size(), 1);
    for (size_t i = 0; i < calls; ++i) {
        std::string sent_arguments;
        if (i >= answer_.tool_calls.size()) {
            events.push_back({AnswerEvent::Kind::tool_call_begin, now.calls[i].name, i});
        } else {
            sent_arguments = answer_.tool_calls[i].arguments;
        }
        send_more(events, AnswerEvent::Kind::tool_call_arguments, sent_arguments, now.calls[i].arguments, i);
    }
    for (const auto& e : events) apply(e);
    return events;
}

std::vector<AnswerEvent> AnswerStream::feed(std::string_view text) {
    if (finished_ || text.empty()) return {};
    if (plain_from_ != std::string::npos) {
        std::vector<AnswerEvent> events{{AnswerEvent::Kind::content, std::string(text), 0}};
        apply(events.back());
        return events;
    }
    text_.append(text);
    return send_growth(read_answer(options_, text_, /*partial=*/true, &plain_from_), false);
}

std::vector<AnswerEvent> AnswerStream::finish() {
    if (finished_) return {};
    finished_ = true;
    if (plain_from_ != std::string::npos) return {};
    return send_growth(read_answer(options_, text_, /*partial=*/false, nullptr), true);
}

}  // namespace cria

namespace cria {

AssistantAnswer parse_assistant_answer(const std::string& text, const AnswerOptions& options) {
    AnswerStream stream(options);
    stream.feed(text);
    stream.finish();
    return stream.answer();
}

AssistantAnswer parse_assistant_answer(const std::string& text, bool tools_offered) {
    return parse_assistant_answer(text, AnswerOptions{tools_offered, ToolFormat::hermes});
}

}  // namespace cria
