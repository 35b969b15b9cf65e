// Anthropic's Messages answers (api/anthropic_format.h): the whole message, the stream's event
// sequence, and the error shapes.
#include "api/anthropic_format.h"

#include <gtest/gtest.h>

#include "api/anthropic_error.h"

namespace cria {
namespace {

using json = nlohmann::json;

struct Event {
    std::string name;
    json data;
};

// Splits SSE text into its events, checking the framing: "event: <name>\ndata: <json>\n\n", the
// name equal to the data's "type".
std::vector<Event> events_of(const std::string& text) {
    std::vector<Event> out;
    size_t at = 0;
    while (at < text.size()) {
        const size_t end = text.find("\n\n", at);
        EXPECT_NE(end, std::string::npos) << "unterminated event in: " << text;
        if (end == std::string::npos) break;
        const std::string frame = text.substr(at, end - at);
        at = end + 2;
        const size_t newline = frame.find('\n');
        EXPECT_EQ(frame.rfind("event: ", 0), 0u) << frame;
        EXPECT_EQ(frame.compare(newline + 1, 6, "data: "), 0) << frame;
        Event e{frame.substr(7, newline - 7), json::parse(frame.substr(newline + 7))};
        EXPECT_EQ(e.name, e.data.value("type", "")) << frame;
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<std::string> names(const std::vector<Event>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.name);
    return out;
}

CompletionResult result(const std::string& content, StopReason reason, int32_t predicted, const std::string& stop = "") {
    CompletionResult r;
    r.content = content;
    r.stop_reason = reason;
    r.stopping_word = stop;
    r.n_prompt_tokens = 11;
    r.timings.predicted_n = predicted;
    return r;
}

AnthropicFormat format(bool tools) {
    return AnthropicFormat(AnthropicEnvelope{"msg_test", "tiny", 11}, AnswerOptions{tools, ToolFormat::hermes});
}

// Streams `pieces` as token chunks, then the end with `last` as the result.
std::vector<Event> stream(AnthropicFormat& f, const std::vector<std::string>& pieces, const CompletionResult& last) {
    std::string text = f.stream_opening();
    for (const auto& p : pieces) {
        TokenChunk chunk;
        chunk.token = 1;
        chunk.text = p;
        text += f.stream_token(0, chunk);
    }
    text += f.stream_end(0, GenerationRequest{}, last);
    return events_of(text);
}

TEST(AnthropicFormat, ATextStreamHasTheFullEventSequence) {
    AnthropicFormat f = format(false);
    CompletionResult last = result("Hello world", StopReason::word, 3, "END");
    last.unsent_text = "!";
    const auto events = stream(f, {"Hello", "", " world"}, last);
    EXPECT_EQ(names(events), (std::vector<std::string>{"message_start", "ping", "content_block_start", "content_block_delta",
                                                       "content_block_delta", "content_block_delta", "content_block_stop",
                                                       "message_delta", "message_stop"}));
    const json& start = events[0].data["message"];
    EXPECT_EQ(start["id"], "msg_test");
    EXPECT_EQ(start["type"], "message");
    EXPECT_EQ(start["role"], "assistant");
    EXPECT_EQ(start["model"], "tiny");
    EXPECT_EQ(start["content"], json::array());
    EXPECT_TRUE(start["stop_reason"].is_null());
    EXPECT_EQ(start["usage"]["input_tokens"], 11);
    EXPECT_EQ(events[2].data["index"], 0);
    EXPECT_EQ(events[2].data["content_block"], json({{"type", "text"}, {"text", ""}}));
    std::string text;
    for (size_t i = 3; i < 6; ++i) {
        EXPECT_EQ(events[i].data["delta"]["type"], "text_delta");
        text += events[i].data["delta"]["text"].get<std::string>();
    }
    EXPECT_EQ(text, "Hello world!");
    EXPECT_EQ(events[6].data["index"], 0);
    EXPECT_EQ(events[7].data["delta"], json({{"stop_reason", "stop_sequence"}, {"stop_sequence", "END"}}));
    EXPECT_EQ(events[7].data["usage"]["output_tokens"], 3);
}

TEST(AnthropicFormat, StopReasonsMapToAnthropics) {
    EXPECT_STREQ(anthropic_stop_reason(StopReason::eos, false), "end_turn");
    EXPECT_STREQ(anthropic_stop_reason(StopReason::limit, false), "max_tokens");
    EXPECT_STREQ(anthropic_stop_reason(StopReason::word, false), "stop_sequence");
    EXPECT_STREQ(anthropic_stop_reason(StopReason::eos, true), "tool_use");
    EXPECT_STREQ(anthropic_stop_reason(StopReason::limit, true), "tool_use");
}

const std::string kCallAnswer =
    "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

TEST(AnthropicFormat, AToolCallStreamsAsAToolUseBlockWithInputJsonDeltas) {
    AnthropicFormat f = format(true);
    std::vector<std::string> pieces;
    for (size_t i = 0; i < kCallAnswer.size(); i += 5) pieces.push_back(kCallAnswer.substr(i, 5));
    const auto events = stream(f, pieces, result(kCallAnswer, StopReason::eos, 20));
    std::vector<json> blocks;
    std::vector<std::string> partial;
    int open = -1;
    for (const auto& e : events) {
        if (e.name == "content_block_start") {
            EXPECT_EQ(open, -1) << "a block opened inside another";
            open = e.data["index"];
            EXPECT_EQ(open, static_cast<int>(blocks.size()));
            blocks.push_back(e.data["content_block"]);
            partial.emplace_back();
        } else if (e.name == "content_block_delta") {
            EXPECT_EQ(e.data["index"], open);
            const json& d = e.data["delta"];
            if (d["type"] == "input_json_delta") partial.at(open) += d["partial_json"].get<std::string>();
            if (d["type"] == "text_delta") partial.at(open) += d["text"].get<std::string>();
        } else if (e.name == "content_block_stop") {
            EXPECT_EQ(e.data["index"], open);
            open = -1;
        }
    }
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_EQ(blocks[0]["type"], "text");
    EXPECT_EQ(partial[0], "Let me check.");
    EXPECT_EQ(blocks[1]["type"], "tool_use");
    EXPECT_EQ(blocks[1]["name"], "get_weather");
    EXPECT_EQ(blocks[1]["input"], json::object());
    EXPECT_EQ(blocks[1]["id"].get<std::string>().rfind("toolu_", 0), 0u);
    EXPECT_EQ(json::parse(partial[1]), json({{"city", "Paris"}}));
    EXPECT_EQ(events.back().name, "message_stop");
    EXPECT_EQ(events[events.size() - 2].data["delta"]["stop_reason"], "tool_use");
    EXPECT_TRUE(events[events.size() - 2].data["delta"]["stop_sequence"].is_null());
}

TEST(AnthropicFormat, AWholeAnswerIsOneMessageWithItsBlocks) {
    AnthropicFormat f = format(true);
    f.take_result(0, GenerationRequest{}, result("<think>Hmm.</think>" + kCallAnswer, StopReason::eos, 25));
    const json m = f.whole_response();
    EXPECT_EQ(m["id"], "msg_test");
    EXPECT_EQ(m["type"], "message");
    EXPECT_EQ(m["role"], "assistant");
    EXPECT_EQ(m["stop_reason"], "tool_use");
    EXPECT_TRUE(m["stop_sequence"].is_null());
    EXPECT_EQ(m["usage"], json({{"input_tokens", 11}, {"output_tokens", 25}}));
    ASSERT_EQ(m["content"].size(), 3u);
    EXPECT_EQ(m["content"][0], json({{"type", "thinking"}, {"thinking", "Hmm."}, {"signature", ""}}));
    EXPECT_EQ(m["content"][1], json({{"type", "text"}, {"text", "Let me check."}}));
    EXPECT_EQ(m["content"][2]["type"], "tool_use");
    EXPECT_EQ(m["content"][2]["name"], "get_weather");
    EXPECT_EQ(m["content"][2]["input"], json({{"city", "Paris"}}));

    AnthropicFormat plain = format(false);
    plain.take_result(0, GenerationRequest{}, result("Just text", StopReason::limit, 2));
    const json p = plain.whole_response();
    EXPECT_EQ(p["content"], json::parse(R"([{"type": "text", "text": "Just text"}])"));
    EXPECT_EQ(p["stop_reason"], "max_tokens");
}

TEST(AnthropicFormat, ErrorsHaveAnthropicsShapeInBodiesAndStreams) {
    EXPECT_EQ(anthropic_error_json(invalid_request("'max_tokens' is required", "max_tokens")),
              json::parse(R"({"type": "error", "error": {"type": "invalid_request_error", "message": "'max_tokens' is required"}})"));
    EXPECT_EQ(anthropic_error_json(authentication_error("Invalid API Key"))["error"]["type"], "authentication_error");
    EXPECT_EQ(anthropic_error_json(not_found_error("no"))["error"]["type"], "not_found_error");
    EXPECT_EQ(anthropic_error_json(unavailable_error("busy"))["error"]["type"], "overloaded_error");
    EXPECT_EQ(anthropic_error_json(server_error("oops"))["error"]["type"], "api_error");
    EXPECT_EQ(anthropic_error_json(payload_too_large_error("big"))["error"]["type"], "request_too_large");

    AnthropicFormat f = format(false);
    const auto events = events_of(f.stream_failure(server_error("decode failed")));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].name, "error");
    EXPECT_EQ(events[0].data["error"], json({{"type", "api_error"}, {"message", "decode failed"}}));
}

}  // namespace
}  // namespace cria
