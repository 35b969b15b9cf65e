// Every family's sample answers read whole, byte by byte and in random pieces must give the same
// answer, and the right one; calls' arguments must stream before the call ends.
#include <memory>
#include <random>

#include <gtest/gtest.h>

#include "api/answer_stream.h"

namespace cria {
namespace {

using json = nlohmann::json;

struct Sample {
    ToolFormat format;
    std::string text;
    std::string content;
    std::string reasoning;
    std::vector<std::pair<std::string, json>> calls;  // name, arguments
};

AssistantAnswer streamed(const AnswerOptions& o, const std::string& text, std::mt19937* rng, size_t fixed_step) {
    AnswerStream s(o);
    AssistantAnswer joined;
    auto take = [&joined](const std::vector<AnswerEvent>& events) {
        for (const auto& e : events) {
            if (e.kind == AnswerEvent::Kind::content) joined.content += e.text;
            if (e.kind == AnswerEvent::Kind::reasoning) joined.reasoning_content += e.text;
            if (e.kind == AnswerEvent::Kind::tool_call_begin) {
                EXPECT_EQ(e.tool_index, joined.tool_calls.size());
                joined.tool_calls.push_back({e.text, ""});
            }
            if (e.kind == AnswerEvent::Kind::tool_call_arguments) joined.tool_calls.at(e.tool_index).arguments += e.text;
        }
    };
    for (size_t i = 0; i < text.size();) {
        const size_t step = rng != nullptr ? 1 + (*rng)() % 7 : fixed_step;
        take(s.feed(text.substr(i, step)));
        i += step;
    }
    take(s.finish());
    EXPECT_EQ(joined.content, s.answer().content);
    EXPECT_EQ(joined.reasoning_content, s.answer().reasoning_content);
    EXPECT_EQ(joined.tool_calls.size(), s.answer().tool_calls.size());
    return s.answer();
}

void expect_sample(const Sample& sample, const AssistantAnswer& a, const std::string& how) {
    EXPECT_EQ(a.content, sample.content) << how << ": " << sample.text;
    EXPECT_EQ(a.reasoning_content, sample.reasoning) << how << ": " << sample.text;
    ASSERT_EQ(a.tool_calls.size(), sample.calls.size()) << how << ": " << sample.text;
    for (size_t i = 0; i < a.tool_calls.size(); ++i) {
        EXPECT_EQ(a.tool_calls[i].name, sample.calls[i].first) << how;
        EXPECT_EQ(json::parse(a.tool_calls[i].arguments, nullptr, false), sample.calls[i].second)
            << how << ": " << a.tool_calls[i].arguments;
    }
}

const json kParis = {{"city", "Paris"}};
const json kSum = {{"a", 1}, {"b", 2}};

std::vector<Sample> samples() {
    return {
        {ToolFormat::hermes,
         "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
         "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>",
         "Let me check.", "", {{"get_weather", kParis}, {"add", kSum}}},
        {ToolFormat::hermes, "<think>\nThe user wants weather.\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", "
                             "\"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
         "", "The user wants weather.", {{"get_weather", kParis}}},
        {ToolFormat::hermes, "<tool_call>{broken</tool_call> and 1 < 2", "<tool_call>{broken</tool_call> and 1 < 2", "", {}},
        {ToolFormat::hermes, "plain text, no call", "plain text, no call", "", {}},
        {ToolFormat::qwen3_coder,
         "Sure.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>",
         "Sure.", "", {{"get_weather", kParis}}},
        {ToolFormat::qwen3_coder,
         "<tool_call>\n<function=add>\n<parameter=a>\n1\n</parameter>\n<parameter=b>\n2\n</parameter>\n</function>\n</tool_call>",
         "", "", {{"add", kSum}}},
        {ToolFormat::llama3, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}", "", "",
         {{"get_weather", kParis}}},
        {ToolFormat::llama3, "<|python_tag|>brave_search.call(query=\"weather in Paris\")", "", "",
         {{"brave_search", {{"query", "weather in Paris"}}}}},
        {ToolFormat::llama3, "{\"a\": 1} is JSON, not a call", "{\"a\": 1} is JSON, not a call", "", {}},
        {ToolFormat::mistral,
         "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"abc123def\"}, "
         "{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}, \"id\": \"xyz987uvw\"}]",
         "", "", {{"get_weather", kParis}, {"add", kSum}}},
        {ToolFormat::mistral, "[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\"}", "", "", {{"get_weather", kParis}}},
        {ToolFormat::deepseek_r1,
         "<think>Need weather.</think>\n\n<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n"
         "```json\n{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
         "", "Need weather.", {{"get_weather", kParis}}},
        {ToolFormat::deepseek_v3_1,
         "Checking.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{\"city\": \"Paris\"}"
         "<｜tool▁call▁end｜><｜tool▁call▁begin｜>add<｜tool▁sep｜>{\"a\": 1, \"b\": 2}<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
         "Checking.", "", {{"get_weather", kParis}, {"add", kSum}}},
        {ToolFormat::functionary_v3_1, "<function=get_weather>{\"city\": \"Paris\"}</function>", "", "",
         {{"get_weather", kParis}}},
        {ToolFormat::functionary_v3_2, "all\nLet me look.>>>get_weather\n{\"city\": \"Paris\"}", "Let me look.", "",
         {{"get_weather", kParis}}},
        {ToolFormat::functionary_v3_2, "all\nHello there.", "Hello there.", "", {}},
        {ToolFormat::command_r7b,
         "<|START_THINKING|>I should call it.<|END_THINKING|><|START_ACTION|>[{\"tool_call_id\": \"0\", \"tool_name\": "
         "\"get_weather\", \"parameters\": {\"city\": \"Paris\"}}]<|END_ACTION|>",
         "", "I should call it.", {{"get_weather", kParis}}},
        {ToolFormat::command_r7b, "<|START_RESPONSE|>Hello!<|END_RESPONSE|>", "Hello!", "", {}},
        {ToolFormat::granite, "<|tool_call|>[{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]", "", "",
         {{"get_weather", kParis}}},
        {ToolFormat::glm_4_5,
         "<think>ok</think>\n<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Paris</arg_value>\n</tool_call>", "",
         "ok", {{"get_weather", kParis}}},
        {ToolFormat::kimi_k2,
         "I'll check.<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>"
         "{\"city\": \"Paris\"}<|tool_call_end|><|tool_calls_section_end|>",
         "I'll check.", "", {{"get_weather", kParis}}},
        {ToolFormat::gpt_oss,
         "<|channel|>analysis<|message|>User asks weather.<|end|><|start|>assistant<|channel|>commentary "
         "to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Paris\"}<|call|>",
         "", "User asks weather.", {{"get_weather", kParis}}},
        {ToolFormat::gpt_oss,
         "<|channel|>analysis<|message|>Simple.<|end|><|start|>assistant<|channel|>final<|message|>Hi there!", "Hi there!",
         "Simple.", {}},
        {ToolFormat::generic, "<tool_call>{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}</tool_call>", "", "",
         {{"add", kSum}}},
    };
}

TEST(AnswerFamilies, WholeByteByByteAndRandomPiecesAgree) {
    std::mt19937 rng(13);
    for (const Sample& sample : samples()) {
        const AnswerOptions o{true, sample.format};
        expect_sample(sample, parse_assistant_answer(sample.text, o), std::string("whole ") + tool_format_name(sample.format));
        expect_sample(sample, streamed(o, sample.text, nullptr, 1), std::string("bytes ") + tool_format_name(sample.format));
        for (int round = 0; round < 5; ++round) {
            expect_sample(sample, streamed(o, sample.text, &rng, 0), std::string("random ") + tool_format_name(sample.format));
        }
    }
}

TEST(AnswerFamilies, ArgumentsStreamBeforeTheCallEnds) {
    AnswerStream s({true, ToolFormat::hermes});
    const std::string head = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Par";
    size_t begins = 0;
    std::string arguments;
    for (char c : head) {
        for (const auto& e : s.feed(std::string(1, c))) {
            if (e.kind == AnswerEvent::Kind::tool_call_begin) ++begins;
            if (e.kind == AnswerEvent::Kind::tool_call_arguments) arguments += e.text;
        }
    }
    EXPECT_EQ(begins, 1u);
    EXPECT_EQ(arguments, "{\"city\": \"Par");
}

TEST(AnswerFamilies, ContentIsNotHeldWhenNoCallAppears) {
    AnswerStream s({true, ToolFormat::hermes});
    const auto events = s.feed("Hello world, this is text");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].text, "Hello world, this is text");
    EXPECT_TRUE(s.feed(" <tool_").empty());  // might become a call: held
}

TEST(AnswerFamilies, ReasoningFormats) {
    const std::string text = "<think>\nhmm\n</think>\n\nAnswer.";
    AnswerOptions o;
    o.reasoning = ReasoningFormat::none;
    EXPECT_EQ(parse_assistant_answer(text, o).content, text);
    EXPECT_EQ(parse_assistant_answer(text, o).reasoning_content, "");
    o.reasoning = ReasoningFormat::deepseek;
    EXPECT_EQ(parse_assistant_answer(text, o).content, "Answer.");
    EXPECT_EQ(parse_assistant_answer(text, o).reasoning_content, "hmm");
    o.reasoning = ReasoningFormat::deepseek_legacy;
    EXPECT_EQ(parse_assistant_answer(text, o).content, "<think>\nhmm\n</think>Answer.");
    EXPECT_EQ(parse_assistant_answer(text, o).reasoning_content, "hmm");
    // The prompt opened the think block: the answer starts inside it.
    AnswerOptions open;
    open.starts_in_reasoning = true;
    const auto a = parse_assistant_answer("still thinking</think>Done.", open);
    EXPECT_EQ(a.reasoning_content, "still thinking");
    EXPECT_EQ(a.content, "Done.");
    // Reasoning streams as it comes.
    AnswerStream s(open);
    const auto events = s.feed("first thought ");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, AnswerEvent::Kind::reasoning);
    EXPECT_EQ(events[0].text, "first thought");
}

TEST(AnswerFamilies, ParallelToolCallsFalseKeepsTheFirstCall) {
    AnswerOptions o{true, ToolFormat::hermes};
    o.parallel_tool_calls = false;
    const auto a = parse_assistant_answer(samples()[0].text, o);
    ASSERT_EQ(a.tool_calls.size(), 1u);
    EXPECT_EQ(a.tool_calls[0].name, "get_weather");
}

TEST(AnswerFamilies, XmlArgumentValuesTakeTheirTypeFromTheToolSchema) {
    const json tools = json::array({{{"type", "function"},
                                     {"function",
                                      {{"name", "f"},
                                       {"parameters",
                                        {{"type", "object"},
                                         {"properties",
                                          {{"code", {{"type", "string"}}},
                                           {"n", {{"type", "integer"}}},
                                           {"opts", {{"type", json::array({"object", "null"})}}},
                                           {"flag", {{"type", "boolean"}}}}}}}}}}});
    const json expected = {{"code", "42"}, {"n", 7}, {"opts", {{"a", 1}}}, {"flag", true}, {"other", 5}, {"text", "{\"x\"}"}};
    const std::vector<std::pair<ToolFormat, std::string>> answers = {
        {ToolFormat::qwen3_coder,
         "<tool_call>\n<function=f>\n<parameter=code>\n42\n</parameter>\n<parameter=n>\n7\n</parameter>\n"
         "<parameter=opts>\n{\"a\": 1}\n</parameter>\n<parameter=flag>\ntrue\n</parameter>\n<parameter=other>\n5\n"
         "</parameter>\n<parameter=text>\n{\"x\"}\n</parameter>\n</function>\n</tool_call>"},
        {ToolFormat::glm_4_5,
         "<tool_call>f\n<arg_key>code</arg_key>\n<arg_value>42</arg_value>\n<arg_key>n</arg_key>\n<arg_value>7</arg_value>\n"
         "<arg_key>opts</arg_key>\n<arg_value>{\"a\": 1}</arg_value>\n<arg_key>flag</arg_key>\n<arg_value>true</arg_value>\n"
         "<arg_key>other</arg_key>\n<arg_value>5</arg_value>\n<arg_key>text</arg_key>\n<arg_value>{\"x\"}</arg_value>\n</tool_call>"},
    };
    std::mt19937 rng(5);
    for (const auto& [format, text] : answers) {
        AnswerOptions o{true, format};
        o.parameter_types = std::make_shared<const ToolParameterTypes>(tool_parameter_types(tools));
        const Sample sample{format, text, "", "", {{"f", expected}}};
        expect_sample(sample, parse_assistant_answer(text, o), std::string("whole ") + tool_format_name(format));
        expect_sample(sample, streamed(o, text, nullptr, 1), std::string("bytes ") + tool_format_name(format));
        expect_sample(sample, streamed(o, text, &rng, 0), std::string("random ") + tool_format_name(format));
        // Without the schema the string "42" is guessed to be a number, as before.
        const AssistantAnswer guessed = parse_assistant_answer(text, AnswerOptions{true, format});
        ASSERT_EQ(guessed.tool_calls.size(), 1u);
        EXPECT_EQ(json::parse(guessed.tool_calls[0].arguments)["code"], 42);
    }
}

TEST(AnswerFamilies, FamiliesFromTemplates) {
    EXPECT_EQ(tool_format_for_template("<tool_call>\n<function=x>\n<parameter=y>"), ToolFormat::qwen3_coder);
    EXPECT_EQ(tool_format_for_template("<|tool_calls_section_begin|>"), ToolFormat::kimi_k2);
    EXPECT_EQ(tool_format_for_template("<|START_ACTION|>"), ToolFormat::command_r7b);
    EXPECT_EQ(tool_format_for_template("<|channel|>x<|message|>"), ToolFormat::gpt_oss);
    EXPECT_EQ(tool_format_for_template("<arg_key>"), ToolFormat::glm_4_5);
}

}  // namespace
}  // namespace cria
