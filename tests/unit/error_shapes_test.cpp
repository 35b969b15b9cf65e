// ErrorShapes (http/server_context.h): a route group's claim on its paths' error shape.
#include "http/server_context.h"

#include <gtest/gtest.h>

namespace cria {
namespace {

using json = nlohmann::json;

json plain_body(const ApiError& e) { return json{{"error", e.message}}; }
json other_body(const ApiError& e) { return json{{"other", e.message}}; }

TEST(ErrorShapes, AClaimCoversItsPathAndThePathsUnderItOnly) {
    ErrorShapes shapes;
    shapes.claim("/api", plain_body);
    shapes.claim("/api/special", other_body);
    EXPECT_EQ(shapes.for_path("/api"), &plain_body);
    EXPECT_EQ(shapes.for_path("/api/chat"), &plain_body);
    EXPECT_EQ(shapes.for_path("/api/special/x"), &other_body);  // the longest claim wins
    EXPECT_EQ(shapes.for_path("/apix"), &openai_error_body);    // not a path under /api
    EXPECT_EQ(shapes.for_path("/v1/chat/completions"), &openai_error_body);
    EXPECT_EQ(shapes.for_path(""), &openai_error_body);
}

TEST(ErrorShapes, AnswerErrorsWritesTheStatusAndTheShapeItIsGiven) {
    httplib::Response res;
    answer_errors(res, [] { throw invalid_request("'x' is bad", "x"); }, plain_body);
    EXPECT_EQ(res.status, 400);
    EXPECT_EQ(json::parse(res.body), json({{"error", "'x' is bad"}}));
    httplib::Response openai;
    answer_errors(openai, [] { throw invalid_request("'x' is bad", "x"); });
    EXPECT_EQ(json::parse(openai.body)["error"]["param"], "x");
}

}  // namespace
}  // namespace cria
