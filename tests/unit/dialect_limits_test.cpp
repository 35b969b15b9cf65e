// Sizes the chat dialects' parsers bound at parse time (fuzz_request's and the robustness
// review's findings): each over-limit body is a 400 naming the dialect's field, and each bound
// holds at its limit.
#include <gtest/gtest.h>

#include <string>

#include "api/anthropic_messages.h"
#include "api/ollama_request.h"
#include "api/openai_chat.h"
#include "api/ollama_template.h"
#include "api/responses_request.h"
#include "api_error_of.h"

namespace cria {
namespace {

using json = nlohmann::json;

// A JSON Schema object whose text is at least `bytes` long.
json schema_of_size(size_t bytes) {
    return {{"type", "object"}, {"description", std::string(bytes, 'd')}};
}

CompletionDefaults small_grammar_limit(int32_t bytes) {
    CompletionDefaults d;
    d.limits.max_grammar_bytes = bytes;
    return d;
}

TEST(DialectLimits, AChatToolSchemaLongerThanTheGrammarLimitIsRefusedNamingTools) {
    const json tool = {{"type", "function"}, {"function", {{"name", "f"}, {"parameters", schema_of_size(200)}}}};
    const json body = {{"messages", {{{"role", "user"}, {"content", "x"}}}}, {"tools", {tool}}};
    const ApiError e = error_of([&] { parse_chat_request(body, small_grammar_limit(100), ""); });
    EXPECT_EQ(e.param, "tools");
    EXPECT_NE(e.message.find("tools[0].function.parameters"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("--max-grammar-size"), std::string::npos) << e.message;
    // At the limit: accepted.
    const size_t exact = tool["function"]["parameters"].dump().size();
    EXPECT_NO_THROW(parse_chat_request(body, small_grammar_limit(static_cast<int32_t>(exact)), ""));
}

TEST(DialectLimits, AnAnthropicInputSchemaTooLongIsRefusedNamingIt) {
    json body = json::parse(R"({"max_tokens": 8, "messages": [{"role": "user", "content": "x"}]})");
    body["tools"] = {{{"name", "f"}, {"input_schema", schema_of_size(200)}}};
    const ApiError e = error_of([&] { parse_anthropic_messages(body, small_grammar_limit(100)); });
    EXPECT_EQ(e.param, "tools[0].input_schema");
    EXPECT_NE(e.message.find("'tools[0].input_schema'"), std::string::npos) << e.message;
    EXPECT_NO_THROW(parse_anthropic_messages(body, small_grammar_limit(1000)));
}

TEST(DialectLimits, AResponsesToolParametersTooLongIsRefusedNamingTools) {
    const json body = {{"input", "x"},
                       {"tools", {{{"type", "function"}, {"name", "f"}, {"parameters", schema_of_size(200)}}}}};
    const ApiError e = error_of([&] { parse_responses_request(body, json::array(), small_grammar_limit(100)); });
    EXPECT_EQ(e.param, "tools");
    EXPECT_NE(e.message.find("tools[0].parameters"), std::string::npos) << e.message;
    EXPECT_NO_THROW(parse_responses_request(body, json::array(), small_grammar_limit(1000)));
}

json ollama_chat(size_t messages) {
    json list = json::array();
    for (size_t i = 0; i < messages; ++i) list.push_back({{"role", "user"}, {"content", "m"}});
    return {{"model", "m"}, {"messages", list}};
}

TEST(DialectLimits, OllamaChatMessagesAreAtMostMaxInputItems) {
    CompletionDefaults d;
    d.limits.max_input_items = 3;
    EXPECT_NO_THROW(parse_ollama_chat(ollama_chat(3), d, ""));
    const ApiError e = error_of([&] { parse_ollama_chat(ollama_chat(4), d, ""); });
    EXPECT_EQ(e.param, "messages");
    EXPECT_NE(e.message.find("--max-input-items"), std::string::npos) << e.message;
}

TEST(DialectLimits, OllamaChatToolsImagesAndToolCallsAreBoundedBeforeTheyAreConverted) {
    CompletionDefaults d;
    d.limits.max_tools = 2;
    d.limits.max_images = 1;
    json body = ollama_chat(1);
    const json tool = {{"type", "function"}, {"function", {{"name", "f"}}}};
    body["tools"] = {tool, tool, tool};
    EXPECT_EQ(error_of([&] { parse_ollama_chat(body, d, ""); }).param, "tools");

    body = ollama_chat(1);
    body["messages"][0]["images"] = {"notbase64", "notbase64"};  // counted before any is decoded
    ApiError e = error_of([&] { parse_ollama_chat(body, d, ""); });
    EXPECT_EQ(e.param, "messages");  // as chat names every error inside the conversation
    EXPECT_NE(e.message.find("'messages[0].images' has 2 images"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("--max-images"), std::string::npos) << e.message;

    body = ollama_chat(1);
    body["messages"][0] = {{"role", "assistant"}, {"content", ""}};
    const json call = {{"function", {{"name", "f"}, {"arguments", json::object()}}}};
    body["messages"][0]["tool_calls"] = {call, call, call};
    e = error_of([&] { parse_ollama_chat(body, d, ""); });
    EXPECT_EQ(e.param, "messages");
    EXPECT_NE(e.message.find("'messages[0].tool_calls' has 3 calls"), std::string::npos) << e.message;
}

json openai_chat(size_t messages) {
    json list = json::array();
    for (size_t i = 0; i < messages; ++i) list.push_back({{"role", "user"}, {"content", "m"}});
    return {{"messages", list}};
}

TEST(DialectLimits, ChatMessagesPartsToolsAndCallsAreBoundedAtTheirLimitsInclusive) {
    CompletionDefaults d;
    d.limits.max_input_items = 3;
    d.limits.max_content_parts = 2;
    d.limits.max_tools = 2;
    EXPECT_NO_THROW(parse_chat_request(openai_chat(3), d, ""));
    ApiError e = error_of([&] { parse_chat_request(openai_chat(4), d, ""); });
    EXPECT_EQ(e.param, "messages");
    EXPECT_NE(e.message.find("'messages' has 4 messages"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("--max-input-items"), std::string::npos) << e.message;

    const json part = {{"type", "text"}, {"text", "t"}};
    json body = openai_chat(1);
    body["messages"][0]["content"] = {part, part};
    EXPECT_NO_THROW(parse_chat_request(body, d, ""));
    body["messages"][0]["content"] = {part, part, part};
    e = error_of([&] { parse_chat_request(body, d, ""); });
    EXPECT_EQ(e.param, "messages");
    EXPECT_NE(e.message.find("'messages[0].content' has 3 parts"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("--max-content-parts"), std::string::npos) << e.message;

    const json tool = {{"type", "function"}, {"function", {{"name", "f"}}}};
    body = openai_chat(1);
    body["tools"] = {tool, tool};
    EXPECT_NO_THROW(parse_chat_request(body, d, ""));
    body["tools"] = {tool, tool, tool};
    e = error_of([&] { parse_chat_request(body, d, ""); });
    EXPECT_EQ(e.param, "tools");
    EXPECT_NE(e.message.find("--max-tools"), std::string::npos) << e.message;

    body = openai_chat(1);
    const json call = {{"id", "c"}, {"type", "function"}, {"function", {{"name", "f"}, {"arguments", "{}"}}}};
    body["messages"][0] = {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", {call, call, call}}};
    e = error_of([&] { parse_chat_request(body, d, ""); });
    EXPECT_EQ(e.param, "messages");
    EXPECT_NE(e.message.find("'messages[0].tool_calls' has 3 calls"), std::string::npos) << e.message;
}

TEST(DialectLimits, OllamaGenerateContextIsAtMostMaxDetokenizeTokens) {
    CompletionDefaults d;
    d.limits.max_detokenize_tokens = 4;
    json body = {{"model", "m"}, {"prompt", "x"}, {"context", {1, 2, 3, 4}}};
    EXPECT_EQ(parse_ollama_generate(body, d, "").context.size(), 4u);
    body["context"].push_back(5);
    const ApiError e = error_of([&] { parse_ollama_generate(body, d, ""); });
    EXPECT_EQ(e.param, "context");
    EXPECT_NE(e.message.find("--max-detokenize-tokens"), std::string::npos) << e.message;
}

TEST(DialectLimits, AnOllamaTemplateCannotRenderPastItsOutputLimit) {
    // 1,000 prompts of 100 bytes from a 12 KB template: 100 KB, over a 50 KB limit.
    std::string tmpl;
    for (int i = 0; i < 1000; ++i) tmpl += "{{ .Prompt }}";
    const std::string prompt(100, 'p');
    const ApiError e = error_of([&] { render_ollama_template(tmpl, "", prompt, 50000); });
    EXPECT_EQ(e.param, "template");
    EXPECT_EQ(render_ollama_template(tmpl, "", prompt, 100000).size(), 100000u);  // exactly at the limit
}

TEST(DialectLimits, DeeplyNestedOllamaIfsRenderInLinearTime) {
    // 200,000 nested ifs: checking every open if at each action would take 2 * 10^10 steps.
    const size_t depth = 200000;
    std::string tmpl;
    tmpl.reserve(depth * 30);
    for (size_t i = 0; i < depth; ++i) tmpl += "{{ if .System }}";
    tmpl += "inner{{ .Prompt }}";
    for (size_t i = 0; i < depth; ++i) tmpl += "{{ else }}e{{ end }}";
    // A system prompt: every if is taken (the quadratic case: all of them open and true), no else shows.
    EXPECT_EQ(render_ollama_template(tmpl, "s", "p"), "innerp");
    // None: the outermost if is not taken, so everything inside it is hidden; its else shows.
    EXPECT_EQ(render_ollama_template(tmpl, "", "p"), "e");
}

}  // namespace
}  // namespace cria
