// Anthropic Messages requests read into ChatRequest: the mapping of every block kind, tools,
// tool_choice, thinking and the sampling fields, and errors that name Anthropic's fields.
#include "api/anthropic_messages.h"

#include <gtest/gtest.h>

namespace cria {
namespace {

using json = nlohmann::json;

const std::string kPngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91Jpz";  // a 2x2 PNG's header

ChatRequest parse(const std::string& body, MessagesRoute route = MessagesRoute::create) {
    return parse_anthropic_messages(json::parse(body), CompletionDefaults{}, route);
}

ApiError error_of(const json& body, MessagesRoute route = MessagesRoute::create) {
    try {
        parse_anthropic_messages(body, CompletionDefaults{}, route);
    } catch (const ApiError& e) {
        return e;
    }
    ADD_FAILURE() << "no error for " << body.dump();
    return {};
}

json base() { return json::parse(R"({"model": "m", "max_tokens": 16, "messages": [{"role": "user", "content": "Hi"}]})"); }

const json kTools = json::parse(R"([
  {"name": "get_weather", "description": "Weather in a city",
   "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
  {"name": "add", "input_schema": {"type": "object"}}])");

TEST(AnthropicMessages, SystemAndTextBecomeMessagesAndSamplingFieldsTheNativeOptions) {
    const ChatRequest r = parse(R"({"model": "m", "max_tokens": 12, "system": [{"type": "text", "text": "Be brief."},
        {"type": "text", "text": "Be kind.", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": " there"}]},
                     {"role": "assistant", "content": "Hi!"}, {"role": "system", "content": [{"type": "text", "text": "Late."}]},
                     {"role": "user", "content": "Again"}],
        "stop_sequences": ["END", "STOP"], "temperature": 0.5, "top_p": 0.9, "top_k": 7, "stream": true,
        "metadata": {"user_id": "u1"}})");
    EXPECT_EQ(r.messages, json::parse(R"([{"role": "system", "content": "Be brief.\nBe kind."},
        {"role": "user", "content": "Hello there"}, {"role": "assistant", "content": "Hi!"},
        {"role": "system", "content": "Late."}, {"role": "user", "content": "Again"}])"));
    const GenerationRequest& g = r.options.generation;
    EXPECT_EQ(g.stop.n_predict, 12);
    EXPECT_TRUE(r.max_tokens_given);
    EXPECT_EQ(g.stop.stop, (std::vector<std::string>{"END", "STOP"}));
    EXPECT_FLOAT_EQ(g.sampling.temperature, 0.5f);
    EXPECT_FLOAT_EQ(g.sampling.top_p, 0.9f);
    EXPECT_EQ(g.sampling.top_k, 7);
    EXPECT_TRUE(g.stream);
    EXPECT_TRUE(r.tools.empty());
    EXPECT_FALSE(r.offers_tools());
}

TEST(AnthropicMessages, ToolUseAndToolResultBecomeToolCallsAndToolMessagesInOrder) {
    json body = base();
    body["tools"] = kTools;
    body["messages"] = json::parse(R"([
      {"role": "user", "content": "Weather in Paris, and 2+3?"},
      {"role": "assistant", "content": [{"type": "thinking", "thinking": "Two calls.", "signature": "sig"},
        {"type": "redacted_thinking", "data": "xyz"}, {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
        {"type": "tool_use", "id": "toolu_2", "name": "add", "input": {"a": 2, "b": 3}}]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "Sunny"}]},
        {"type": "tool_result", "tool_use_id": "toolu_2", "content": "boom", "is_error": true},
        {"type": "text", "text": "Thanks"}]}])");
    const ChatRequest r = parse_anthropic_messages(body, CompletionDefaults{});
    ASSERT_EQ(r.messages.size(), 5u);
    const json& assistant = r.messages[1];
    EXPECT_EQ(assistant["content"], "Checking.");
    EXPECT_EQ(assistant["reasoning_content"], "Two calls.");
    ASSERT_EQ(assistant["tool_calls"].size(), 2u);
    EXPECT_EQ(assistant["tool_calls"][0]["id"], "toolu_1");
    EXPECT_EQ(assistant["tool_calls"][0]["type"], "function");
    EXPECT_EQ(assistant["tool_calls"][0]["function"]["name"], "get_weather");
    EXPECT_EQ(json::parse(assistant["tool_calls"][0]["function"]["arguments"].get<std::string>()), json({{"city", "Paris"}}));
    EXPECT_EQ(r.messages[2], json::parse(R"({"role": "tool", "tool_call_id": "toolu_1", "name": "get_weather", "content": "Sunny"})"));
    EXPECT_EQ(r.messages[3], json::parse(R"({"role": "tool", "tool_call_id": "toolu_2", "name": "add", "content": "Error: boom"})"));
    EXPECT_EQ(r.messages[4], json::parse(R"({"role": "user", "content": "Thanks"})"));
}

TEST(AnthropicMessages, ToolsBecomeFunctionToolsAndToolChoiceMaps) {
    json body = base();
    body["tools"] = kTools;
    ChatRequest r = parse_anthropic_messages(body, CompletionDefaults{});
    ASSERT_EQ(r.tools.size(), 2u);
    EXPECT_EQ(r.tools[0], json::parse(R"({"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}})"));
    EXPECT_EQ(r.tool_choice, "auto");
    EXPECT_TRUE(r.parallel_tool_calls);

    const std::pair<json, std::string> cases[] = {{{{"type", "auto"}}, "auto"},
                                                  {{{"type", "any"}}, "required"},
                                                  {{{"type", "tool"}, {"name", "add"}}, "add"},
                                                  {{{"type", "none"}}, "none"}};
    for (const auto& [choice, expected] : cases) {
        body["tool_choice"] = choice;
        EXPECT_EQ(parse_anthropic_messages(body, CompletionDefaults{}).tool_choice, expected) << choice.dump();
    }
    body["tool_choice"] = {{"type", "any"}, {"disable_parallel_tool_use", true}};
    r = parse_anthropic_messages(body, CompletionDefaults{});
    EXPECT_TRUE(r.force_tool_call());
    EXPECT_FALSE(r.parallel_tool_calls);
}

TEST(AnthropicMessages, ThinkingSetsTheReasoningBudgetAndTheTemplateSwitch) {
    json body = base();
    body["max_tokens"] = 2048;
    body["thinking"] = {{"type", "enabled"}, {"budget_tokens", 1024}};
    ChatRequest r = parse_anthropic_messages(body, CompletionDefaults{});
    EXPECT_EQ(r.reasoning_budget, 1024);
    EXPECT_EQ(r.chat_template_kwargs["enable_thinking"], true);
    body["thinking"] = {{"type", "disabled"}};
    r = parse_anthropic_messages(body, CompletionDefaults{});
    EXPECT_EQ(r.reasoning_budget, 0);
    EXPECT_EQ(r.chat_template_kwargs["enable_thinking"], false);
    body["thinking"] = {{"type", "enabled"}, {"budget_tokens", 2048}};  // not below max_tokens
    EXPECT_EQ(error_of(body).param, "thinking.budget_tokens");
    body["thinking"] = {{"type", "enabled"}};
    EXPECT_EQ(error_of(body).param, "thinking.budget_tokens");
    body["thinking"] = {{"type", "sometimes"}};
    EXPECT_EQ(error_of(body).param, "thinking.type");
}

TEST(AnthropicMessages, ImagesGoThroughTheImagePathWithAMarkerInTheText) {
    json body = base();
    body["messages"][0]["content"] = json::array(
        {{{"type", "text"}, {"text", "What is this? "}},
         {{"type", "image"}, {"source", {{"type", "base64"}, {"media_type", "image/png"}, {"data", kPngBase64}}}}});
    const ChatRequest r = parse_anthropic_messages(body, CompletionDefaults{});
    ASSERT_EQ(r.images.size(), 1u);
    EXPECT_EQ(r.messages[0]["content"], std::string("What is this? ") + kImageMarker);
    EXPECT_EQ(r.images[0].field, "messages[0].content[1].source.data");
    EXPECT_EQ(r.images[0].bytes.substr(1, 3), "PNG");

    // A url source may only name a file:// URL under --media-path (api/media_file.h); this server fetches nothing.
    body["messages"][0]["content"][1]["source"] = {{"type", "url"}, {"url", "http://x.invalid/a.png"}};
    EXPECT_EQ(error_of(body).param, "messages[0].content[1].source.url");
    body["messages"][0]["content"][1]["source"] = {{"type", "url"}, {"url", "file://a.png"}};
    EXPECT_EQ(error_of(body).param, "messages[0].content[1].source.url");  // no --media-path
    body["messages"][0]["content"][1]["source"] = {{"type", "file"}, {"file_id", "f"}};
    EXPECT_EQ(error_of(body).param, "messages[0].content[1].source.type");
    body["messages"][0]["content"][1]["source"] = {{"type", "base64"}, {"media_type", "image/png"}, {"data", "***"}};
    EXPECT_EQ(error_of(body).param, "messages[0].content[1].source.data");
}

TEST(AnthropicMessages, ErrorsNameAnthropicsFields) {
    json body = base();
    body.erase("max_tokens");
    ApiError e = error_of(body);
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.param, "max_tokens");
    EXPECT_NE(e.message.find("max_tokens"), std::string::npos);
    // count_tokens takes no max_tokens.
    EXPECT_NO_THROW(parse_anthropic_messages(body, CompletionDefaults{}, MessagesRoute::count_tokens));

    const std::pair<std::string, std::string> cases[] = {
        {R"({"max_tokens": 0, "messages": [{"role": "user", "content": "x"}]})", "max_tokens"},
        {R"({"max_tokens": 5})", "messages"},
        {R"({"max_tokens": 5, "messages": []})", "messages"},
        {R"({"max_tokens": 5, "messages": [{"role": "robot", "content": "x"}]})", "messages[0].role"},
        {R"({"max_tokens": 5, "messages": [{"role": "system", "content": [{"type": "image"}]}]})", "messages[0].content[0].type"},
        {R"({"max_tokens": 5, "messages": [{"role": "user"}]})", "messages[0].content"},
        {R"({"max_tokens": 5, "messages": [{"role": "user", "content": [{"type": "document"}]}]})", "messages[0].content[0].type"},
        {R"({"max_tokens": 5, "messages": [{"role": "user", "content": [{"type": "text"}]}]})", "messages[0].content[0].text"},
        {R"({"max_tokens": 5, "messages": [{"role": "assistant", "content": [{"type": "tool_use", "id": "a", "name": "f", "input": 3}]}]})",
         "messages[0].content[0].input"},
        {R"({"max_tokens": 5, "messages": [{"role": "user", "content": [{"type": "tool_result"}]}]})", "messages[0].content[0].tool_use_id"},
        {R"({"max_tokens": 5, "system": 3, "messages": [{"role": "user", "content": "x"}]})", "system"},
        {R"({"max_tokens": 5, "temperature": 1.5, "messages": [{"role": "user", "content": "x"}]})", "temperature"},
        {R"({"max_tokens": 5, "stop_sequences": "x", "messages": [{"role": "user", "content": "x"}]})", "stop_sequences"},
        {R"({"max_tokens": 5, "stop_sequences": [""], "messages": [{"role": "user", "content": "x"}]})", "stop_sequences[0]"},
        {R"({"max_tokens": 5, "tools": [{"name": "f"}], "messages": [{"role": "user", "content": "x"}]})", "tools[0].input_schema"},
        {R"({"max_tokens": 5, "tools": [{"name": "f g", "input_schema": {}}], "messages": [{"role": "user", "content": "x"}]})", "tools[0].name"},
        {R"({"max_tokens": 5, "tools": [{"type": "web_search_20250305", "name": "web_search"}], "messages": [{"role": "user", "content": "x"}]})",
         "tools[0].type"},
        {R"({"max_tokens": 5, "tool_choice": {"type": "any"}, "messages": [{"role": "user", "content": "x"}]})", "tool_choice"},
        {R"({"max_tokens": 5, "tools": [{"name": "f", "input_schema": {}}], "tool_choice": {"type": "tool", "name": "g"},
             "messages": [{"role": "user", "content": "x"}]})", "tool_choice.name"},
        {R"({"max_tokens": 5, "tool_choice": "auto", "messages": [{"role": "user", "content": "x"}]})", "tool_choice"},
        {R"({"max_tokens": 5, "metadata": "x", "messages": [{"role": "user", "content": "x"}]})", "metadata"},
    };
    for (const auto& [text, field] : cases) {
        e = error_of(json::parse(text));
        EXPECT_EQ(e.param, field) << text << " -> " << e.message;
        EXPECT_NE(e.message.find(field), std::string::npos) << e.message;
    }
}

TEST(AnthropicMessages, SizesOverTheLimitsAre400sNamingTheField) {
    json body = base();
    body["stop_sequences"] = json::array();
    for (int i = 0; i < RequestLimits{}.max_stop_strings + 1; ++i) body["stop_sequences"].push_back("s" + std::to_string(i));
    EXPECT_EQ(error_of(body).param, "stop_sequences");

    body = base();
    body["tools"] = json::array();
    for (size_t i = 0; i < kMaxMessagesTools + 1; ++i) {
        body["tools"].push_back({{"name", "t" + std::to_string(i)}, {"input_schema", json::object()}});
    }
    EXPECT_EQ(error_of(body).param, "tools");

    body = base();
    body["messages"][0]["content"] = json::array();
    const json image = {{"type", "image"}, {"source", {{"type", "base64"}, {"media_type", "image/png"}, {"data", kPngBase64}}}};
    for (int i = 0; i < RequestLimits{}.max_images + 1; ++i) body["messages"][0]["content"].push_back(image);
    EXPECT_EQ(error_of(body).param, "messages");
}

}  // namespace
}  // namespace cria
