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

}  // namespace

void read_harmony(AnswerParse& p, bool reasoning, bool tools) {
    for (;;) {
        p.consume("<|start|>assistant");
        if (p.at_end()) return;
        if (p.could_become("<|start|>assistant") || p.could_become("<|channel|>")) return;
        const std::string_view rest = p.rest();
        const bool header_start = rest.rfind("<|channel|>", 0) == 0 || rest.rfind(" to=", 0) == 0;
        const MarkerAt message = p.find({"<|message|>"});
        if (!header_start || (message.found() && message.at - p.pos() > kMaxHeaderBytes)) {
            p.content_until({});  // not Harmony: plain text
            return;
        }
        if (!message.found()) {
            if (p.partial() && rest.size() <= kMaxHeaderBytes) return;
            p.content_until({});
            return;
        }
        const Header header = parse_header(p.text().substr(p.pos(), message.at - p.pos()));
        p.seek(message.at + 11);
        const std::initializer_list<std::string_view> ends = {"<|end|>", "<|call|>", "<|return|>", "<|start|>"};
        MarkerAt end;
        if (tools && header.recipient.rfind("functions.", 0) == 0) {
            ToolCall& call = p.begin_call(header.recipient.substr(10));
            if (stream_json_arguments(p, call) == Scan::more) return;
            p.skip_spaces();
            end = p.find(ends);
            if (!end.found()) return;
            p.seek(end.at);
        } else if (header.channel == "analysis" && reasoning) {
            end = p.reasoning_until(ends);
        } else {
            end = p.content_until(ends);
        }
        if (!end.found()) return;
        if (end.which < 3) p.seek(end.at + std::string_view(*(ends.begin() + end.which)).size());
    }
}

}  // namespace cria
