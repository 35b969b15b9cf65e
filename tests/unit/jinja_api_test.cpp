// Hand-written tests of the template engine's API: errors (with their line and column),
// raise_exception, render options, globals and render_chat's variables.
#include "template/chat_template.h"
#include "template/jinja.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <ctime>
#include <string>

namespace {

cria::TemplateError render_error(const std::string& source, const nlohmann::json& context = nlohmann::json::object()) {
  try {
    std::string out = cria::render_template(source, context);
    ADD_FAILURE() << "expected an error, got: " << out;
  } catch (const cria::TemplateError& e) {
    return e;
  }
  return cria::TemplateError("", 0, 0);
}

}  // namespace

TEST(JinjaErrors, RaiseExceptionMessageAndLine) {
  auto e = render_error("line one\n{% if true %}\n  {{ raise_exception('Roles must alternate!') }}\n{% endif %}");
  EXPECT_EQ(e.message(), "Roles must alternate!");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.column(), 6);
  EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos);
}

TEST(JinjaErrors, SyntaxErrorsSayWhere) {
  auto e = render_error("ok\n{{ 1 + }}");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.column(), 8);
  e = render_error("a\nb\n{% frobnicate %}");
  EXPECT_EQ(e.line(), 3);
  EXPECT_NE(e.message().find("frobnicate"), std::string::npos);
  e = render_error("{% if x %}\nno end");
  EXPECT_NE(e.message().find("endif"), std::string::npos);
  e = render_error("{% for x in y %}{% endif %}");
  EXPECT_NE(e.message().find("endif"), std::string::npos);
  e = render_error("{{ 'unterminated }}");
  EXPECT_EQ(e.line(), 1);
  e = render_error("text {{ x ");
  EXPECT_EQ(e.line(), 1);
  e = render_error("{# never closed");
  EXPECT_EQ(e.line(), 1);
  e = render_error("{{ x | no_such_filter }}");
  EXPECT_NE(e.message().find("no_such_filter"), std::string::npos);
  e = render_error("{{ x is no_such_test }}");
  EXPECT_NE(e.message().find("no_such_test"), std::string::npos);
}

TEST(JinjaErrors, RuntimeErrors) {
  auto e = render_error("\n\n{{ missing + 1 }}");
  EXPECT_EQ(e.line(), 3);
  EXPECT_NE(e.message().find("'missing' is undefined"), std::string::npos);
  e = render_error("{{ no_function(1) }}");
  EXPECT_NE(e.message().find("no_function"), std::string::npos);
  e = render_error("{{ 'a' + 1 }}");
  EXPECT_NE(e.message().find("unsupported operand"), std::string::npos);
  e = render_error("{{ 1 // 0 }}");
  EXPECT_NE(e.message().find("zero"), std::string::npos);
  e = render_error("{% set x = 1 %}{% set x.y = 2 %}");
  EXPECT_NE(e.message().find("namespace"), std::string::npos);
  e = render_error("{{ m.content.strip() }}", {{"m", {{"content", nullptr}}}});
  EXPECT_NE(e.message().find("strip"), std::string::npos);
  e = render_error("{% for x in 5 %}{% endfor %}");
  EXPECT_NE(e.message().find("not iterable"), std::string::npos);
}

TEST(JinjaApi, UndefinedIsLenient) {
  EXPECT_EQ(cria::render_template("[{{ a.b.c }}][{{ a['x'][0] }}][{{ a.b is defined }}]", nlohmann::json::object()),
            "[][][False]");
}

TEST(JinjaApi, OptionsDefaultToChatSettings) {
  cria::RenderOptions defaults;
  EXPECT_TRUE(defaults.trim_blocks);
  EXPECT_TRUE(defaults.lstrip_blocks);
  const std::string tpl = "  {% if true %}\nx\n  {% endif %}\n";
  EXPECT_EQ(cria::render_template(tpl, nlohmann::json::object()), "x\n");
  cria::RenderOptions plain;
  plain.trim_blocks = false;
  plain.lstrip_blocks = false;
  EXPECT_EQ(cria::render_template(tpl, nlohmann::json::object(), plain), "  \nx\n  ");
  plain.keep_trailing_newline = true;
  EXPECT_EQ(cria::render_template("a\n", nlohmann::json::object(), plain), "a\n");
}

TEST(JinjaApi, StrftimeNow) {
  std::time_t now = std::time(nullptr);
  std::tm tm_now{};
  localtime_r(&now, &tm_now);
  char year[8];
  std::strftime(year, sizeof year, "%Y", &tm_now);
  std::string out = cria::render_template("{{ strftime_now('%Y') }}", nlohmann::json::object());
  EXPECT_EQ(out.size(), 4u);
  EXPECT_EQ(out.substr(0, 2), std::string(year).substr(0, 2));
}

TEST(JinjaApi, ContextTypesRoundTrip) {
  nlohmann::json ctx = {{"i", 3}, {"u", 4u}, {"f", 2.5}, {"b", true}, {"n", nullptr}, {"s", "x"},
                        {"l", {1, "two"}}, {"o", {{"k", "v"}}}};
  EXPECT_EQ(cria::render_template("{{ i }} {{ u }} {{ f }} {{ b }} {{ n }} {{ s }} {{ l }} {{ o }} {{ o | tojson }}", ctx),
            "3 4 2.5 True None x [1, 'two'] {'k': 'v'} {\"k\": \"v\"}");
}

TEST(JinjaChat, RenderChatProvidesHfVariables) {
  nlohmann::json messages = nlohmann::json::array({{{"role", "user"}, {"content", "hi"}}});
  const std::string tpl =
      "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"
      "{% if add_generation_prompt %}<assistant>{% endif %}{{ eos_token }}"
      "[{{ tools is defined }}{% if tools %}{{ tools | length }}{% endif %}]";
  EXPECT_EQ(cria::render_chat(tpl, messages, true, {{"bos_token", "<s>"}, {"eos_token", "</s>"}}),
            "<s><user>hi<assistant></s>[False]");
  EXPECT_EQ(cria::render_chat(tpl, messages, false), "<user>hi[False]");
  nlohmann::json tools = nlohmann::json::array({{{"type", "function"}}});
  EXPECT_EQ(cria::render_chat(tpl, messages, false, {{"tools", tools}}), "<user>hi[True1]");
  EXPECT_EQ(cria::render_chat(tpl, messages, false, {{"tools", nullptr}}), "<user>hi[False]");
}

TEST(JinjaChat, ChatDefaultsTrimAndLstrip) {
  nlohmann::json messages = nlohmann::json::array({{{"role", "user"}, {"content", "a"}}, {{"role", "assistant"}, {"content", "b"}}});
  const std::string tpl =
      "{% for m in messages %}\n"
      "  {% if m.role == 'user' %}\n"
      "U: {{ m.content }}\n"
      "  {% else %}\n"
      "A: {{ m.content }}\n"
      "  {% endif %}\n"
      "{% endfor %}\n";
  EXPECT_EQ(cria::render_chat(tpl, messages, false), "U: a\nA: b\n");
}

TEST(JinjaErrors, HostileTemplatesFailCleanly) {
  auto e = render_error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
  EXPECT_NE(e.message().find("recursion"), std::string::npos);
  e = render_error("{{ " + std::string(100000, '(') + "1" + std::string(100000, ')') + " }}");
  EXPECT_NE(e.message().find("nested too deeply"), std::string::npos);
  e = render_error("{{ " + std::string(100000, '-') + "1 }}");
  EXPECT_NE(e.message().find("nested too deeply"), std::string::npos);
  std::string blocks;
  for (int k = 0; k < 10000; ++k) blocks += "{% if true %}";
  e = render_error(blocks);
  EXPECT_NE(e.message().find("nested too deeply"), std::string::npos);
  e = render_error("{% for i in range(100000000000) %}{% endfor %}");
  EXPECT_NE(e.message().find("range"), std::string::npos);
}

// Found by fuzzing the renderer (tests/fuzz/fuzz_jinja_template): 64-bit results that do not fit
// were signed overflows (undefined behaviour), and `2 ** n` looped n times.
TEST(JinjaErrors, IntegerOverflowIsATemplateError) {
  for (const char* source : {"{{ 9223372036854775807 + 1 }}", "{{ -9223372036854775807 - 2 }}",
                             "{{ 4611686018427387904 * 2 }}", "{{ 2 ** 100000000000 }}", "{{ 3 ** 64 }}",
                             "{{ -(-9223372036854775807 - 1) }}", "{{ (-9223372036854775807 - 1) // -1 }}",
                             "{{ (-9223372036854775807 - 1) | abs }}", "{{ 1e300 | int }}"}) {
    EXPECT_NE(render_error(source).message().find("64"), std::string::npos) << source;
  }
  // What fits is still computed, exactly.
  EXPECT_EQ(cria::render_template("{{ 2 ** 62 }}|{{ (-2) ** 63 }}|{{ 1 ** 100000000000 }}|{{ (-9223372036854775807 - 1) % -1 }}",
                                  nlohmann::json::object()),
            "4611686018427387904|-9223372036854775808|1|0");
  EXPECT_EQ(cria::render_template("{% for i in range(9223372036854775800, 9223372036854775807, 5) %}{{ i }},{% endfor %}",
                                  nlohmann::json::object()),
            "9223372036854775800,9223372036854775805,");
}

// Found by fuzzing the renderer: renders that ran or allocated without bound ("x" * 3000000000,
// nested loops over large ranges, replace("", long), indent(-1), tojson(indent=10**8)) now fail
// with a TemplateError saying which budget they exceeded.
TEST(JinjaErrors, RendersAreBounded) {
  EXPECT_NE(render_error("{{ 'x' * 3000000000 }}").message().find("longer than"), std::string::npos);
  EXPECT_NE(render_error("{{ ([1, 2] * 600000) | length }}").message().find("list longer"), std::string::npos);
  EXPECT_NE(render_error("{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}")
                .message().find("longer than"), std::string::npos);
  EXPECT_NE(render_error("{{ 'abcdefghijklmnopq' | replace('', 'x' * 1000000) }}").message().find("longer than"), std::string::npos);
  EXPECT_NE(render_error("{{ 'a' | indent(-1) }}").message().find("indent"), std::string::npos);
  EXPECT_NE(render_error("{{ [1] | tojson(indent=100000000) }}").message().find("indent"), std::string::npos);
  EXPECT_NE(render_error("{{ range(100001) | length }}").message().find("range"), std::string::npos);
  const auto e = render_error("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}");
  EXPECT_NE(e.message().find("steps"), std::string::npos);
  EXPECT_EQ(e.line(), 1);
  // Within the budgets everything renders as before.
  EXPECT_EQ(cria::render_template("{{ range(100000) | length }}|{{ ('ab' * 1000) | length }}|{{ 'a\nb' | indent(2, true) }}",
                                  nlohmann::json::object()),
            "100000|2000|  a\n  b");
}

// Found by fuzzing the renderer (LeakSanitizer): a namespace holding itself (`set ns.b = ns`) was a
// shared_ptr cycle that outlived the render, leaking on every one. The namespaces are emptied when
// the render ends; the render itself sees the cycle as jinja2 does.
TEST(JinjaErrors, SelfReferencingNamespacesRender) {
  EXPECT_EQ(cria::render_template("{% set ns = namespace(a=1) %}{% set ns.b = ns %}{% set ns.c = [ns, {'k': ns}] %}"
                                  "{{ ns.b.b.a }}{{ ns.c[1].k.a }}",
                                  nlohmann::json::object()),
            "11");
}
