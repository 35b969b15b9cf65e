// Request JSON at the HTTP edge: the nesting-depth pre-scan, its limit, the walkers that must stay
// bounded on their own, and how escaped exceptions become API errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <stdexcept>
#include <string>

#include "api/api_error.h"
#include "api/json_fields.h"
#include "api/tool_calls.h"
#include "template/jinja.h"
#include "template/jinja_value.h"

namespace cria {
namespace {

std::string nested_arrays(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonDepth, CountsArraysAndObjectsOutsideStrings) {
    EXPECT_EQ(json_nesting_depth(""), 0u);
    EXPECT_EQ(json_nesting_depth("5"), 0u);
    EXPECT_EQ(json_nesting_depth("{}"), 1u);
    EXPECT_EQ(json_nesting_depth(R"({"a": [1, {"b": [[]]}], "c": {}})"), 5u);
    EXPECT_EQ(json_nesting_depth("[][][]"), 1u);
    // Brackets inside strings, escaped quotes and escaped backslashes do not count.
    EXPECT_EQ(json_nesting_depth(R"({"a": "[[[{{{"})"), 1u);
    EXPECT_EQ(json_nesting_depth(R"({"a": "\"[[[", "b": "\\", "c": [1]})"), 2u);
    // Invalid JSON is counted all the same (the parser reports what is wrong with it).
    EXPECT_EQ(json_nesting_depth("]]]][["), 2u);
    EXPECT_EQ(json_nesting_depth("[[[["), 4u);
}

TEST(JsonDepth, StopsCountingPastTheLimit) {
    const std::string deep = nested_arrays(100000);
    EXPECT_EQ(json_nesting_depth(deep), 100000u);
    EXPECT_EQ(json_nesting_depth(deep, 100), 101u);
}

TEST(JsonDepth, CheckAllowsTheLimitAndRefusesOneMore) {
    EXPECT_NO_THROW(check_json_depth(nested_arrays(kDefaultMaxJsonDepth), kDefaultMaxJsonDepth));
    try {
        check_json_depth(nested_arrays(kDefaultMaxJsonDepth + 1), kDefaultMaxJsonDepth);
        FAIL() << "no error";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status, 400);
        EXPECT_EQ(e.type, "invalid_request_error");
        EXPECT_NE(e.message.find("nests deeper than 100 levels"), std::string::npos) << e.message;
    }
}

TEST(JsonDepth, TemplateValuesFromJsonAreBounded) {
    const auto at_limit = nlohmann::json::parse(nested_arrays(jinja::Value::kMaxJsonDepth));
    EXPECT_NO_THROW(jinja::Value::from_json(at_limit));
    const auto deeper = nlohmann::json::parse(nested_arrays(jinja::Value::kMaxJsonDepth + 1));
    EXPECT_THROW(jinja::Value::from_json(deeper), TemplateError);
    // Through the renderer: an error, not a crash.
    EXPECT_THROW(render_template("{{ x }}", {{"x", deeper}}), TemplateError);
}

TEST(JsonDepth, DeepModelOutputIsNoToolCall) {
    const std::string deep = "{\"name\": \"f\", \"arguments\": " + nested_arrays(100000) + "}";
    const auto answer = parse_assistant_answer("<tool_call>" + deep + "</tool_call>", true);
    EXPECT_TRUE(answer.tool_calls.empty());
}

ApiError error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (...) {
        return api_error_from(std::current_exception());
    }
    ADD_FAILURE() << "nothing was thrown";
    return {};
}

TEST(ApiErrors, AreStdExceptions) {
    const ApiError e = invalid_request("bad 'x'", "x");
    const std::exception& base = e;
    EXPECT_STREQ(base.what(), "bad 'x'");
    EXPECT_EQ(payload_too_large_error("too big").status, 413);
}

TEST(ApiErrors, EscapedExceptionsBecomeApiErrors) {
    bool unexpected = true;
    const ApiError kept = api_error_from(std::make_exception_ptr(invalid_request("m", "p")), &unexpected);
    EXPECT_EQ(kept.status, 400);
    EXPECT_EQ(kept.param, "p");
    EXPECT_FALSE(unexpected);

    // A client's JSON of the wrong shape read unchecked: a client mistake, 400, nlohmann's tag cut.
    const ApiError shape = error_of([] { (void)nlohmann::json(5).get<std::string>(); });
    EXPECT_EQ(shape.status, 400);
    EXPECT_EQ(shape.message.find("[json.exception"), std::string::npos) << shape.message;
    EXPECT_NE(shape.message.find("type must be string"), std::string::npos) << shape.message;
    EXPECT_EQ(error_of([] { (void)nlohmann::json::object().at("missing"); }).status, 400);

    const ApiError fault = api_error_from(std::make_exception_ptr(std::runtime_error("boom")), &unexpected);
    EXPECT_EQ(fault.status, 500);
    EXPECT_EQ(fault.type, "server_error");
    EXPECT_EQ(fault.message, "boom");
    EXPECT_TRUE(unexpected);
    EXPECT_EQ(api_error_from(std::make_exception_ptr(42)).status, 500);
}

TEST(ApiErrors, ToolTypeOfAnotherJsonTypeNamesTheField) {
    try {
        validate_tools(nlohmann::json::parse(R"([{"type": 5}])"));
        FAIL() << "no error";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status, 400);
        EXPECT_EQ(e.param, "tools");
        EXPECT_NE(e.message.find("tools[0].type"), std::string::npos) << e.message;
    }
}

}  // namespace
}  // namespace cria

namespace cria {
namespace {

// Found by fuzz_request: a number beyond a double's range ("31e982") made nlohmann throw
// out_of_range, not parse_error, so the body parser let it escape as a raw library exception.
TEST(JsonBody, NumbersOutOfRangeAreA400) {
    for (const char* body : {R"({"tokens": [1, 2, 31e982]})", "[1e999]", R"({"n": -1e400})"}) {
        try {
            parse_json_value(body);
            ADD_FAILURE() << "accepted " << body;
        } catch (const ApiError& e) {
            EXPECT_EQ(e.status, 400) << body;
            EXPECT_NE(e.message.find("out of range"), std::string::npos) << e.message;
        }
    }
    EXPECT_THROW(parse_json_object(R"({"tokens": [31e982]})"), ApiError);
}

}  // namespace
}  // namespace cria
