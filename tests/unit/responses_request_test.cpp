// OpenAI Responses requests read as the one chat request: input items to chat messages, tools,
// tool_choice, text.format, reasoning, limits, and errors that name the Responses field.
#include "api/responses_request.h"

#include <gtest/gtest.h>

#include "api/responses_items.h"

namespace cria {
namespace {

using json = nlohmann::json;

CompletionDefaults defaults() {
    CompletionDefaults d;
    d.n_slots = 2;
    return d;
}

ResponsesRequest parse(const json& body, const json& history = json::array(), const CompletionDefaults& d = defaults()) {
    return parse_responses_request(body, history, d, body.dump());
}

ApiError error_of(const json& body, const CompletionDefaults& d = defaults()) {
    try {
        parse(body, json::array(), d);
    } catch (const ApiError& e) {
        return e;
    }
    ADD_FAILURE() << "no error for " << body.dump();
    return {};
}

TEST(ResponsesRequest, StringInputIsOneUserMessageAfterTheInstructions) {
    const auto r = parse({{"input", "Hello"}, {"instructions", "Be brief"}, {"max_output_tokens", 7}});
    ASSERT_EQ(r.chat.messages.size(), 2u);
    EXPECT_EQ(r.chat.messages[0]["role"], "system");
    EXPECT_EQ(r.chat.messages[0]["content"], "Be brief");
    EXPECT_EQ(r.chat.messages[1]["role"], "user");
    EXPECT_EQ(r.chat.messages[1]["content"], "Hello");
    EXPECT_EQ(r.chat.options.generation.stop.n_predict, 7);
    EXPECT_TRUE(r.chat.max_tokens_given);
    EXPECT_FALSE(r.store);  // stateless unless asked
    EXPECT_EQ(r.input_items.size(), 1u);
    EXPECT_EQ(r.input_items[0]["type"], "message");
    EXPECT_EQ(r.settings["instructions"], "Be brief");
    EXPECT_EQ(r.settings["max_output_tokens"], 7);
    EXPECT_EQ(r.settings["text"]["format"]["type"], "text");
}

TEST(ResponsesRequest, ItemsBecomeChatMessagesWithToolCallsAndResults) {
    const json input = json::array({
        {{"role", "developer"}, {"content", "rules"}},
        {{"type", "message"}, {"role", "user"}, {"content", json::array({{{"type", "input_text"}, {"text", "Weather "}},
                                                                         {{"type", "input_text"}, {"text", "in Paris?"}}})}},
        {{"type", "reasoning"}, {"summary", json::array()}, {"content", json::array({{{"type", "reasoning_text"}, {"text", "think"}}})}},
        {{"type", "function_call"}, {"call_id", "call_1"}, {"name", "get_weather"}, {"arguments", "{\"city\":\"Paris\"}"}},
        {{"type", "function_call"}, {"call_id", "call_2"}, {"name", "get_time"}, {"arguments", "{}"}},
        {{"type", "function_call_output"}, {"call_id", "call_1"}, {"output", "sunny"}},
        {{"type", "function_call_output"}, {"call_id", "call_2"}, {"output", json::array({{{"type", "input_text"}, {"text", "noon"}}})}},
    });
    const json messages = items_to_chat_messages(read_input_items(input, RequestLimits{}));
    ASSERT_EQ(messages.size(), 5u) << messages.dump();
    EXPECT_EQ(messages[0]["role"], "developer");
    EXPECT_EQ(messages[1]["content"], "Weather in Paris?");
    EXPECT_EQ(messages[2]["role"], "assistant");
    EXPECT_EQ(messages[2]["reasoning_content"], "think");
    ASSERT_EQ(messages[2]["tool_calls"].size(), 2u);  // consecutive calls are one assistant turn
    EXPECT_EQ(messages[2]["tool_calls"][0]["id"], "call_1");
    EXPECT_EQ(messages[2]["tool_calls"][0]["function"]["name"], "get_weather");
    EXPECT_EQ(messages[2]["tool_calls"][0]["function"]["arguments"], "{\"city\":\"Paris\"}");
    EXPECT_EQ(messages[3]["role"], "tool");
    EXPECT_EQ(messages[3]["tool_call_id"], "call_1");
    EXPECT_EQ(messages[3]["content"], "sunny");
    EXPECT_EQ(messages[4]["content"], "noon");
}

TEST(ResponsesRequest, AFunctionCallJoinsTheAssistantMessageBeforeIt) {
    const json items = json::array({
        {{"type", "message"}, {"role", "assistant"}, {"content", json::array({{{"type", "output_text"}, {"text", "Let me look."}}})}},
        {{"type", "function_call"}, {"call_id", "c"}, {"name", "f"}, {"arguments", "{}"}},
    });
    const json messages = items_to_chat_messages(items);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0]["content"], "Let me look.");
    EXPECT_EQ(messages[0]["tool_calls"].size(), 1u);
}

TEST(ResponsesRequest, HistoryComesBeforeTheNewInputAndInstructionsFirst) {
    const json history = json::array({{{"type", "message"}, {"role", "user"}, {"content", "one"}},
                                      {{"type", "message"}, {"role", "assistant"}, {"content", "two"}}});
    const auto r = parse({{"input", "three"}, {"previous_response_id", "resp_x"}, {"instructions", "sys"}}, history);
    ASSERT_EQ(r.chat.messages.size(), 4u);
    EXPECT_EQ(r.chat.messages[0]["content"], "sys");
    EXPECT_EQ(r.chat.messages[1]["content"], "one");
    EXPECT_EQ(r.chat.messages[3]["content"], "three");
    EXPECT_EQ(r.conversation.size(), 3u);  // what a stored response keeps: no instructions
    EXPECT_EQ(r.previous_response_id, "resp_x");
}

TEST(ResponsesRequest, ImagesBecomeChatImages) {
    // A 1x1 PNG.
    const std::string png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    const auto r = parse({{"input", json::array({{{"role", "user"},
                                                  {"content", json::array({{{"type", "input_text"}, {"text", "What is it?"}},
                                                                           {{"type", "input_image"}, {"image_url", png}}})}}})}});
    EXPECT_EQ(r.chat.images.size(), 1u);
    EXPECT_NE(r.chat.messages[0]["content"].get<std::string>().find(kImageMarker), std::string::npos);
}

TEST(ResponsesRequest, FunctionToolsAreChatToolsAndHostedToolsAreNotOffered) {
    const json tools = json::array({{{"type", "function"}, {"name", "add"}, {"description", "adds"}, {"strict", true},
                                     {"parameters", {{"type", "object"}, {"properties", {{"a", {{"type", "integer"}}}}}}}},
                                    {{"type", "web_search"}}});
    const auto r = parse({{"input", "x"}, {"tools", tools}, {"tool_choice", {{"type", "function"}, {"name", "add"}}},
                          {"parallel_tool_calls", false}});
    ASSERT_EQ(r.chat.tools.size(), 1u);
    EXPECT_EQ(r.chat.tools[0]["type"], "function");
    EXPECT_EQ(r.chat.tools[0]["function"]["name"], "add");
    EXPECT_EQ(r.chat.tools[0]["function"]["parameters"]["properties"]["a"]["type"], "integer");
    EXPECT_EQ(r.chat.tool_choice, "add");
    EXPECT_TRUE(r.chat.force_tool_call());
    EXPECT_FALSE(r.chat.parallel_tool_calls);
    EXPECT_EQ(r.settings["tools"].size(), 1u);
    EXPECT_EQ(r.settings["tools"][0]["name"], "add");
}

TEST(ResponsesRequest, TextFormatJsonSchemaIsAGrammar) {
    const json format = {{"type", "json_schema"}, {"name", "pt"},
                         {"schema", {{"type", "object"}, {"properties", {{"x", {{"type", "integer"}}}}}, {"required", {"x"}}}}};
    const auto r = parse({{"input", "x"}, {"text", {{"format", format}}}});
    EXPECT_FALSE(r.chat.options.generation.sampling.grammar.empty());
    EXPECT_EQ(r.settings["text"]["format"]["name"], "pt");
    const auto plain = parse({{"input", "x"}, {"text", {{"format", {{"type", "text"}}}}}});
    EXPECT_TRUE(plain.chat.options.generation.sampling.grammar.empty());
}

TEST(ResponsesRequest, ReasoningEffortNoneTurnsThinkingOff) {
    const auto off = parse({{"input", "x"}, {"reasoning", {{"effort", "none"}, {"summary", "auto"}}}});
    EXPECT_EQ(off.chat.chat_template_kwargs["enable_thinking"], false);
    EXPECT_EQ(off.chat.reasoning_budget, 0);
    EXPECT_EQ(off.settings["reasoning"]["summary"], "auto");
    const auto high = parse({{"input", "x"}, {"reasoning", {{"effort", "high"}}}});
    EXPECT_FALSE(high.chat.chat_template_kwargs.contains("enable_thinking"));
    EXPECT_EQ(high.chat.reasoning_budget, -1);
}

TEST(ResponsesRequest, SamplingAndStoreSettings) {
    const auto r = parse({{"input", "x"}, {"temperature", 0.5}, {"top_p", 0.9}, {"store", true}, {"stream", true},
                          {"metadata", {{"k", "v"}}}, {"user", "u1"}, {"seed", 3}});
    EXPECT_FLOAT_EQ(r.chat.options.generation.sampling.temperature, 0.5f);
    EXPECT_FLOAT_EQ(r.chat.options.generation.sampling.top_p, 0.9f);
    EXPECT_EQ(r.chat.options.generation.sampling.seed, 3u);
    EXPECT_TRUE(r.store);
    EXPECT_TRUE(r.stream);
    EXPECT_TRUE(r.chat.options.generation.stream);
    EXPECT_EQ(r.settings["metadata"]["k"], "v");
    EXPECT_EQ(r.settings["user"], "u1");
    EXPECT_EQ(r.settings["temperature"], 0.5);
}

TEST(ResponsesRequest, ErrorsNameTheResponsesField) {
    EXPECT_EQ(error_of({{"model", "x"}}).param, "input");
    EXPECT_EQ(error_of({{"input", 5}}).param, "input");
    EXPECT_EQ(error_of({{"input", json::array({{{"role", "robot"}, {"content", "x"}}})}}).param, "input");
    EXPECT_EQ(error_of({{"input", json::array({{{"type", "item_reference"}, {"id", "x"}}})}}).param, "input");
    EXPECT_EQ(error_of({{"input", json::array({{{"type", "function_call"}, {"call_id", "c"}, {"name", "f"}}})}}).param, "input");
    EXPECT_EQ(error_of({{"input", json::array({{{"role", "user"}, {"content", json::array({{{"type", "input_image"},
                                                                                          {"image_url", "http://x/y.png"}}})}}})}})
                  .param,
              "input");
    EXPECT_EQ(error_of({{"input", "x"}, {"instructions", 3}}).param, "instructions");
    EXPECT_EQ(error_of({{"input", "x"}, {"tools", json::array({{{"type", "function"}}})}}).param, "tools");
    EXPECT_EQ(error_of({{"input", "x"}, {"tool_choice", "required"}}).param, "tool_choice");
    EXPECT_EQ(error_of({{"input", "x"}, {"tools", json::array({{{"type", "function"}, {"name", "f"}}})},
                        {"tool_choice", {{"type", "function"}, {"name", "g"}}}})
                  .param,
              "tool_choice");
    EXPECT_EQ(error_of({{"input", "x"}, {"text", {{"format", {{"type", "yaml"}}}}}}).param, "text.format");
    EXPECT_EQ(error_of({{"input", "x"}, {"text", {{"format", {{"type", "json_schema"}}}}}}).param, "text.format");
    EXPECT_EQ(error_of({{"input", "x"}, {"reasoning", {{"effort", 3}}}}).param, "reasoning");
    EXPECT_EQ(error_of({{"input", "x"}, {"max_output_tokens", 0}}).param, "max_output_tokens");
    EXPECT_EQ(error_of({{"input", "x"}, {"max_output_tokens", "ten"}}).param, "max_output_tokens");
    EXPECT_EQ(error_of({{"input", "x"}, {"temperature", -1}}).param, "temperature");
    EXPECT_EQ(error_of({{"input", "x"}, {"previous_response_id", 7}}).param, "previous_response_id");
    EXPECT_EQ(error_of({{"input", "x"}, {"store", "yes"}}).param, "store");
    EXPECT_EQ(error_of({{"input", "x"}, {"metadata", {{"k", 1}}}}).param, "metadata");
    EXPECT_EQ(error_of({{"input", "x"}, {"background", true}}).param, "background");
    const ApiError e = error_of({{"input", "x"}, {"max_output_tokens", 0}});
    EXPECT_NE(e.message.find("max_output_tokens"), std::string::npos) << e.message;
}

TEST(ResponsesRequest, SizesAreBoundedAtParseTime) {
    CompletionDefaults d = defaults();
    d.limits.max_input_items = 2;
    d.limits.max_content_parts = 1;
    d.limits.max_tools = 1;
    const json three = json::array({{{"role", "user"}, {"content", "a"}}, {{"role", "user"}, {"content", "b"}},
                                    {{"role", "user"}, {"content", "c"}}});
    ApiError e = error_of({{"input", three}}, d);
    EXPECT_EQ(e.param, "input");
    EXPECT_NE(e.message.find("--max-input-items"), std::string::npos) << e.message;
    const json parts = json::array({{{"type", "input_text"}, {"text", "a"}}, {{"type", "input_text"}, {"text", "b"}}});
    e = error_of({{"input", json::array({{{"role", "user"}, {"content", parts}}})}}, d);
    EXPECT_EQ(e.param, "input");
    EXPECT_NE(e.message.find("--max-content-parts"), std::string::npos) << e.message;
    const json tool = {{"type", "function"}, {"name", "f"}};
    e = error_of({{"input", "x"}, {"tools", json::array({tool, tool})}}, d);
    EXPECT_EQ(e.param, "tools");
    EXPECT_NE(e.message.find("--max-tools"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace cria
