// Tests of parse_props_update() (POST /props) and path_under_prefix() (--api-prefix).
#include <gtest/gtest.h>

#include "api/api_error.h"
#include "api/props_update.h"
#include "http/routes.h"

namespace {

using cria::CompletionDefaults;
using nlohmann::json;

CompletionDefaults base() {
    CompletionDefaults d;
    d.sampling.temperature = 0.8f;
    d.sampling.top_k = 40;
    d.n_predict_cap = 100;
    d.n_slots = 3;
    return d;
}

std::string error_param(const json& body) {
    try {
        cria::parse_props_update(body, base());
    } catch (const cria::ApiError& e) {
        EXPECT_EQ(e.status, 400);
        EXPECT_NE(e.message.find(e.param), std::string::npos) << e.message;
        return e.param;
    }
    return "(no error)";
}

TEST(PropsUpdate, ChangesOnlyTheFieldsGiven) {
    const CompletionDefaults d = cria::parse_props_update(
        json::parse(R"({"default_generation_settings": {"temperature": 0.25, "n_predict": 500, "cache_prompt": false}})"),
        base());
    EXPECT_FLOAT_EQ(d.sampling.temperature, 0.25f);
    EXPECT_EQ(d.n_predict_cap, 500) << "n_predict is read as given, not held to the old cap";
    EXPECT_FALSE(d.cache_prompt);
    EXPECT_EQ(d.sampling.top_k, 40);
    EXPECT_EQ(d.n_slots, 3);
    const CompletionDefaults same = cria::parse_props_update(json::object(), base());
    EXPECT_FLOAT_EQ(same.sampling.temperature, 0.8f);
    EXPECT_EQ(same.n_predict_cap, 100);
    EXPECT_EQ(cria::parse_props_update(json::parse(R"({"default_generation_settings": {"top_k": 5}})"), base()).n_predict_cap,
              100);
}

TEST(PropsUpdate, BadFieldsAreNamed) {
    EXPECT_EQ(error_param(json::parse(R"({"default_generation_settings": {"top_p": 3}})")),
              "default_generation_settings.top_p");
    EXPECT_EQ(error_param(json::parse(R"({"default_generation_settings": {"grammar": "root ::= \"a\""}})")),
              "default_generation_settings.grammar");
    EXPECT_EQ(error_param(json::parse(R"({"default_generation_settings": {"id_slot": 1}})")),
              "default_generation_settings.id_slot");
    EXPECT_EQ(error_param(json::parse(R"({"default_generation_settings": []})")), "default_generation_settings");
    EXPECT_EQ(error_param(json::parse(R"({"n_ctx": 5})")), "n_ctx");
}

TEST(ApiPrefix, PathUnderPrefix) {
    EXPECT_EQ(cria::path_under_prefix("/health", ""), "/health");
    EXPECT_EQ(cria::path_under_prefix("/llm/health", "/llm"), "/health");
    EXPECT_EQ(cria::path_under_prefix("/llm/", "/llm"), "/");
    EXPECT_EQ(cria::path_under_prefix("/llm", "/llm"), "");
    EXPECT_EQ(cria::path_under_prefix("/llmx/health", "/llm"), "");
    EXPECT_EQ(cria::path_under_prefix("/health", "/llm"), "");
    EXPECT_EQ(cria::path_under_prefix("/a/llm/health", "/llm"), "");
}

}  // namespace
