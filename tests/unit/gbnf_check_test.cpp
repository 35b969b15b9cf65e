#include "api/gbnf_check.h"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "api/json_schema_grammar.h"

namespace cria {
namespace {

void expect_ok(const std::string& grammar) { EXPECT_EQ(gbnf_syntax_error(grammar), "") << grammar; }

// The message names the position and contains `word`.
void expect_error(const std::string& grammar, int line, int column, const std::string& word) {
    const std::string message = gbnf_syntax_error(grammar);
    const std::string at = "line " + std::to_string(line) + ", column " + std::to_string(column) + ":";
    EXPECT_EQ(message.rfind(at, 0), 0u) << "message '" << message << "' should start with '" << at << "'\n" << grammar;
    EXPECT_NE(message.find(word), std::string::npos) << "message '" << message << "' should contain '" << word << "'";
}

TEST(GbnfCheck, AcceptsSimpleLiteral) { expect_ok("root ::= \"hello\"\n"); }

TEST(GbnfCheck, AcceptsWithoutTrailingNewlineAndWithCrlf) {
    expect_ok("root ::= \"a\"");
    expect_ok("root ::= \"a\" b\r\nb ::= \"c\"\r\n");
}

TEST(GbnfCheck, AcceptsAlternatives) {
    expect_ok("root ::= \"yes\" | \"no\" | maybe\nmaybe ::= \"perhaps\"\n");
    expect_ok("root ::= \"a\" |\n  \"b\" |\n  \"c\"\n");
    expect_ok("root ::= \"a\"\n  | \"b\"\n  | \"c\"\n");
    expect_ok("root ::= \"a\" | \n");  // an empty alternative
}

TEST(GbnfCheck, AcceptsClasses) {
    expect_ok("root ::= [a-z] [A-Za-z0-9_-] [^\"\\\\] [^\\n] [\\[\\]] [-a] [a-] [\\x00-\\x1F] [\\u00e9-\\U0001F600]\n");
    expect_ok("root ::= [é] [^ ]\n");
}

TEST(GbnfCheck, AcceptsNestedGroupsOverSeveralLines) {
    expect_ok(
        "root ::= (\n"
        "  \"a\" (\"b\" | \"c\")*\n"
        "  | ( \"d\"\n"
        "      (\"e\")? )\n"
        ") \"f\"\n"
        "other ::= \"x\"\n");
}

TEST(GbnfCheck, AcceptsRepetitions) {
    expect_ok("root ::= \"a\"* \"b\"+ \"c\"? [0-9]{2,5} x{3} x{1,} x{,4} x{ 2 , 3 } (x | \"y\"){0,1} .*\nx ::= \"x\"\n");
}

TEST(GbnfCheck, AcceptsCommentsAndBlankLines) {
    expect_ok(
        "# a grammar\n"
        "\n"
        "root ::= item # trailing comment with \" and [ and (\n"
        "   # indented comment\n"
        "item ::= \"#not a comment\" # comment\n"
        "\n");
}

TEST(GbnfCheck, AcceptsEscapes) {
    expect_ok("root ::= \"\\\\ \\\" \\n \\r \\t \\x41 \\u00e9 \\U0001F600 \\[ \\]\"\n");
}

TEST(GbnfCheck, AcceptsTokenReferences) { expect_ok("root ::= <think> !<[42]> \"x\"\n"); }

TEST(GbnfCheck, AcceptsDuplicateDefinitions) { expect_ok("root ::= a\na ::= \"1\"\na ::= \"2\"\n"); }

TEST(GbnfCheck, AcceptsJsonGrammar) {
    expect_ok(R"(root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws

object ::=
  "{" ws (
            string ":" ws value
    ("," ws string ":" ws value)*
  )? "}" ws

array  ::=
  "[" ws (
            value
    ("," ws value)*
  )? "]" ws

string ::=
  "\"" (
    [^"\\\x7F\x00-\x1F] |
    "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
  )* "\"" ws

number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws

# Optional space: by convention, applied in this grammar after literal chars when allowed
ws ::= | " " | "\n" [ \t]{0,20}
)");
}

TEST(GbnfCheck, CustomRootName) {
    EXPECT_EQ(gbnf_syntax_error("start ::= \"a\"\n", "start"), "");
    EXPECT_EQ(gbnf_syntax_error("start ::= \"a\"\n"), "no 'root' rule");
    EXPECT_EQ(gbnf_syntax_error("root ::= \"a\"\n", "start"), "no 'start' rule");
}

TEST(GbnfCheck, MissingRoot) {
    EXPECT_EQ(gbnf_syntax_error("value ::= \"a\"\n"), "no 'root' rule");
    EXPECT_EQ(gbnf_syntax_error(""), "no 'root' rule");
    EXPECT_EQ(gbnf_syntax_error("# only a comment\n\n"), "no 'root' rule");
}

TEST(GbnfCheck, UndefinedRule) {
    EXPECT_EQ(gbnf_syntax_error("root ::= \"a\" value\n"), "rule 'value' is used at line 1, column 14 but never defined");
    EXPECT_EQ(gbnf_syntax_error("root ::= a\na ::= (\n  \"x\" | missing )\n"),
              "rule 'missing' is used at line 3, column 9 but never defined");
}

TEST(GbnfCheck, UnterminatedString) {
    expect_error("root ::= \"a\"\nitem ::= \"abc\" \"oops\n", 2, 16, "unterminated string literal");
    expect_error("root ::= \"abc", 1, 10, "unterminated string literal");
    expect_error("root ::= \"abc\\\"\n", 1, 10, "unterminated string literal");
}

TEST(GbnfCheck, UnterminatedClass) {
    expect_error("root ::= [a-z\n", 1, 10, "unterminated character class");
    expect_error("root ::= \"x\" [^\\]]\nx ::= [abc", 2, 7, "unterminated character class");
}

TEST(GbnfCheck, BadEscape) {
    expect_error("root ::= \"a\\qb\"\n", 1, 12, "escape");
    expect_error("root ::= [\\d]\n", 1, 11, "escape");
    expect_error("root ::= \"\\x4\"\n", 1, 11, "escape");
    expect_error("root ::= [\\u12G4]\n", 1, 11, "escape");
}

TEST(GbnfCheck, UnbalancedParentheses) {
    expect_error("root ::= (\"a\" | \"b\"\n", 1, 10, "parenthes");
    expect_error("root ::= (\"a\" (\"b\")\nx ::= \"c\"\n", 1, 10, "parenthes");
    expect_error("root ::= \"a\" )\n", 1, 14, "parenthes");
    expect_error("root ::= (\n  \"a\"\n  (\"b\")\nx ::= \"c\"\n", 1, 10, "parenthes");
    expect_error("root ::= (\"a\"))\n", 1, 15, "parenthes");
}

TEST(GbnfCheck, MissingDefinitionSign) {
    expect_error("root ::= \"a\"\nvalue \"b\"\n", 2, 7, "::=");
    expect_error("root := \"a\"\n", 1, 6, "::=");
    expect_error("root\n", 1, 5, "::=");
}

TEST(GbnfCheck, EmptyRuleName) {
    expect_error("root ::= \"a\"\n::= \"b\"\n", 2, 1, "empty rule name");
    expect_error("root ::= \"a\"\n  ::= \"b\"\n", 2, 3, "empty rule name");
    expect_error("\"a\" ::= \"b\"\n", 1, 1, "rule name");
}

TEST(GbnfCheck, BodyMayStartOnNextLine) { expect_ok("root ::=\n  \"a\" |\n  \"b\"\n"); }

TEST(GbnfCheck, RuleOnSameLine) { expect_error("root ::= \"a\" b ::= \"c\"\n", 1, 16, "::="); }

TEST(GbnfCheck, BadRepetition) {
    expect_error("root ::= \"a\"{}\n", 1, 13, "repetition");
    expect_error("root ::= \"a\"{2,1}\n", 1, 13, "repetition");
    expect_error("root ::= \"a\"{x}\n", 1, 14, "repetition");
    expect_error("root ::= \"a\"{2,x}\n", 1, 16, "repetition");
    expect_error("root ::= \"a\"{2\n", 1, 15, "repetition");
    expect_error("root ::= \"a\"{2", 1, 13, "repetition");
    expect_error("root ::= * \"a\"\n", 1, 10, "repetition");
    expect_error("root ::= \"a\" | +\n", 1, 16, "repetition");
    expect_error("root ::= ( {2} )\n", 1, 12, "repetition");
}

TEST(GbnfCheck, UnexpectedCharacter) {
    expect_error("root ::= \"a\" ; \"b\"\n", 1, 14, "unexpected character");
    expect_error("root ::= \"a\"\nx ::= \"b\" @\n", 2, 11, "unexpected character");
}

TEST(GbnfCheck, SyntaxErrorsComeBeforeUndefinedRules) {
    expect_error("root ::= missing \"x\n", 1, 18, "unterminated");
}

TEST(GbnfCheck, AcceptsEveryJsonSchemaConverterGrammar) {
    using json = nlohmann::json;
    for (const char* schema : {
             R"({"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":150},
                 "tags":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":5}},"required":["name"]})",
             R"({"anyOf":[{"type":"number"},{"type":"boolean"},{"type":"null"},{"enum":["red","gr\"een",1.5,{"a":[1]}]}]})",
             R"({"type":"string","pattern":"^[A-Z][a-z\\d]{2,8}(-[0-9]+)?\\.\\[x\\]$"})",
             R"({"type":"object","properties":{"when":{"type":"string","format":"date-time"},"id":{"type":"string","format":"uuid"},
                 "day":{"type":"string","format":"date"},"at":{"type":"string","format":"time"}}})",
             R"({"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},
                 "children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["value"]}},"$ref":"#/$defs/node"})",
             R"({"type":"object","additionalProperties":{"type":"array","prefixItems":[{"const":"k\\n"},{"type":"number","minimum":0}]}})",
             R"({"type":"string","minLength":2,"maxLength":10})",
             R"({"type":"integer","exclusiveMinimum":-1234,"exclusiveMaximum":98765})",
             R"(true)",
         }) {
        const std::string gbnf = json_schema_to_gbnf(json::parse(schema));
        EXPECT_EQ(gbnf_syntax_error(gbnf), "") << schema << "\n" << gbnf;
    }
}

}  // namespace
}  // namespace cria
