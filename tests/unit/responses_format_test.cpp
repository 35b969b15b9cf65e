// The Responses formatter: the event sequence a client accumulates (as the openai SDK does),
// output items whole and streamed, incomplete answers, failures.
#include "api/responses_format.h"

#include <gtest/gtest.h>

namespace cria {
namespace {

using json = nlohmann::json;
using Kind = AnswerEvent::Kind;

// The SSE text split into (event name, data) pairs; checks that each data's type is the name.
std::vector<json> events_of(const std::string& sse) {
    std::vector<json> out;
    size_t at = 0;
    while (at < sse.size()) {
        const size_t end = sse.find("\n\n", at);
        EXPECT_NE(end, std::string::npos);
        const std::string frame = sse.substr(at, end - at);
        at = end + 2;
        const size_t nl = frame.find('\n');
        EXPECT_EQ(frame.rfind("event: ", 0), 0u) << frame;
        EXPECT_EQ(frame.compare(nl + 1, 6, "data: "), 0) << frame;
        json data = json::parse(frame.substr(nl + 7));
        EXPECT_EQ(data["type"], frame.substr(7, nl - 7));
        out.push_back(std::move(data));
    }
    return out;
}

std::vector<std::string> types(const std::vector<json>& events) {
    std::vector<std::string> t;
    for (const auto& e : events) t.push_back(e["type"]);
    return t;
}

ResponsesRequest request() {
    ResponsesRequest r;
    r.settings = {{"instructions", nullptr}, {"store", false}};
    return r;
}

CompletionResult result(const std::string& content, StopReason stop, const std::string& unsent = "") {
    CompletionResult r;
    r.content = content;
    r.unsent_text = unsent;
    r.stop_reason = stop;
    r.n_prompt_tokens = 5;
    r.timings.predicted_n = 3;
    r.timings.cache_n = 2;
    return r;
}

TokenChunk chunk(const std::string& text) {
    TokenChunk c;
    c.text = text;
    return c;
}

// Applies the events as the openai SDK's ResponseAccumulator does, so that a wrong index or a
// missing part fails here as it would in the client.
json accumulate(const std::vector<json>& events) {
    json snapshot;
    for (const auto& e : events) {
        const std::string type = e["type"];
        if (type == "response.created") snapshot = e["response"];
        else if (type == "response.output_item.added") snapshot["output"].push_back(e["item"]);
        else if (type == "response.output_item.done") snapshot["output"].at(e["output_index"].get<size_t>()) = e["item"];
        else if (type == "response.content_part.added") snapshot["output"].at(e["output_index"].get<size_t>())["content"].push_back(e["part"]);
        else if (type == "response.output_text.delta" || type == "response.reasoning_text.delta") {
            auto& part = snapshot["output"].at(e["output_index"].get<size_t>())["content"].at(e["content_index"].get<size_t>());
            part["text"] = part["text"].get<std::string>() + e["delta"].get<std::string>();
        } else if (type == "response.function_call_arguments.delta") {
            auto& item = snapshot["output"].at(e["output_index"].get<size_t>());
            item["arguments"] = item["arguments"].get<std::string>() + e["delta"].get<std::string>();
        }
    }
    return snapshot;
}

TEST(ResponsesFormat, StreamedTextHasOpenAIsEventSequence) {
    ResponsesFormat f(request(), {"resp_1", 100, "m"}, AnswerOptions{false, ToolFormat::hermes});
    std::string sse = f.stream_opening();
    sse += f.stream_token(0, chunk("Hel"));
    sse += f.stream_token(0, chunk("lo"));
    sse += f.stream_end(0, GenerationRequest{}, result("Hello!", StopReason::eos, "!"));
    const auto events = events_of(sse);
    EXPECT_EQ(types(events), (std::vector<std::string>{
                                 "response.created", "response.in_progress", "response.output_item.added",
                                 "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                                 "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                                 "response.output_item.done", "response.completed"}));
    for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i]["sequence_number"], i);
    EXPECT_EQ(events[0]["response"]["status"], "in_progress");
    EXPECT_EQ(events[0]["response"]["output"], json::array());
    const std::string item_id = events[2]["item"]["id"];
    EXPECT_EQ(item_id.rfind("msg_", 0), 0u);
    for (size_t i = 3; i < 9; ++i) {
        EXPECT_EQ(events[i]["output_index"], 0);
        EXPECT_EQ(events[i]["item_id"], item_id);
    }
    EXPECT_EQ(events[7]["text"], "Hello!");
    const json& done = events.back()["response"];
    EXPECT_EQ(done["id"], "resp_1");
    EXPECT_EQ(done["status"], "completed");
    EXPECT_EQ(done["output"][0]["content"][0]["text"], "Hello!");
    EXPECT_EQ(done["usage"]["input_tokens"], 5);
    EXPECT_EQ(done["usage"]["output_tokens"], 3);
    EXPECT_EQ(done["usage"]["total_tokens"], 8);
    EXPECT_EQ(done["usage"]["input_tokens_details"]["cached_tokens"], 2);
    json accumulated = accumulate(events);
    EXPECT_EQ(accumulated["output"], done["output"]);
}

TEST(ResponsesFormat, ToolCallsAreFunctionCallItems) {
    ResponsesFormat f(request(), {"resp_2", 100, "m"}, AnswerOptions{true, ToolFormat::hermes});
    std::string sse = f.stream_opening();
    sse += f.stream_token(0, chunk("<think>hmm</think>On it.<tool_call>{\"name\": \"add\", \"arguments\": {\"a\": 1}}"));
    sse += f.stream_token(0, chunk("</tool_call>"));
    sse += f.stream_end(0, GenerationRequest{}, result("", StopReason::eos));
    const auto events = events_of(sse);
    const json& done = events.back()["response"];
    ASSERT_EQ(done["output"].size(), 3u) << done.dump();
    EXPECT_EQ(done["output"][0]["type"], "reasoning");
    EXPECT_EQ(done["output"][0]["content"][0]["text"], "hmm");
    EXPECT_EQ(done["output"][1]["type"], "message");
    EXPECT_EQ(done["output"][1]["content"][0]["text"], "On it.");
    const json& call = done["output"][2];
    EXPECT_EQ(call["type"], "function_call");
    EXPECT_EQ(call["name"], "add");
    EXPECT_EQ(json::parse(call["arguments"].get<std::string>()), json({{"a", 1}}));
    EXPECT_EQ(call["status"], "completed");
    EXPECT_EQ(call["call_id"].get<std::string>().rfind("call_", 0), 0u);
    EXPECT_EQ(call["id"].get<std::string>().rfind("fc_", 0), 0u);
    bool arguments_done = false;
    for (const auto& e : events) {
        if (e["type"] == "response.function_call_arguments.done") {
            arguments_done = true;
            EXPECT_EQ(e["output_index"], 2);
            EXPECT_EQ(e["item_id"], call["id"]);
            EXPECT_EQ(e["arguments"], call["arguments"]);
        }
        if (e["type"] == "response.reasoning_text.delta") {
            EXPECT_EQ(e["output_index"], 0);
        }
    }
    EXPECT_TRUE(arguments_done);
    EXPECT_EQ(accumulate(events)["output"], done["output"]);
}

TEST(ResponsesFormat, WholeResponseHasTheSameItemsAsTheStream) {
    ResponsesFormat f(request(), {"resp_3", 100, "m"}, AnswerOptions{true, ToolFormat::hermes});
    f.take_result(0, GenerationRequest{}, result("Sure.<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>", StopReason::eos));
    const json r = f.whole_response();
    EXPECT_EQ(r["object"], "response");
    EXPECT_EQ(r["status"], "completed");
    EXPECT_EQ(r["incomplete_details"], nullptr);
    ASSERT_EQ(r["output"].size(), 2u);
    EXPECT_EQ(r["output"][0]["content"][0]["text"], "Sure.");
    EXPECT_EQ(r["output"][1]["name"], "f");
}

TEST(ResponsesFormat, ALengthStopIsIncomplete) {
    json stored;
    ResponsesFormat f(request(), {"resp_4", 100, "m"}, AnswerOptions{false, ToolFormat::hermes},
                      [&stored](const json& response) { stored = response; });
    std::string sse = f.stream_opening();
    sse += f.stream_token(0, chunk("cut"));
    sse += f.stream_end(0, GenerationRequest{}, result("cut", StopReason::limit));
    const auto events = events_of(sse);
    EXPECT_EQ(events.back()["type"], "response.incomplete");
    EXPECT_EQ(events.back()["response"]["status"], "incomplete");
    EXPECT_EQ(events.back()["response"]["incomplete_details"]["reason"], "max_output_tokens");
    EXPECT_EQ(events.back()["response"]["output"][0]["status"], "incomplete");
    EXPECT_EQ(stored["id"], "resp_4");  // the finished response went to the keeper
}

TEST(ResponsesFormat, AnEmptyAnswerStillHasAMessage) {
    ResponsesFormat f(request(), {"resp_5", 100, "m"}, AnswerOptions{false, ToolFormat::hermes});
    f.take_result(0, GenerationRequest{}, result("", StopReason::eos));
    const json r = f.whole_response();
    ASSERT_EQ(r["output"].size(), 1u);
    EXPECT_EQ(r["output"][0]["content"][0]["text"], "");
}

TEST(ResponsesFormat, AFailureIsResponseFailed) {
    ResponsesFormat f(request(), {"resp_6", 100, "m"}, AnswerOptions{false, ToolFormat::hermes});
    std::string sse = f.stream_opening();
    sse += f.stream_failure(server_error("decode failed"));
    const auto events = events_of(sse);
    EXPECT_EQ(events.back()["type"], "response.failed");
    EXPECT_EQ(events.back()["response"]["status"], "failed");
    EXPECT_EQ(events.back()["response"]["error"]["message"], "decode failed");
    EXPECT_EQ(events.back()["sequence_number"], 2);
}

}  // namespace
}  // namespace cria
