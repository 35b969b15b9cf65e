#include "api/tool_calls.h"

#include <cctype>

#include <gtest/gtest.h>

#include "api/answer_stream.h"
#include "api/api_error.h"
#include "api/openai_completion.h"
#include "api/responses_output.h"

namespace cria {
namespace {

TEST(ToolCalls, HermesCallsAreParsedOutOfTheText) {
    const auto a = parse_assistant_answer(
        "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
        "<tool_call>{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}</tool_call>",
        true);
    ASSERT_EQ(a.tool_calls.size(), 2u);
    EXPECT_EQ(a.tool_calls[0].name, "get_weather");
    EXPECT_EQ(nlohmann::json::parse(a.tool_calls[0].arguments), nlohmann::json({{"city", "Paris"}}));
    EXPECT_EQ(a.tool_calls[1].name, "add");
    EXPECT_EQ(a.content, "Let me check.");
}

TEST(ToolCalls, MistralAndLlama3Formats) {
    auto m = parse_assistant_answer("[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {\"x\": 1}}]",
                                    AnswerOptions{true, ToolFormat::mistral});
    ASSERT_EQ(m.tool_calls.size(), 1u);
    EXPECT_EQ(m.tool_calls[0].name, "f");
    EXPECT_EQ(m.content, "");
    auto l = parse_assistant_answer("<|python_tag|>{\"name\": \"g\", \"parameters\": {\"y\": \"z\"}}",
                                    AnswerOptions{true, ToolFormat::llama3});
    ASSERT_EQ(l.tool_calls.size(), 1u);
    EXPECT_EQ(l.tool_calls[0].name, "g");
    EXPECT_EQ(nlohmann::json::parse(l.tool_calls[0].arguments), nlohmann::json({{"y", "z"}}));
}

TEST(ToolCalls, NothingIsParsedWithoutToolsOrFromPlainText) {
    EXPECT_TRUE(parse_assistant_answer("<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>", false).tool_calls.empty());
    const auto a = parse_assistant_answer("just text {not json}", true);
    EXPECT_TRUE(a.tool_calls.empty());
    EXPECT_EQ(a.content, "just text {not json}");
    EXPECT_TRUE(parse_assistant_answer("<tool_call>{broken</tool_call>", true).tool_calls.empty());
}

TEST(ToolCalls, ThinkingIsSplitIntoReasoningContent) {
    const auto a = parse_assistant_answer("<think>\nfirst, think\n</think>\n\nThe answer is 4.", false);
    EXPECT_EQ(a.reasoning_content, "first, think");
    EXPECT_EQ(a.content, "The answer is 4.");
}

TEST(ToolCalls, FormatFromTheTemplate) {
    EXPECT_EQ(tool_format_for_template("{{ '<tool_call>' }}"), ToolFormat::hermes);
    EXPECT_EQ(tool_format_for_template("[TOOL_CALLS]"), ToolFormat::mistral);
    EXPECT_EQ(tool_format_for_template("<|python_tag|>"), ToolFormat::llama3);
    EXPECT_EQ(tool_format_for_template("plain chatml"), ToolFormat::generic);
}

TEST(ToolCalls, GrammarWrapsTheCallInTheFormatsMarkers) {
    const nlohmann::json tools = {{{"type", "function"},
                                   {"function", {{"name", "f"}, {"parameters", {{"type", "object"}, {"properties", {{"x", {{"type", "integer"}}}}}}}}}}};
    const std::string g = tool_call_grammar(tools, "", ToolFormat::hermes);
    EXPECT_EQ(g.rfind("root ::= \"<tool_call>\\n\" t0-root \"\\n</tool_call>\"", 0), 0u) << g;
    EXPECT_NE(g.find("t0-root ::="), std::string::npos);
    EXPECT_EQ(tool_call_grammar(tools, "", ToolFormat::mistral).rfind("root ::= \"[TOOL_CALLS][\" t0-root \"]\"", 0), 0u);
    EXPECT_THROW(tool_call_grammar(tools, "missing", ToolFormat::hermes), ApiError);
}

TEST(ToolCalls, GrammarStopsAtTheGrammarBudget) {
    nlohmann::json properties = nlohmann::json::object();
    for (int i = 0; i < 20; ++i) properties["field_" + std::to_string(i)] = {{"type", "string"}};
    const nlohmann::json tools = {{{"type", "function"},
                                   {"function", {{"name", "f"}, {"parameters", {{"type", "object"}, {"properties", properties}}}}}}};
    EXPECT_NO_THROW(tool_call_grammar(tools, "", ToolFormat::hermes));
    try {
        tool_call_grammar(tools, "", ToolFormat::hermes, 1024);
        ADD_FAILURE() << "a tool grammar over the budget was built";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.param, "tools");
    }
}

TEST(ToolCalls, ValidationNamesTools) {
    try {
        validate_tools(nlohmann::json::array({{{"type", "function"}, {"function", nlohmann::json::object()}}}));
        FAIL();
    } catch (const ApiError& e) {
        EXPECT_EQ(e.param, "tools");
    }
}

}  // namespace
}  // namespace cria

namespace cria {
namespace {

TEST(ToolCallIds, MistralGetsNineLettersAndDigitsOthersCallPrefix) {
    for (int i = 0; i < 50; ++i) {
        const std::string mistral = tool_call_id(ToolFormat::mistral);
        ASSERT_EQ(mistral.size(), 9u) << mistral;
        for (char c : mistral) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << mistral;
    }
    EXPECT_NE(tool_call_id(ToolFormat::mistral), tool_call_id(ToolFormat::mistral));
    for (ToolFormat f : {ToolFormat::hermes, ToolFormat::qwen3_coder, ToolFormat::llama3, ToolFormat::gpt_oss}) {
        const std::string id = tool_call_id(f);
        EXPECT_EQ(id.rfind("call_", 0), 0u) << id;
        EXPECT_EQ(id.size(), 29u) << id;
    }
}

// Responses clients send a function call's call_id back with its output, and the template renders
// it: for Mistral it must have the shape its templates take.
TEST(ToolCallIds, ResponsesFunctionCallsUseTheFamilysIds) {
    const cria::AnswerEvent begin{cria::AnswerEvent::Kind::tool_call_begin, "get_weather", 0};
    cria::ResponsesOutput mistral(ToolFormat::mistral);
    mistral.apply(begin);
    mistral.finish(false);
    const std::string id = mistral.items().at(0).at("call_id");
    ASSERT_EQ(id.size(), 9u) << id;
    for (char c : id) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << id;

    cria::ResponsesOutput hermes(ToolFormat::hermes);
    hermes.apply(begin);
    hermes.finish(false);
    EXPECT_EQ(hermes.items().at(0).at("call_id").get<std::string>().rfind("call_", 0), 0u);
}

}  // namespace
}  // namespace cria
