#include "api/json_schema_grammar.h"

#include <gtest/gtest.h>
#include <llama.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "api/api_error.h"

namespace cria {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// ---- a real GBNF check: libllama's grammar sampler over the test model's byte tokens ----------

struct ByteVocab {
    llama_model* model = nullptr;
    const llama_vocab* vocab = nullptr;
    std::array<llama_token, 256> byte_token{};
    bool complete = false;
};

const ByteVocab& byte_vocab() {
    static const ByteVocab v = [] {
        ByteVocab out;
        llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
        llama_backend_init();
        for (const char* path : {"models/tiny.gguf", "../models/tiny.gguf", "../../models/tiny.gguf"}) {
            if (FILE* f = std::fopen(path, "rb")) {
                std::fclose(f);
                llama_model_params params = llama_model_default_params();
                params.vocab_only = true;
                out.model = llama_model_load_from_file(path, params);
                if (out.model) break;
            }
        }
        if (!out.model) return out;
        out.vocab = llama_model_get_vocab(out.model);
        int found = 0;
        for (llama_token id = 0; id < llama_vocab_n_tokens(out.vocab); ++id) {
            const char* text = llama_vocab_get_text(out.vocab, id);
            unsigned int byte = 0;
            if (std::strlen(text) == 6 && std::sscanf(text, "<0x%2X>", &byte) == 1) {
                out.byte_token[byte] = id;
                ++found;
            }
        }
        out.complete = found == 256;
        return out;
    }();
    return v;
}

#define REQUIRE_VOCAB()                                                                             \
    do {                                                                                            \
        if (!byte_vocab().complete) GTEST_SKIP() << "models/tiny.gguf missing (scripts/make-test-models models)"; \
    } while (0)

bool token_allowed(llama_sampler* sampler, llama_token token) {
    llama_token_data data{token, 0.0f, 0.0f};
    llama_token_data_array candidates{&data, 1, -1, false};
    llama_sampler_apply(sampler, &candidates);
    return !std::isinf(data.logit);
}

// Whether libllama's parser takes the grammar.
bool grammar_parses(const std::string& gbnf) {
    llama_sampler* sampler = llama_sampler_init_grammar(byte_vocab().vocab, gbnf.c_str(), "root");
    if (!sampler) return false;
    llama_sampler_free(sampler);
    return true;
}

// Whether the grammar accepts exactly `text` (fed byte by byte, then end of generation).
bool accepts(const std::string& gbnf, const std::string& text) {
    const ByteVocab& v = byte_vocab();
    llama_sampler* sampler = llama_sampler_init_grammar(v.vocab, gbnf.c_str(), "root");
    if (!sampler) {
        ADD_FAILURE() << "libllama rejected the grammar:\n" << gbnf;
        return false;
    }
    bool ok = true;
    for (const char ch : text) {
        const llama_token token = v.byte_token[static_cast<unsigned char>(ch)];
        if (!token_allowed(sampler, token)) {
            ok = false;
            break;
        }
        llama_sampler_accept(sampler, token);
    }
    if (ok) ok = token_allowed(sampler, llama_vocab_eos(v.vocab));
    llama_sampler_free(sampler);
    return ok;
}

void expect_accepts(const std::string& gbnf, const std::vector<std::string>& good, const std::vector<std::string>& bad) {
    for (const auto& text : good) EXPECT_TRUE(accepts(gbnf, text)) << "should accept: " << text << "\n" << gbnf;
    for (const auto& text : bad) EXPECT_FALSE(accepts(gbnf, text)) << "should reject: " << text << "\n" << gbnf;
}

void expect_schema(const std::string& schema, const std::vector<std::string>& good, const std::vector<std::string>& bad) {
    expect_accepts(json_schema_to_gbnf_ordered(ojson::parse(schema)), good, bad);
}

ApiError error_of(const std::string& schema) {
    try {
        json_schema_to_gbnf(json::parse(schema));
    } catch (const ApiError& e) {
        return e;
    }
    ADD_FAILURE() << "no error for " << schema;
    return {};
}

void expect_rejected(const std::string& schema, const std::string& named) {
    const ApiError e = error_of(schema);
    EXPECT_EQ(e.status, 400) << schema;
    EXPECT_EQ(e.param, "json_schema") << schema;
    EXPECT_NE(e.message.find(named), std::string::npos) << "message '" << e.message << "' should name " << named;
}

// ---- structure (no model needed) --------------------------------------------------------------

TEST(JsonSchemaGrammar, HasRootRuleAndBoundedWhitespace) {
    const std::string g = json_schema_to_gbnf(json::parse(R"({"type":"object","properties":{"a":{"type":"string"}}})"));
    EXPECT_EQ(g.rfind("root ::= ", 0), 0u) << g;
    EXPECT_NE(g.find("ws ::= [ \\t\\n]{0,20}"), std::string::npos) << g;
}

TEST(JsonSchemaGrammar, DefinesRootExactlyOnce) {
    for (const char* schema : {R"({"type":"string"})", R"({"type":"object","properties":{"a":{}}})",
                               R"({"anyOf":[{"type":"string"},{"type":"null"}]})", R"({"enum":[1,2]})",
                               R"({"$defs":{"root":{"type":"integer"}},"type":"array","items":{"$ref":"#/$defs/root"}})",
                               R"({"type":"object","properties":{"self":{"$ref":"#"}}})"}) {
        const std::string g = json_schema_to_gbnf(json::parse(schema));
        EXPECT_EQ(g.rfind("root ::= ", 0), 0u) << g;
        EXPECT_EQ(g.find("\nroot ::= "), std::string::npos) << g;
    }
}

TEST(JsonSchemaGrammar, PlainJsonOverloadOrdersKeysAlphabetically) {
    const std::string g = json_schema_to_gbnf(json::parse(
        R"({"type":"object","properties":{"b":{"type":"string"},"a":{"type":"string"}},"required":["a","b"]})"));
    EXPECT_LT(g.find(R"("\"a\"")"), g.find(R"("\"b\"")")) << g;
}

TEST(JsonSchemaGrammar, PropertiesComeInDeclarationOrderRequiredFirst) {
    const std::string g = json_schema_to_gbnf_ordered(ojson::parse(
        R"({"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":"integer"},"mid":{"type":"boolean"}},
            "required":["mid","zeta"]})"));
    const size_t zeta = g.find(R"("\"zeta\"")");
    const size_t mid = g.find(R"("\"mid\"")");
    const size_t alpha = g.find(R"("\"alpha\"")");
    ASSERT_NE(zeta, std::string::npos) << g;
    ASSERT_NE(mid, std::string::npos) << g;
    ASSERT_NE(alpha, std::string::npos) << g;
    EXPECT_LT(zeta, mid) << g;
    EXPECT_LT(mid, alpha) << g;
}

TEST(JsonSchemaGrammar, EnumLiteralsAppear) {
    const std::string g = json_schema_to_gbnf(json::parse(R"({"enum":["red","gr\"een",1.5,null,{"a":[1]}]})"));
    EXPECT_NE(g.find(R"("\"red\"")"), std::string::npos) << g;
    EXPECT_NE(g.find(R"("\"gr\\\"een\"")"), std::string::npos) << g;
    EXPECT_NE(g.find(R"("1.5")"), std::string::npos) << g;
    EXPECT_NE(g.find(R"("null")"), std::string::npos) << g;
    EXPECT_NE(g.find(R"("{\"a\":[1]}")"), std::string::npos) << g;
}

TEST(JsonSchemaGrammar, RecursiveRefBecomesNamedRule) {
    const std::string g = json_schema_to_gbnf(json::parse(
        R"({"$ref":"#/definitions/node","definitions":{"node":{"type":"object","properties":{"next":{"$ref":"#/definitions/node"}}}}})"));
    EXPECT_NE(g.find("node ::= "), std::string::npos) << g;
}

// ---- rejected schemas ---------------------------------------------------------------------------

TEST(JsonSchemaGrammar, RejectsKeywordsThatChangeValidity) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"not":{"type":"string"}})", "not"},
        {R"({"if":{"type":"string"},"then":{"minLength":1}})", "if"},
        {R"({"then":{"minLength":1}})", "then"},
        {R"({"else":{"minLength":1}})", "else"},
        {R"({"type":"object","patternProperties":{"^a":{}}})", "patternProperties"},
        {R"({"type":"object","dependentRequired":{"a":["b"]}})", "dependentRequired"},
        {R"({"type":"object","dependentSchemas":{"a":{}}})", "dependentSchemas"},
        {R"({"type":"number","minimum":1})", "minimum"},
        {R"({"minimum":-2.5})", "minimum"},
        {R"({"type":"integer","minimum":5,"maximum":4})", "minimum"},
        {R"({"type":"integer","minimum":1e20})", "minimum"},
        {R"({"type":"integer","exclusiveMinimum":true})", "exclusiveMinimum"},
        {R"({"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"anyOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"})", "left recursion"},
        {R"({"type":"string","nullable":true})", "nullable"},
        {R"({"type":"number","maximum":10})", "maximum"},
        {R"({"type":"number","exclusiveMinimum":0})", "exclusiveMinimum"},
        {R"({"type":"number","exclusiveMaximum":0})", "exclusiveMaximum"},
        {R"({"type":"integer","multipleOf":2})", "multipleOf"},
        {R"({"type":"object","minProperties":1})", "minProperties"},
        {R"({"type":"object","maxProperties":1})", "maxProperties"},
        {R"({"type":"object","propertyNames":{"pattern":"^a"}})", "propertyNames"},
        {R"({"type":"object","unevaluatedProperties":false})", "unevaluatedProperties"},
        {R"({"type":"array","contains":{"type":"string"}})", "contains"},
        {R"({"type":"array","uniqueItems":true})", "uniqueItems"},
        {R"({"allOf":[{"type":"string"},{"minLength":1}]})", "allOf"},
        {R"({"type":"object","properties":{"a":{}},"additionalProperties":{"type":"string"}})", "additionalProperties"},
        {R"({"$ref":"https://example.com/schema.json"})", "$ref"},
        {R"({"$ref":"#/$defs/missing"})", "$ref"},
        {R"({"anyOf":[{"$ref":"#"},{"type":"null"}]})", "left recursion"},
        {R"({"type":"strings"})", "strings"},
        {R"({"type":"string","pattern":"(?=a)b"})", "(?"},
        {R"({"type":"string","pattern":"(a)\\1"})", "backreference"},
        {R"({"type":"string","pattern":"\\bword"})", "\\b"},
        {R"({"type":"string","pattern":"a^b"})", "^"},
        {R"({"type":"string","pattern":"a$b"})", "$"},
        {R"({"type":"string","pattern":"\\p{L}"})", "\\p"},
        {R"({"type":"string","pattern":"a**"})", "quantifier"},
        {R"({"type":"string","pattern":"(ab"})", ")"},
        {R"({"type":"string","pattern":"a{1,99999}"})", "4096"},
        {R"({"type":"string","maxLength":100000})", "maxLength"},
        {R"({"type":"string","minLength":3,"maxLength":2})", "maxLength"},
        {R"({"type":"array","minItems":-1})", "minItems"},
        {R"({"enum":[]})", "enum"},
        {R"({"type":"string","enum":[1,2]})", "enum"},
        {R"({"type":"object","required":["a"],"properties":{"a":false}})", "'a'"},
        {R"(false)", "false"},
        {R"(42)", "schema must be"},
    };
    for (const auto& [schema, named] : cases) expect_rejected(schema, named);
}

TEST(JsonSchemaGrammar, ErrorIsTheOpenAiShape) {
    const ApiError e = error_of(R"({"not":{}})");
    EXPECT_EQ(e.to_json()["error"]["param"], "json_schema");
    EXPECT_EQ(e.to_json()["error"]["type"], "invalid_request_error");
    EXPECT_NE(e.message.find("'not'"), std::string::npos) << e.message;
}

TEST(JsonSchemaGrammar, IgnoresAnnotations) {
    EXPECT_NO_THROW(json_schema_to_gbnf(json::parse(
        R"({"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"x","title":"T","description":"d",
            "examples":["a"],"default":"a","$comment":"c","type":"string","x-vendor":1})")));
}

// ---- acceptance through libllama's grammar engine ---------------------------------------------

TEST(JsonSchemaGrammar, ProducedGrammarsParseInLibllama) {
    REQUIRE_VOCAB();
    for (const char* schema :
         {R"({})", R"(true)", R"({"type":"object"})", R"({"type":["string","null"]})",
          R"({"type":"string","format":"date-time"})", R"({"type":"string","pattern":"[^\\]\\-]{2}|x+?"})",
          R"({"type":"object","additionalProperties":{"type":"integer"}})",
          R"({"type":"array","prefixItems":[{"type":"string"}],"items":{"type":"number"},"minItems":2,"maxItems":4})"}) {
        const std::string g = json_schema_to_gbnf(json::parse(schema));
        EXPECT_TRUE(grammar_parses(g)) << schema << "\n" << g;
    }
}

TEST(JsonSchemaGrammar, HarnessTellsAcceptedFromRejected) {
    REQUIRE_VOCAB();
    expect_accepts(R"(root ::= "ab" [0-9]?)", {"ab", "ab7"}, {"a", "abc", "ab77", ""});
    EXPECT_FALSE(grammar_parses("root ::= undefined-rule"));
}

TEST(JsonSchemaGrammar, IntegerBounds) {
    REQUIRE_VOCAB();
    expect_schema(R"({"type":"integer","minimum":1,"maximum":12})", {"1", "9", "10", "12"}, {"0", "13", "01", "-1", "100"});
    expect_schema(R"({"type":"integer","minimum":-5,"maximum":5})", {"-5", "-1", "0", "5"}, {"-6", "6", "-0", "-10"});
    expect_schema(R"({"type":"integer","minimum":10,"maximum":255})", {"10", "99", "100", "199", "200", "249", "255"},
                  {"9", "256", "260", "300", "1000"});
    expect_schema(R"({"type":"integer","exclusiveMinimum":0})", {"1", "12345678"}, {"0", "-1"});
    expect_schema(R"({"type":"integer","minimum":-10})", {"-10", "-1", "0", "7", "123456"}, {"-11", "-100"});
    expect_schema(R"({"type":"integer","maximum":3})", {"-1000", "-1", "0", "3"}, {"4", "10"});
    expect_schema(R"({"type":"integer","exclusiveMaximum":-2.5})", {"-3", "-40"}, {"-2", "0"});
    expect_schema(R"({"type":"integer","minimum":1.5,"maximum":2.5})", {"2"}, {"1", "3"});
    expect_schema(R"({"type":"number","minimum":0})", {"0", "1.5", "3e2"}, {"-1", "-0.5"});
    expect_schema(R"({"type":["integer","string"],"minimum":0})", {"3", R"("-3")"}, {"-3"});
}

TEST(JsonSchemaGrammar, Primitives) {
    REQUIRE_VOCAB();
    expect_schema(R"({"type":"string"})", {R"("")", R"("hi")", R"("a\"b\\c\n\u00e9")", "\"caf\xC3\xA9\""},
                  {"hi", "1", R"("a)", "\"a\nb\"", R"("\x")"});
    expect_schema(R"({"type":"number"})", {"0", "-1.5e3", "42", "3.25", "1E-7"}, {"01", "abc", "1.", "-", "+1", ".5"});
    expect_schema(R"({"type":"integer"})", {"0", "42", "-7"}, {"1.5", "1e3", "007", "\"1\""});
    expect_schema(R"({"type":"boolean"})", {"true", "false"}, {"True", "1", "null"});
    expect_schema(R"({"type":"null"})", {"null"}, {"nul", "false"});
    expect_schema(R"({"type":["integer","null"]})", {"1", "null"}, {"\"x\"", "true"});
}

TEST(JsonSchemaGrammar, EmptySchemaIsAnyValue) {
    REQUIRE_VOCAB();
    const std::vector<std::string> good = {R"({"a":[1,2,{"b":null}],"c":"d"})", "[]", "{ }", "1.5", R"("s")", "true",
                                           "[1, [2, [3]]]"};
    const std::vector<std::string> bad = {"{", "[1,]", R"({"a"})", "nope", R"({"a":1,})"};
    expect_schema("{}", good, bad);
    expect_schema("true", good, bad);
    expect_schema(R"({"title":"anything"})", good, bad);
}

TEST(JsonSchemaGrammar, ObjectRequiredAndOptional) {
    REQUIRE_VOCAB();
    const std::string schema = R"({"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},
        "tags":{"type":"array","items":{"type":"string"}}},"required":["name"]})";
    expect_schema(schema,
                  {R"({"name":"x"})", R"({"name":"x","age":3})", R"({"name":"x","tags":[]})",
                   R"({"name":"x","age":3,"tags":["a","b"]})", "{ \"name\" : \"x\" ,\n  \"age\": 3 }"},
                  {"{}", R"({"age":3})", R"({"name":"x","extra":1})", R"({"name":1})", R"({"name":"x",})",
                   R"({"name":"x","age":"3"})"});
    // all optional: the empty object and any subset in order
    expect_schema(R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}}})",
                  {"{}", R"({"a":1})", R"({"b":2})", R"({"a":1,"b":2})"},
                  {R"({,"a":1})", R"({"a":1,})", R"({"c":1})", R"({"a":1,"a":1})"});
    // additionalProperties false, required key outside properties
    expect_schema(R"({"type":"object","required":["id"]})", {R"({"id":[1]})", R"({"id":"x"})"}, {"{}", R"({"x":1})"});
    expect_schema(R"({"type":"object","properties":{"a":{"const":1}},"additionalProperties":false})",
                  {"{}", R"({"a":1})"}, {R"({"a":2})", R"({"b":1})"});
}

TEST(JsonSchemaGrammar, NestedObjectsAndMaps) {
    REQUIRE_VOCAB();
    expect_schema(R"({"type":"object","properties":{"user":{"type":"object","properties":{
                     "id":{"type":"integer"},"email":{"type":"string"}},"required":["id","email"]}},"required":["user"]})",
                  {R"({"user":{"id":1,"email":"a@b"}})"},
                  {R"({"user":{"id":1}})", R"({"user":{"email":"a@b","id":1}})", R"({"user":[]})"});
    expect_schema(R"({"type":"object","additionalProperties":{"type":"integer"}})",
                  {"{}", R"({"a":1,"b":2})"}, {R"({"a":"x"})", R"({"a":1,})"});
    expect_schema(R"({"type":"object"})", {"{}", R"({"a":{"b":[true]}})"}, {"[]", "null"});
}

TEST(JsonSchemaGrammar, ArraysWithMinAndMaxItems) {
    REQUIRE_VOCAB();
    expect_schema(R"({"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3})",
                  {"[1]", "[1,2,3]", "[ 1 , 2 ]"}, {"[]", "[1,2,3,4]", R"(["a"])", "[1,]"});
    expect_schema(R"({"type":"array","items":{"type":"string"}})", {"[]", R"(["a","b"])"}, {"[1]", R"(["a",])"});
    expect_schema(R"({"type":"array","maxItems":0})", {"[]"}, {"[1]"});
    expect_schema(R"({"type":"array","items":{"type":"boolean"},"minItems":2})", {"[true,false]", "[true,true,true]"},
                  {"[true]", "[]"});
    expect_schema(R"({"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false})",
                  {"[]", R"(["a"])", R"(["a",1])"}, {R"(["a",1,2])", "[1]", R"(["a","b"])"});
    expect_schema(R"({"type":"array","prefixItems":[{"type":"string"}],"items":{"type":"integer"},"minItems":2,"maxItems":3})",
                  {R"(["a",1])", R"(["a",1,2])"}, {R"(["a"])", R"(["a",1,2,3])", R"(["a","b"])"});
    expect_schema(R"({"type":"array","items":[{"type":"null"}],"additionalItems":false})", {"[]", "[null]"},
                  {"[null,null]"});
}

TEST(JsonSchemaGrammar, EnumAndConst) {
    REQUIRE_VOCAB();
    expect_schema(R"({"enum":["red","green",1,null]})", {R"("red")", R"("green")", "1", "null"},
                  {R"("blue")", "2", R"("re")"});
    expect_schema(R"({"type":"string","enum":["a","b",3]})", {R"("a")", R"("b")"}, {"3"});
    expect_schema(R"({"const":{"k":[1,"x"]}})", {R"({"k":[1,"x"]})"}, {R"({"k":[1]})"});
    expect_schema(R"({"const":"only"})", {R"("only")"}, {R"("other")"});
}

TEST(JsonSchemaGrammar, RecursiveRefTree) {
    REQUIRE_VOCAB();
    const std::string tree = R"({"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{
        "value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}},
        "required":["value","children"]}}})";
    expect_schema(tree,
                  {R"({"value":1,"children":[]})",
                   R"({"value":1,"children":[{"value":2,"children":[{"value":3,"children":[]}]},{"value":4,"children":[]}]})"},
                  {R"({"value":1})", R"({"value":1,"children":[{"value":2}]})", R"({"value":1,"children":[1]})"});
    // recursion through the root and through definitions
    expect_schema(R"({"type":"object","properties":{"next":{"$ref":"#"}},"additionalProperties":false})",
                  {"{}", R"({"next":{}})", R"({"next":{"next":{}}})"}, {R"({"next":1})"});
    expect_schema(R"({"definitions":{"s":{"type":"string"}},"type":"array","items":{"$ref":"#/definitions/s"}})",
                  {R"(["a","b"])"}, {"[1]"});
}

TEST(JsonSchemaGrammar, AnyOfAndOneOf) {
    REQUIRE_VOCAB();
    expect_schema(R"({"anyOf":[{"type":"string"},{"type":"integer"}]})", {R"("a")", "5"}, {"true", "1.5"});
    expect_schema(R"({"oneOf":[{"type":"object","properties":{"k":{"const":"a"}},"required":["k"]},{"type":"null"}]})",
                  {R"({"k":"a"})", "null"}, {"{}", R"({"k":"b"})"});
    expect_schema(R"({"allOf":[{"type":"boolean"}],"description":"wrapped ref"})", {"true"}, {"1"});
}

TEST(JsonSchemaGrammar, StringLengths) {
    REQUIRE_VOCAB();
    expect_schema(R"({"type":"string","minLength":2,"maxLength":3})", {R"("ab")", R"("abc")", R"("a\n")", "\"\xC3\xA9\xC3\xA9\""},
                  {R"("a")", R"("abcd")", R"("\ud83d\ude00")"});
    expect_schema(R"({"type":"string","minLength":1})", {R"("a")", R"("abcdefgh")"}, {R"("")"});
}

TEST(JsonSchemaGrammar, StringPatterns) {
    REQUIRE_VOCAB();
    expect_schema(R"({"type":"string","pattern":"^[a-z]+-[0-9]{2,3}$"})", {R"("ab-12")", R"("z-123")"},
                  {R"("ab-1")", R"("Ab-12")", R"("ab-1234")", R"("ab12")"});
    // unanchored: the pattern may match anywhere
    expect_schema(R"({"type":"string","pattern":"abc"})", {R"("abc")", R"("xxabcyy")"}, {R"("ab")", R"("")"});
    expect_schema(R"({"type":"string","pattern":"^(foo|bar)+$"})", {R"("foo")", R"("barfoo")"}, {R"("")", R"("fob")"});
    expect_schema(R"({"type":"string","pattern":"^a|b$"})", {R"("ax")", R"("xb")"}, {R"("xa")"});
    expect_schema(R"({"type":"string","pattern":"^\\d{3}\\s?\\w*\\.$"})", {R"("123 ab_.")", R"("123.")"},
                  {R"("12.")", R"("123 ab")"});
    // characters JSON must escape: the grammar writes them escaped
    expect_schema(R"({"type":"string","pattern":"^[\"a\\\\]+$"})", {R"("a\"\\")"}, {"\"a\"\"", R"("b")"});
    expect_schema(R"({"type":"string","pattern":"^[^a-c]$"})", {R"("d")", R"("\"")"}, {R"("a")", R"("")"});
    expect_schema(R"({"type":"string","pattern":"^.?x(?:yz)*$"})", {R"("x")", R"("qxyzyz")"}, {R"("xy")"});
}

TEST(JsonSchemaGrammar, Formats) {
    REQUIRE_VOCAB();
    expect_schema(R"({"type":"string","format":"date"})", {R"("2024-02-29")", R"("2000-02-29")", R"("2023-12-31")"},
                  {R"("2023-02-29")", R"("1900-02-29")", R"("2024-13-01")", R"("2024-04-31")", R"("2024-1-01")"});
    expect_schema(R"({"type":"string","format":"time"})", {R"("12:30:45Z")", R"("23:59:59.123+05:30")"},
                  {R"("24:00:00Z")", R"("12:30:45")", R"("12:60:00Z")"});
    expect_schema(R"({"type":"string","format":"date-time"})", {R"("2024-05-06T07:08:09Z")"},
                  {R"("2024-05-06 07:08:09Z")", R"("2024-05-06")"});
    expect_schema(R"({"type":"string","format":"uuid"})", {R"("123e4567-e89b-12d3-a456-426614174000")"},
                  {R"("123e4567-e89b-12d3-a456-42661417400")", R"("123e4567e89b12d3a456426614174000")"});
    expect_schema(R"({"type":"string","format":"email"})", {R"("anything")"}, {"1"});
}

}  // namespace
}  // namespace cria
