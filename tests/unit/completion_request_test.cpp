#include "api/completion_request.h"

#include <gtest/gtest.h>

#include <cmath>

#include "api/api_error.h"
#include "api/embedding_api.h"
#include "api/json_fields.h"
#include "api/openai_chat.h"
#include "api/openai_completion.h"
#include "api/tokenize_api.h"

namespace cria {
namespace {

using json = nlohmann::json;

CompletionDefaults defaults() {
    CompletionDefaults d;
    d.n_slots = 2;
    return d;
}

// Runs the parser and returns the error it threw; fails the test if it did not throw.
ApiError error_of(const json& body, const CompletionDefaults& d = defaults()) {
    try {
        parse_completion_request(body, d);
    } catch (const ApiError& e) {
        return e;
    }
    ADD_FAILURE() << "no error for " << body.dump();
    return {};
}

TEST(CompletionRequest, DefaultsComeFromTheServer) {
    CompletionDefaults d = defaults();
    d.sampling.temperature = 0.25f;
    d.sampling.top_k = 7;
    const auto r = parse_completion_request({{"prompt", "hi"}}, d);
    EXPECT_FLOAT_EQ(r.generation.sampling.temperature, 0.25f);
    EXPECT_EQ(r.generation.sampling.top_k, 7);
    EXPECT_EQ(r.generation.stop.n_predict, -1);
    EXPECT_TRUE(r.generation.cache_prompt);
    EXPECT_FALSE(r.generation.stream);
    EXPECT_EQ(r.generation.sampling.seed, kRandomSeed);
}

TEST(CompletionRequest, RequestValuesWin) {
    const auto r = parse_completion_request({{"prompt", "hi"},
                                             {"temperature", 0},
                                             {"top_k", 3},
                                             {"top_p", 0.5},
                                             {"min_p", 0.1},
                                             {"seed", 42},
                                             {"repeat_penalty", 1.2},
                                             {"repeat_last_n", -1},
                                             {"n_predict", 12},
                                             {"n_keep", -1},
                                             {"stop", {"a", "b"}},
                                             {"ignore_eos", true},
                                             {"cache_prompt", false},
                                             {"id_slot", 1},
                                             {"stream", true}},
                                            defaults());
    const auto& g = r.generation;
    EXPECT_EQ(g.sampling.temperature, 0.0f);
    EXPECT_EQ(g.sampling.top_k, 3);
    EXPECT_FLOAT_EQ(g.sampling.top_p, 0.5f);
    EXPECT_EQ(g.sampling.seed, 42u);
    EXPECT_EQ(g.sampling.repeat_last_n, -1);
    EXPECT_EQ(g.stop.n_predict, 12);
    EXPECT_EQ(g.n_keep, -1);
    EXPECT_EQ(g.stop.stop, (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(g.stop.ignore_eos);
    EXPECT_FALSE(g.cache_prompt);
    EXPECT_EQ(g.id_slot, 1);
    EXPECT_TRUE(g.stream);
}

TEST(CompletionRequest, SingleStopStringIsAList) {
    const auto r = parse_completion_request({{"prompt", "hi"}, {"stop", "\n"}}, defaults());
    EXPECT_EQ(r.generation.stop.stop, (std::vector<std::string>{"\n"}));
}

TEST(CompletionRequest, ServerNPredictCapsRequests) {
    CompletionDefaults d = defaults();
    d.n_predict_cap = 5;
    EXPECT_EQ(parse_completion_request({{"prompt", "x"}, {"n_predict", 20}}, d).generation.stop.n_predict, 5);
    EXPECT_EQ(parse_completion_request({{"prompt", "x"}}, d).generation.stop.n_predict, 5);
    EXPECT_EQ(parse_completion_request({{"prompt", "x"}, {"n_predict", 3}}, d).generation.stop.n_predict, 3);
}

TEST(CompletionRequest, PromptForms) {
    auto parts = parse_completion_request({{"prompt", {"a", 5, "b"}}}, defaults()).prompt;
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(std::get<std::string>(parts[0]), "a");
    EXPECT_EQ(std::get<Token>(parts[1]), 5);
    parts = parse_completion_request({{"prompt", {1, 2, 3}}}, defaults()).prompt;
    EXPECT_EQ(parts.size(), 3u);
}

TEST(CompletionRequest, BadValuesNameTheirField) {
    const std::vector<std::pair<json, std::string>> cases = {
        {{{"prompt", 5}}, "prompt"},
        {{{"prompt", {1.5}}}, "prompt"},
        {{{"prompt", {true}}}, "prompt"},
        {json::object(), "prompt"},
        {{{"prompt", "x"}, {"n_predict", "ten"}}, "n_predict"},
        {{{"prompt", "x"}, {"n_predict", -2}}, "n_predict"},
        {{{"prompt", "x"}, {"temperature", -1}}, "temperature"},
        {{{"prompt", "x"}, {"temperature", "hot"}}, "temperature"},
        {{{"prompt", "x"}, {"top_p", 1.5}}, "top_p"},
        {{{"prompt", "x"}, {"top_k", 1.5}}, "top_k"},
        {{{"prompt", "x"}, {"min_p", -0.1}}, "min_p"},
        {{{"prompt", "x"}, {"seed", "x"}}, "seed"},
        {{{"prompt", "x"}, {"seed", 5000000000LL}}, "seed"},
        {{{"prompt", "x"}, {"repeat_penalty", 0}}, "repeat_penalty"},
        {{{"prompt", "x"}, {"stream", "yes"}}, "stream"},
        {{{"prompt", "x"}, {"stop", 5}}, "stop"},
        {{{"prompt", "x"}, {"stop", {"ok", 3}}}, "stop"},
        {{{"prompt", "x"}, {"stop", {""}}}, "stop"},
        {{{"prompt", "x"}, {"id_slot", 2}}, "id_slot"},
        {{{"prompt", "x"}, {"id_slot", -5}}, "id_slot"},
        {{{"prompt", "x"}, {"mirostat", 3}}, "mirostat"},
        {{{"prompt", "x"}, {"typical_p", 1.5}}, "typical_p"},
        {{{"prompt", "x"}, {"xtc_probability", -0.5}}, "xtc_probability"},
        {{{"prompt", "x"}, {"dry_base", 0.5}}, "dry_base"},
        {{{"prompt", "x"}, {"dry_sequence_breakers", {""}}}, "dry_sequence_breakers"},
        {{{"prompt", "x"}, {"samplers", {"top_k", "bogus"}}}, "samplers"},
        {{{"prompt", "x"}, {"samplers", "top_k"}}, "samplers"},
        {{{"prompt", "x"}, {"logit_bias", {{1, true}}}}, "logit_bias"},
        {{{"prompt", "x"}, {"logit_bias", {{1}}}}, "logit_bias"},
        {{{"prompt", "x"}, {"logit_bias", "x"}}, "logit_bias"},
        {{{"prompt", "x"}, {"n_probs", -1}}, "n_probs"},
        {{{"prompt", "x"}, {"grammar", 5}}, "grammar"},
    };
    for (const auto& [body, field] : cases) {
        const ApiError e = error_of(body);
        EXPECT_EQ(e.status, 400) << body.dump();
        EXPECT_EQ(e.type, "invalid_request_error") << body.dump();
        EXPECT_EQ(e.param, field) << body.dump();
        EXPECT_NE(e.message.find(field), std::string::npos) << e.message;
    }
}

TEST(CompletionRequest, NeutralValuesOfPendingFieldsAreAccepted) {
    EXPECT_NO_THROW(parse_completion_request(
        {{"prompt", "x"}, {"mirostat", 0}, {"n_probs", 0}, {"tfs_z", 1.0}, {"typical_p", 1}, {"grammar", ""},
         {"logit_bias", json::array()}, {"presence_penalty", 0}},
        defaults()));
}

TEST(CompletionRequest, SamplerOrderFollowsTheRequest) {
    const auto r = parse_completion_request({{"prompt", "x"}, {"samplers", {"temperature", "top_k", "tfs_z", "top_k"}}},
                                            defaults());
    EXPECT_EQ(r.generation.sampling.samplers,
              (std::vector<SamplerStage>{SamplerStage::temperature, SamplerStage::top_k, SamplerStage::tfs_z,
                                         SamplerStage::top_k}));
    EXPECT_EQ(parse_completion_request({{"prompt", "x"}}, defaults()).generation.sampling.samplers, default_sampler_order());
}

TEST(CompletionRequest, LogitBiasForms) {
    auto r = parse_completion_request({{"prompt", "x"}, {"logit_bias", {{15, 1.5}, {"Hello", -0.5}, {7, false}}}}, defaults());
    ASSERT_EQ(r.logit_bias.size(), 3u);
    EXPECT_EQ(std::get<Token>(r.logit_bias[0].target), 15);
    EXPECT_FLOAT_EQ(r.logit_bias[0].bias, 1.5f);
    EXPECT_EQ(std::get<std::string>(r.logit_bias[1].target), "Hello");
    EXPECT_TRUE(std::isinf(r.logit_bias[2].bias) && r.logit_bias[2].bias < 0);
    r = parse_completion_request({{"prompt", "x"}, {"logit_bias", {{"42", 2.0}, {"hi", false}}}}, defaults());
    ASSERT_EQ(r.logit_bias.size(), 2u);
    EXPECT_EQ(std::get<Token>(r.logit_bias[0].target), 42);  // object keys of digits are token ids
    EXPECT_EQ(std::get<std::string>(r.logit_bias[1].target), "hi");
}

TEST(CompletionRequest, NewSamplingFieldsReachTheEngine) {
    const auto s = parse_completion_request({{"prompt", "x"},
                                             {"mirostat", 2},
                                             {"mirostat_tau", 3.0},
                                             {"typical_p", 0.5},
                                             {"presence_penalty", 0.25},
                                             {"frequency_penalty", 0.5},
                                             {"dynatemp_range", 0.3},
                                             {"xtc_probability", 0.5},
                                             {"top_n_sigma", 2.0},
                                             {"dry_multiplier", 0.8},
                                             {"min_keep", 3}},
                                            defaults())
                       .generation.sampling;
    EXPECT_EQ(s.mirostat, 2);
    EXPECT_FLOAT_EQ(s.mirostat_tau, 3.0f);
    EXPECT_FLOAT_EQ(s.typical_p, 0.5f);
    EXPECT_FLOAT_EQ(s.presence_penalty, 0.25f);
    EXPECT_FLOAT_EQ(s.frequency_penalty, 0.5f);
    EXPECT_FLOAT_EQ(s.dynatemp_range, 0.3f);
    EXPECT_FLOAT_EQ(s.xtc_probability, 0.5f);
    EXPECT_FLOAT_EQ(s.top_n_sigma, 2.0f);
    EXPECT_FLOAT_EQ(s.dry_multiplier, 0.8f);
    EXPECT_EQ(s.min_keep, 3);
}

// ---- request budgets (api/request_limits.h): exactly at a limit passes, one more is a 400 ----

CompletionDefaults small_limits() {
    CompletionDefaults d = defaults();
    d.limits.max_tasks = 6;
    d.limits.max_stop_strings = 2;
    d.limits.max_stop_length = 3;
    d.limits.max_logit_bias = 2;
    d.limits.max_samplers = 2;
    d.limits.max_n_probs = 5;
    d.limits.max_grammar_bytes = 64;
    return d;
}

TEST(RequestLimits, EachLimitIsInclusive) {
    const CompletionDefaults d = small_limits();
    const json at_limit = {{"prompt", "x"},      {"stop", json::array({"abc", "d"})}, {"logit_bias", {{1, 0.5}, {2, false}}},
                           {"samplers", json::array({"top_k", "temperature"})}, {"n_probs", 5}, {"grammar", std::string(64, ' ')}};
    EXPECT_NO_THROW(parse_completion_request(at_limit, d));
    const std::vector<std::pair<json, std::string>> over = {
        {{{"prompt", "x"}, {"stop", {"a", "b", "c"}}}, "stop"},
        {{{"prompt", "x"}, {"stop", "abcd"}}, "stop"},
        {{{"prompt", "x"}, {"logit_bias", {{1, 0.5}, {2, 0.5}, {3, 0.5}}}}, "logit_bias"},
        {{{"prompt", "x"}, {"logit_bias", {{"1", 0.5}, {"2", 0.5}, {"3", 0.5}}}}, "logit_bias"},
        {{{"prompt", "x"}, {"samplers", {"top_k", "top_k", "top_k"}}}, "samplers"},
        {{{"prompt", "x"}, {"n_probs", 6}}, "n_probs"},
        {{{"prompt", "x"}, {"grammar", std::string(65, ' ')}}, "grammar"},
        {{{"prompt", "x"}, {"json_schema", {{"type", "object"}, {"properties", {{"a_long_name", {{"type", "string"}}}}}}}},
         "json_schema"},
    };
    for (const auto& [body, field] : over) EXPECT_EQ(error_of(body, d).param, field) << body.dump();
}

TEST(RequestLimits, JsonSchemaConversionStopsAtTheGrammarLimit) {
    // 2,000 optional members would make a grammar of tens of megabytes (quadratic): refused early.
    json properties = json::object();
    for (int i = 0; i < 2000; ++i) properties["k" + std::to_string(i)] = {{"type", "integer"}};
    const ApiError e = error_of({{"prompt", "x"}, {"json_schema", {{"type", "object"}, {"properties", properties}}}});
    EXPECT_EQ(e.param, "json_schema");
    EXPECT_NE(e.message.find("--max-grammar-size"), std::string::npos) << e.message;
}

TEST(RequestLimits, PromptsTimesNIsCountedBeforeParsingPrompts) {
    const CompletionDefaults d = small_limits();
    auto tasks_error = [&](const json& body) {
        try {
            parse_openai_completion_request(body, d);
        } catch (const ApiError& e) {
            return e.param;
        }
        return std::string("none");
    };
    EXPECT_EQ(tasks_error({{"prompt", json::array({"a", "b", "c"})}, {"n", 2}}), "none");
    EXPECT_EQ(tasks_error({{"prompt", {1, 2, 3, 4, 5, 6, 7}}, {"n", 6}}), "none");  // one prompt of token ids
    EXPECT_EQ(tasks_error({{"prompt", "a"}, {"n", 7}}), "n");
    EXPECT_EQ(tasks_error({{"prompt", json::array({"a", "b", "c", "d"})}, {"n", 2}}), "prompt");
    json huge = json::array();
    for (int i = 0; i < 20000; ++i) huge.push_back(json::array({1, 2}));
    EXPECT_EQ(tasks_error({{"prompt", huge}, {"n", 16}}), "prompt");
    const json chat = {{"messages", {{{"role", "user"}, {"content", "hi"}}}}, {"n", 7}};
    try {
        parse_chat_request(chat, d);
        ADD_FAILURE() << "chat n over the limit passed";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.param, "n");
    }
}

TEST(RequestLimits, TokenizeAndDetokenizeSizes) {
    RequestLimits limits;
    limits.max_tokenize_bytes = 4;
    limits.max_detokenize_tokens = 2;
    EXPECT_NO_THROW(parse_tokenize_request({{"content", "abcd"}}, limits));
    try {
        parse_tokenize_request({{"content", "abcde"}}, limits);
        ADD_FAILURE() << "content over the limit passed";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.param, "content");
    }
}

TEST(RequestLimits, EmbeddingInputsAreCountedBeforeParsing) {
    RequestLimits limits;
    limits.max_embedding_inputs = 2;
    EXPECT_EQ(parse_openai_embedding_request({{"input", {"a", "b"}}}, limits).inputs.size(), 2u);
    // A list of token ids is one input, however long.
    EXPECT_EQ(parse_openai_embedding_request({{"input", {1, 2, 3, 4}}}, limits).inputs.size(), 1u);
    try {
        // The third item is not even valid: the count is checked first, on the JSON.
        parse_openai_embedding_request({{"input", {"a", "b", 5}}}, limits);
        ADD_FAILURE() << "inputs over the limit passed";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.param, "input");
        EXPECT_NE(e.message.find("--max-embedding-inputs"), std::string::npos) << e.message;
    }
}

TEST(ApiErrorJson, HasTheOpenAiShape) {
    const json j = invalid_request("'top_p' must be in [0, 1]", "top_p").to_json();
    EXPECT_EQ(j["error"]["code"], 400);
    EXPECT_EQ(j["error"]["type"], "invalid_request_error");
    EXPECT_EQ(j["error"]["param"], "top_p");
    EXPECT_EQ(j["error"]["message"], "'top_p' must be in [0, 1]");
    EXPECT_TRUE(server_error("x").to_json()["error"]["param"].is_null());
}

TEST(JsonFields, MalformedAndNonObjectBodiesAre400) {
    EXPECT_THROW(parse_json_object("{"), ApiError);
    EXPECT_THROW(parse_json_object("[1,2]"), ApiError);
    EXPECT_THROW(parse_json_object("{\"prompt\": \"\xff\"}"), ApiError);  // invalid UTF-8
    EXPECT_NO_THROW(parse_json_object("{\"a\": 1}"));
}

TEST(JsonFields, IntegralFloatsAreIntegers) {
    EXPECT_EQ(read_int({{"n", 5.0}}, "n", 0, 0, 10), 5);
    EXPECT_THROW(read_int({{"n", 5.5}}, "n", 0, 0, 10), ApiError);
    EXPECT_EQ(read_int({{"n", nullptr}}, "n", 3, 0, 10), 3);  // null means "not set"
}

}  // namespace
}  // namespace cria
