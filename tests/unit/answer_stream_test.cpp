#include "api/answer_stream.h"

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
