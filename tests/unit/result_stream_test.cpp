// The one result stream (http/result_stream.h) and TaskHandle, without a model: tasks are made
// by hand and their events pushed as the engine would push them.
#include "http/result_stream.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "api/embedding_format.h"
#include "api/openai_completion_format.h"

namespace cria {
namespace {

using json = nlohmann::json;

class NoPieces final : public TokenPieces {
public:
    std::string piece(Token, bool) const override { return ""; }
    int32_t size() const override { return 10; }
};

std::shared_ptr<Task> make_task(uint64_t id, size_t prompt_size = 3) {
    GenerationRequest request;
    request.prompt.assign(prompt_size, 5);
    return std::make_shared<Task>(id, std::move(request));
}

CompletionResult result(const std::string& content, int32_t predicted) {
    CompletionResult r;
    r.content = content;
    r.n_prompt_tokens = 3;
    r.timings.predicted_n = predicted;
    r.stop_reason = StopReason::limit;
    return r;
}

httplib::Request client(bool gone);

std::vector<TaskHandle> handles(const std::vector<std::shared_ptr<Task>>& tasks) {
    std::vector<TaskHandle> out;
    for (const auto& task : tasks) out.emplace_back(task);
    return out;
}

// Answers the tasks as a whole response, inside the error wrapper every route has (api_route:
// a failed task is thrown as its ApiError); `gone`: the client has left.
httplib::Response respond(const std::vector<std::shared_ptr<Task>>& tasks, std::shared_ptr<ResultFormatter> formatter,
                          bool gone = false) {
    const httplib::Request req = client(gone);
    httplib::Response res;
    res.status = -1;
    // As a route runs it: inside the route wrapper's error path (a failed task is thrown to it).
    answer_errors(res, [&] { respond_with_results(req, res, handles(tasks), std::move(formatter), /*stream=*/false, /*sse_ping_interval_s=*/-1); });
    return res;
}

httplib::Request client(bool gone) {
    httplib::Request req;
    req.is_connection_closed = [gone] { return gone; };
    return req;
}

std::shared_ptr<ResultFormatter> text_completion(int32_t n) {
    const OpenAiCompletionRequest request = parse_openai_completion_request({{"prompt", "p"}, {"n", n}}, CompletionDefaults{});
    return std::make_shared<OpenAiCompletionFormat>(request, OpenAiEnvelope{"cmpl-1", 7, "m"},
                                                    std::make_shared<NoPieces>(), std::vector<ChoicePrompt>{{"p", 3}});
}

TEST(TaskHandle, DroppingOrReplacingItCancelsTheTask) {
    auto first = make_task(1);
    auto second = make_task(2);
    {
        TaskHandle handle(first);
        EXPECT_FALSE(first->cancelled());
        handle = TaskHandle(second);  // the task it held is no longer wanted
        EXPECT_TRUE(first->cancelled());
        TaskHandle moved = std::move(handle);
        EXPECT_FALSE(second->cancelled());
    }
    EXPECT_TRUE(second->cancelled());
}

TEST(ResultStream, WholeResponseListsChoicesInOrderWhateverOrderTheyFinish) {
    auto a = make_task(1), b = make_task(2);
    b->push(result(" second", 2));
    a->push(result(" first", 4));
    const httplib::Response res = respond({a, b}, text_completion(2));
    ASSERT_EQ(res.status, 200);
    const json body = json::parse(res.body);
    EXPECT_EQ(body["choices"][0]["text"], " first");
    EXPECT_EQ(body["choices"][1]["text"], " second");
    EXPECT_EQ(body["choices"][1]["finish_reason"], "length");
    // Two choices of one prompt: its tokens count once.
    EXPECT_EQ(body["usage"], json({{"prompt_tokens", 3},
                                   {"completion_tokens", 6},
                                   {"total_tokens", 9},
                                   {"prompt_tokens_details", {{"cached_tokens", 0}}}}));
}

TEST(ResultStream, AFailedTaskAnswersItsErrorAndCancelsTheOthers) {
    auto a = make_task(1), b = make_task(2);
    a->push(TaskFailure{400, "the prompt does not fit"});
    const httplib::Response res = respond({a, b}, text_completion(2));
    EXPECT_EQ(res.status, 400);
    EXPECT_EQ(json::parse(res.body)["error"]["message"], "the prompt does not fit");
    EXPECT_TRUE(b->cancelled());
}

TEST(ResultStream, AClientThatLeftGetsNothingAndItsTasksAreCancelled) {
    auto a = make_task(1);
    const httplib::Response res = respond({a}, text_completion(1), /*gone=*/true);
    EXPECT_EQ(res.status, -1);
    EXPECT_TRUE(res.body.empty());
    EXPECT_TRUE(a->cancelled());
}

TEST(ResultStream, EmbeddingsComeBackByInput) {
    auto a = make_task(1), b = make_task(2);
    b->push(EmbeddingResult{{{0.0f, 1.0f}}, 2});
    a->push(EmbeddingResult{{{1.0f, 0.0f}}, 4});
    const httplib::Response res = respond({a, b}, std::make_shared<OpenAiEmbeddingFormat>("m", false));
    const json body = json::parse(res.body);
    EXPECT_EQ(body["data"][0]["embedding"], json({1.0, 0.0}));
    EXPECT_EQ(body["data"][1]["index"], 1);
    EXPECT_EQ(body["usage"]["prompt_tokens"], 6);
}

// A formatter whose stream breaks at the first token.
class BrokenStreamFormat final : public ResultFormatter {
public:
    std::string stream_token(size_t, const TokenChunk&) override { throw std::runtime_error("the formatter broke"); }
    std::string stream_end(size_t, const GenerationRequest&, const CompletionResult&) override { return ""; }
    void take_result(size_t, const GenerationRequest&, const CompletionResult&) override {}
    json whole_response() override { return json::object(); }
};

TEST(ResultStream, AnExceptionInsideAStreamBecomesItsErrorEvent) {
    auto a = make_task(1);
    a->push(TokenChunk{});
    const httplib::Request req = client(false);
    httplib::Response res;
    respond_with_results(req, res, handles({a}), std::make_shared<BrokenStreamFormat>(), /*stream=*/true, -1);
    ASSERT_TRUE(res.content_provider_);
    std::string written;
    bool done = false;
    httplib::DataSink sink;
    sink.write = [&written](const char* data, size_t n) {
        written.append(data, n);
        return true;
    };
    sink.is_writable = [] { return true; };
    sink.done = [&done] { done = true; };
    // The provider returns (httplib would end the process on an exception), the stream ends
    // properly, with the error as its last event, and the task is cancelled.
    EXPECT_TRUE(res.content_provider_(0, 0, sink));
    EXPECT_TRUE(done);
    EXPECT_NE(written.find("the formatter broke"), std::string::npos) << written;
    EXPECT_NE(written.find("\"server_error\""), std::string::npos) << written;
    EXPECT_TRUE(a->cancelled());
}

}  // namespace
}  // namespace cria
