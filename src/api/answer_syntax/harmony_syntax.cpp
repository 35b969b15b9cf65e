// gpt-oss's Harmony format: the answer is a run of messages, each a header up to <|message|>
// ("<|channel|>analysis", "<|channel|>final", "<|channel|>commentary to=functions.name
// <|constrain|>json", or "<|start|>assistant to=functions.name<|channel|>commentary json") and a
// body up to <|end|>, <|call|>, <|return|> or the next <|start|>. analysis is reasoning, a
// body addressed to functions.NAME is a call's JSON arguments, the rest is content.
#include "api/answer_syntax/syntaxes.h"

namespace cria {

namespace {

constexpr size_t kMaxHeaderBytes = 256;

struct Header {
    std::string channel;
    std::string recipient;  // "" = none
};

// The word after `key` in `header` (up to a space or a '<').
std::string word_after(std::string_view header, std::string_view key) {
    const size_t at = header.find(key);
    if (at == std::string_view::npos) return "";
    const std::string_view rest = header.substr(at + key.size());
    return std::string(rest.substr(0, rest.find_first_of(" <\n")));
}

Header parse_header(std::string_view text) {
    return {word_after(text, "<|channel|>"), word_after(text, "to=")};
}

const std::initializer_list<std::string_view> kEnds = {"<|end|>", "<|call|>", "<|return|>", "<|start|>"};

// A body ended at `end` (if found): past it (a <|start|> is the next message's). True when the
// next message can be read.
bool past_body(AnswerParse& p, MarkerAt end) {
    if (!end.found()) return false;
    p.seek(end.at);
    if (end.which < 3) p.seek(end.at + std::string_view(*(kEnds.begin() + end.which)).size());
    return true;
}

// A message body that is text, from pos(); true when it ended.
bool read_text_body(AnswerParse& p, bool reasoning);

void resume_content_body(AnswerParse& p) {
    if (read_text_body(p, false)) read_harmony(p);
}

void resume_reasoning_body(AnswerParse& p) {
    if (read_text_body(p, true)) read_harmony(p);
}

bool read_text_body(AnswerParse& p, bool reasoning) {
    return past_body(p, reasoning ? p.reasoning_until(kEnds, resume_reasoning_body) : p.content_until(kEnds, resume_content_body));
}

}  // namespace

void read_harmony(AnswerParse& p) {
    // Harmony carries its own reasoning channel: with reasoning "none" it stays in the content.
    const bool reasoning = p.options().reasoning != ReasoningFormat::none;
    const bool tools = p.options().tools_offered;
    for (;;) {
        p.checkpoint(read_harmony);
        p.consume("<|start|>assistant");
        if (p.at_end()) return;
        if (p.could_become("<|start|>assistant") || p.could_become("<|channel|>")) return;
        const std::string_view rest = p.rest();
        const bool header_start = rest.rfind("<|channel|>", 0) == 0 || rest.rfind(" to=", 0) == 0;
        const MarkerAt message = p.find({"<|message|>"});
        if (!header_start || (message.found() && message.at - p.pos() > kMaxHeaderBytes)) {
            // Not Harmony: plain text (decided for good unless " to=" may still come).
            if (p.could_become(" to=")) return static_cast<void>(p.content_until({}));
            return read_content_to_end(p);
        }
        if (!message.found()) {
            if (p.partial() && rest.size() <= kMaxHeaderBytes) return;
            // Plain text; for good once a <|message|> could no longer end a short header.
            if (rest.size() < kMaxHeaderBytes + 11) return static_cast<void>(p.content_until({}));
            return read_content_to_end(p);
        }
        const Header header = parse_header(p.text().substr(p.pos(), message.at - p.pos()));
        p.seek(message.at + 11);
        if (!(tools && header.recipient.rfind("functions.", 0) == 0)) {
            if (!read_text_body(p, header.channel == "analysis" && reasoning)) return;
            continue;
        }
        p.begin_call(header.recipient.substr(10));
        if (stream_json_arguments(p) == Scan::more) return;
        p.skip_spaces();
        if (!past_body(p, p.find(kEnds))) return;
    }
}

}  // namespace cria
