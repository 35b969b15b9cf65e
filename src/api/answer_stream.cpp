#include "api/answer_stream.h"

#include "api/answer_syntax/read_answer.h"

namespace cria {

// Each piece is appended to the text and the family's reader (api/answer_syntax/) reads on from
// its last checkpoint: a reader adds to its result only what later text cannot change, so the
// reading only grows, and what it grew by is sent. finish() reads the complete text once more
// from the start and sends what that adds, so whole and streamed answers cannot disagree:
// parse_assistant_answer() is this stream fed once. Without tools, once reasoning is over the
// rest goes straight through (plain_from_).

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view without_trailing_space(std::string_view s) {
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// What `target` adds to `sent`, when it extends it (a reading never takes back what it sent).
// Bytes before `same_to` are known to be the sent ones (not written again by this reading), so
// only the rest is compared.
// Once a reading did not extend what was sent (a reader that took back text it had passed on),
// *diverged stays set and every later reading is compared whole.
void send_more(std::vector<AnswerEvent>& events, AnswerEvent::Kind kind, const std::string& sent, std::string_view target,
               size_t index, size_t same_to, bool* diverged) {
    const size_t from = *diverged ? 0 : std::min(same_to, sent.size());
    const size_t common = std::min(target.size(), sent.size());
    if (from < common && target.substr(from, common - from) != std::string_view(sent).substr(from, common - from)) {
        *diverged = true;
        return;
    }
    if (target.size() <= sent.size()) return;
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

ToolParameterTypes tool_parameter_types(const nlohmann::json& tools) {
    ToolParameterTypes out;
    if (!tools.is_array()) return out;
    for (const auto& tool : tools) {
        const auto fn = tool.find("function");
        if (fn == tool.end() || !fn->is_object() || !fn->contains("name") || !(*fn)["name"].is_string()) continue;
        auto& types = out[(*fn)["name"].get<std::string>()];
        const auto params = fn->find("parameters");
        if (params == fn->end() || !params->is_object()) continue;
        const auto props = params->find("properties");
        if (props == params->end() || !props->is_object()) continue;
        for (const auto& [name, schema] : props->items()) {
            if (!schema.is_object() || !schema.contains("type")) continue;
            const auto& type = schema["type"];
            if (type.is_string()) types[name] = type.get<std::string>();
            if (!type.is_array()) continue;
            for (const auto& t : type) {
                if (t.is_string() && t != "null") {
                    types[name] = t.get<std::string>();
                    break;
                }
            }
        }
    }
    return out;
}

AnswerStream::AnswerStream(AnswerOptions options) : options_(std::make_unique<AnswerOptions>(options)) {}
AnswerStream::~AnswerStream() = default;
AnswerStream::AnswerStream(AnswerStream&&) noexcept = default;
AnswerStream& AnswerStream::operator=(AnswerStream&&) noexcept = default;

void AnswerStream::apply(const AnswerEvent& e) {
    switch (e.kind) {
        case AnswerEvent::Kind::content: answer_.content += e.text; break;
        case AnswerEvent::Kind::reasoning: answer_.reasoning_content += e.text; break;
        case AnswerEvent::Kind::tool_call_begin: answer_.tool_calls.push_back({e.text, ""}); break;
        case AnswerEvent::Kind::tool_call_arguments: answer_.tool_calls.at(e.tool_index).arguments += e.text; break;
    }
}

std::vector<AnswerEvent> AnswerStream::send_growth(const ParsedAnswer& now, bool final) {
    std::vector<AnswerEvent> events;
    // The final reading starts over: all of it is compared, once.
    const size_t reasoning_same = final ? 0 : parse_->reasoning_rewritten_from();
    const size_t content_same = final ? 0 : parse_->content_rewritten_from();
    const std::string_view reasoning = final ? std::string_view(now.reasoning) : without_trailing_space(now.reasoning);
    send_more(events, AnswerEvent::Kind::reasoning, answer_.reasoning_content, reasoning, 0, reasoning_same,
              &reasoning_diverged_);
    const std::string_view content =
        options_->tools_offered ? without_trailing_space(now.content) : std::string_view(now.content);
    send_more(events, AnswerEvent::Kind::content, answer_.content, content, 0, content_same, &content_diverged_);
    const size_t calls = options_->parallel_tool_calls ? now.calls.size() : std::min<size_t>(now.calls.size(), 1);
    // Calls before the last one sent are complete: only that one and new ones can grow.
    for (size_t i = answer_.tool_calls.empty() ? 0 : answer_.tool_calls.size() - 1; i < calls; ++i) {
        const std::string* sent_arguments = nullptr;
        const std::string none;
        if (i >= answer_.tool_calls.size()) {
            events.push_back({AnswerEvent::Kind::tool_call_begin, now.calls[i].name, i});
            sent_arguments = &none;
        } else {
            sent_arguments = &answer_.tool_calls[i].arguments;
        }
        // Arguments are written again over what they hold (answer_parse.h): the same bytes.
        const size_t arguments_same = final || parse_->call_replaced(i) ? 0 : sent_arguments->size();
        bool diverged = false;
        send_more(events, AnswerEvent::Kind::tool_call_arguments, *sent_arguments, now.calls[i].arguments, i, arguments_same,
                  &diverged);
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
    if (parse_ == nullptr) parse_ = std::make_unique<AnswerParse>(text_, /*partial=*/true, *options_);
    const size_t before = parse_->scanned();
    read_answer(*parse_, parse_->reread(text_));
    scanned_ += parse_->scanned() - before;
    plain_from_ = parse_->plain_from();
    return send_growth(parse_->out(), false);
}

std::vector<AnswerEvent> AnswerStream::finish() {
    if (finished_) return {};
    finished_ = true;
    if (plain_from_ != std::string::npos) return {};
    AnswerParse whole(text_, /*partial=*/false, *options_);
    read_answer(whole, nullptr);
    scanned_ += whole.scanned();
    parse_.reset();
    return send_growth(whole.out(), true);
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
