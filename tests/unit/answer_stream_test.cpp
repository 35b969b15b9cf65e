#include "api/answer_stream.h"

#include <cstdio>

#include <gtest/gtest.h>

namespace cria {
namespace {

// Feeds `text` in pieces of `step` bytes and checks the contract of answer_stream.h: the events
// joined equal answer().
AssistantAnswer joined(const std::vector<AnswerEvent>& events) {
    AssistantAnswer a;
    for (const auto& e : events) {
        if (e.kind == AnswerEvent::Kind::content) a.content += e.text;
        if (e.kind == AnswerEvent::Kind::reasoning) a.reasoning_content += e.text;
        if (e.kind == AnswerEvent::Kind::tool_call_begin) {
            EXPECT_EQ(e.tool_index, a.tool_calls.size());
            a.tool_calls.push_back({e.text, ""});
        }
        if (e.kind == AnswerEvent::Kind::tool_call_arguments) a.tool_calls.at(e.tool_index).arguments += e.text;
    }
    return a;
}

std::vector<AnswerEvent> stream(AnswerStream& s, const std::string& text, size_t step) {
    std::vector<AnswerEvent> all;
    for (size_t i = 0; i < text.size(); i += step) {
        for (auto& e : s.feed(text.substr(i, step))) all.push_back(std::move(e));
    }
    for (auto& e : s.finish()) all.push_back(std::move(e));
    return all;
}

TEST(AnswerStream, WithoutToolsTextStreamsAsItComes) {
    AnswerStream s({false, ToolFormat::hermes});
    const auto first = s.feed("Hello");
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].kind, AnswerEvent::Kind::content);
    EXPECT_EQ(first[0].text, "Hello");
    s.feed(" world");
    s.finish();
    EXPECT_EQ(s.answer().content, "Hello world");
}

TEST(AnswerStream, ToolCallsAreSplitOutAndTheEventsJoinToTheAnswer) {
    const std::string text =
        "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
    for (size_t step : {1u, 3u, 1000u}) {
        AnswerStream s({true, ToolFormat::hermes});
        const auto events = stream(s, text, step);
        const AssistantAnswer a = joined(events);
        ASSERT_EQ(s.answer().tool_calls.size(), 1u);
        EXPECT_EQ(s.answer().tool_calls[0].name, "get_weather");
        EXPECT_EQ(nlohmann::json::parse(s.answer().tool_calls[0].arguments), nlohmann::json({{"city", "Paris"}}));
        EXPECT_EQ(a.content, s.answer().content);
        ASSERT_EQ(a.tool_calls.size(), 1u);
        EXPECT_EQ(a.tool_calls[0].arguments, s.answer().tool_calls[0].arguments);
    }
}

}  // namespace
}  // namespace cria

namespace cria {
namespace {

// ~`bytes` of text with markers' first bytes and JSON-like characters in it (held and let go).
std::string long_text(size_t bytes) {
    std::string s;
    for (size_t i = 0; s.size() < bytes; ++i) s += "word " + std::to_string(i) + (i % 7 == 0 ? " a < b, {x} [y]\n" : " ");
    return s;
}

std::string escaped(const std::string& s) { return nlohmann::json(s).dump(); }

struct LongCase {
    ToolFormat format;
    std::string text;
};

// 200 KB of reasoning, 200 KB of content, then a call whose arguments are 200 KB long.
std::vector<LongCase> long_cases() {
    const std::string body = long_text(200000);
    const std::string args = "{\"path\": \"a.txt\", \"content\": " + escaped(body) + "}";
    const std::string think = "<think>" + body + "</think>\n";
    return {
        {ToolFormat::hermes, think + body + "\n<tool_call>\n{\"name\": \"write\", \"arguments\": " + args + "}\n</tool_call>"},
        {ToolFormat::qwen3_coder, think + body + "\n<tool_call>\n<function=write>\n<parameter=path>\na.txt\n</parameter>\n"
                                                 "<parameter=content>\n" + body + "\n</parameter>\n</function>\n</tool_call>"},
        {ToolFormat::deepseek_v3_1,
         think + body + "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>write<｜tool▁sep｜>" + args + "<｜tool▁call▁end｜><｜tool▁calls▁end｜>"},
        {ToolFormat::gpt_oss, "<|channel|>analysis<|message|>" + body + "<|end|><|start|>assistant<|channel|>final<|message|>" +
                                  body + "<|end|><|start|>assistant<|channel|>commentary to=functions.write <|constrain|>json"
                                         "<|message|>" + args + "<|call|>"},
    };
}

TEST(AnswerStream, LongAnswersStreamInLinearWorkAndEqualTheWholeReading) {
    for (const LongCase& c : long_cases()) {
        const AnswerOptions o{true, c.format};
        const AssistantAnswer whole = parse_assistant_answer(c.text, o);
        ASSERT_EQ(whole.tool_calls.size(), 1u) << tool_format_name(c.format);
        EXPECT_GT(whole.content.size(), 190000u) << tool_format_name(c.format);
        EXPECT_GT(whole.reasoning_content.size(), 190000u) << tool_format_name(c.format);
        EXPECT_GT(whole.tool_calls[0].arguments.size(), 190000u) << tool_format_name(c.format);
        AnswerStream s(o);
        const AssistantAnswer streamed = joined(stream(s, c.text, 7));
        EXPECT_EQ(streamed.content, whole.content) << tool_format_name(c.format);
        EXPECT_EQ(streamed.reasoning_content, whole.reasoning_content) << tool_format_name(c.format);
        ASSERT_EQ(streamed.tool_calls.size(), 1u) << tool_format_name(c.format);
        EXPECT_EQ(streamed.tool_calls[0].name, whole.tool_calls[0].name);
        EXPECT_EQ(streamed.tool_calls[0].arguments, whole.tool_calls[0].arguments) << tool_format_name(c.format);
        // Re-reading the whole text after each 7-byte piece would look at about n^2/14 characters
        // (over 10^10 here). Resuming looks at each character a few times, plus a bounded
        // look-back per piece (the tail that may begin a marker).
        const size_t pieces = (c.text.size() + 6) / 7;
        EXPECT_LT(s.chars_scanned(), 6 * c.text.size() + 256 * pieces)
            << tool_format_name(c.format) << ": " << s.chars_scanned() << " characters looked at for " << c.text.size();
        std::printf("%s: %zu characters looked at for %zu in %zu pieces\n", tool_format_name(c.format), s.chars_scanned(),
                    c.text.size(), pieces);
    }
}

}  // namespace
}  // namespace cria
