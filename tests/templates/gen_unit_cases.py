import json, sys
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.exceptions import TemplateError
def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
def env(trim, lstrip):
    e = ImmutableSandboxedEnvironment(trim_blocks=trim, lstrip_blocks=lstrip, extensions=["jinja2.ext.loopcontrols"])
    e.filters["tojson"] = tojson
    def raise_exception(m): raise TemplateError(m)
    e.globals["raise_exception"] = raise_exception
    e.globals["strftime_now"] = lambda fmt: __import__("datetime").datetime.now().strftime(fmt)
    return e
cases = []
def c(name, tpl, ctx=None, trim=True, lstrip=True):
    cases.append((name, tpl, ctx or {}, trim, lstrip))
# expressions
c("Literals", "{{ 1 }}|{{ 1.5 }}|{{ 'a\\'b' }}|{{ \"x\\ny\" }}|{{ true }}|{{ False }}|{{ none }}|{{ None }}|{{ [1, 'a', none] }}|{{ {'k': 1, 'b': [true]} }}")
c("Arithmetic", "{{ 1 + 2 }}|{{ 7 / 2 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ -7 % 3 }}|{{ 2 * 3.5 }}|{{ 2 ** 10 }}|{{ 'ab' * 3 }}|{{ 1 - 5 }}|{{ 10 / 4 }}|{{ 0.1 + 0.2 }}|{{ 1e20 }}|{{ 1.0 }}|{{ 3 % 5 }}")
c("Concat", "{{ 'a' ~ 1 ~ none ~ true }}|{{ 'x' + 'y' }}|{{ [1] + [2, 3] }}")
c("Compare", "{{ 1 < 2 }}{{ 2 <= 1 }}{{ 'a' == 'a' }}{{ 1 == 1.0 }}{{ 1 != 2 }}{{ 'b' > 'a' }}{{ 1 < 2 < 3 }}{{ 3 > 2 > 2 }}")
c("Logic", "{{ true and false }}|{{ true or false }}|{{ not true }}|{{ 0 or 'x' }}|{{ '' and 1 }}|{{ not x }}|{{ x is defined and x }}")
c("In", "{{ 'a' in 'cat' }}{{ 2 in [1, 2] }}{{ 'k' in {'k': 1} }}{{ 'z' not in 'cat' }}{{ 3 not in [1] }}")
c("Conditional", "{{ 'yes' if x else 'no' }}|{{ 'yes' if y else 'no' }}|{{ 'only' if y }}|", {"x": 1, "y": 0})
c("AttrItem", "{{ d.a }}|{{ d['b'][1] }}|{{ l[-1] }}|{{ l[0] }}|{{ d.missing }}|{{ l[10] }}|{{ d.a.b }}|{{ s[1] }}", {"d": {"a": "A", "b": [1, 2]}, "l": [3, 4, 5], "s": "héllo"})
c("Slices", "{{ l[1:] }}|{{ l[:2] }}|{{ l[::-1] }}|{{ l[-2:] }}|{{ s[::-1] }}|{{ s[1:3] }}|{{ l[::2] }}|{{ l[5:] }}|{{ l[:-1] }}", {"l": [1, 2, 3, 4], "s": "abcdé"})
c("Tests", "{{ x is defined }}{{ y is undefined }}{{ n is none }}{{ s is string }}{{ 1 is number }}{{ d is mapping }}{{ l is iterable }}{{ l is sequence }}{{ t is true }}{{ t is false }}{{ s is not string }}{{ 4 is divisibleby 2 }}{{ 3 is odd }}{{ s is equalto 'str' }}{{ 1.5 is number }}{{ s is number }}",
  {"x": 1, "n": None, "s": "str", "d": {}, "l": [], "t": True})
c("Undefined", "[{{ nope }}][{% if nope %}x{% endif %}][{% for i in nope %}{{ i }}{% endfor %}][{{ nope | default('dflt') }}][{{ nope | length }}]")
# filters
c("FiltersString", "{{ '  hi  ' | trim }}|{{ 'abc' | upper }}|{{ 'ABC' | lower }}|{{ 'hello WORLD' | capitalize }}|{{ 'hello big-world' | title }}|{{ 'aXbX' | replace('X', '-') }}|{{ 'x' | string }}|{{ 5 | string }}")
c("FiltersList", "{{ l | join(', ') }}|{{ l | first }}|{{ l | last }}|{{ l | length }}|{{ l | count }}|{{ 'abc' | list }}|{{ l | reverse | list }}|{{ l | sort }}|{{ [1, 1, 2] | unique | list }}|{{ l | sum }}|{{ l | min }}|{{ l | max }}", {"l": [3, 1, 2]})
c("FiltersNumbers", "{{ '42' | int }}|{{ 3.9 | int }}|{{ 'x' | int }}|{{ '2.5' | float }}|{{ 2 | float }}|{{ -3 | abs }}|{{ 2.567 | round(2) }}|{{ 2.5 | round }}")
c("FiltersDefault", "{{ x | default('a') }}|{{ y | d('b') }}|{{ e | default('c', true) }}|{{ e | default('c') }}|", {"y": "Y", "e": ""})
c("FiltersDict", "{% for k, v in d | dictsort %}{{ k }}={{ v }};{% endfor %}|{% for k, v in d | items %}{{ k }}={{ v }};{% endfor %}|{% for k, v in d.items() %}{{ k }}{% endfor %}|{{ d.keys() | list }}|{{ d.values() | list }}|{{ d.get('a') }}|{{ d.get('zz', 'none') }}|{{ d.get('zz') }}", {"d": {"b": 2, "a": 1, "C": 3}})
c("FiltersSelect", "{{ ms | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(',') }}|{{ ms | rejectattr('role', 'equalto', 'user') | list | length }}|{{ ms | selectattr('tool_calls', 'defined') | list | length }}|{{ ms | selectattr('tool_calls') | map(attribute='role') | list }}|{{ [0, 1, 2] | select | list }}|{{ [1, 2, 3] | reject('odd') | list }}|{{ ['a', 'b'] | map('upper') | join }}",
  {"ms": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "tool_calls": [1]}, {"role": "user", "content": "c"}]})
c("FiltersToJson", "{{ d | tojson }}|{{ d | tojson(indent=2) }}|{{ l | tojson }}|{{ 'é\"\\n' | tojson }}|{{ [] | tojson(indent=4) }}|{{ {'z': 1, 'a': {}} | tojson(indent=2) }}|{{ 1.5 | tojson }}",
  {"d": {"name": "f", "args": {"x": 1, "y": [True, None, 2.5]}}, "l": ["a", 1]})
c("FiltersIndent", "{{ 'a\nb\n\nc' | indent(2) }}|{{ 'a\nb' | indent(4, true) }}|{{ 'a\n\nb' | indent(2, blank=true) }}|{{ 'x\n' | indent }}")
c("StringMethods", "{{ '  a b '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ ' a'.lstrip() }}|{{ 'a '.rstrip() }}|{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith('bc') }}|{{ 'a b  c'.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}|{{ 'aa'.replace('a', 'b') }}|{{ 'hello world'.title() }}|{{ 'abc'.startswith(('x', 'a')) }}|{{ '<think>x</think>y'.split('</think>')[-1] }}|{{ 'a-b'.rsplit('-', 1) }}")
# statements
c("IfElif", "{% for x in [1, 2, 3, 4] %}{% if x == 1 %}one{% elif x == 2 %}two{% elif x == 3 %}three{% else %}other{% endif %},{% endfor %}")
c("LoopVars", "{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }}|{% endfor %}")
c("LoopCycleEtc", "{% for x in [1, 2, 3] %}{{ loop.cycle('a', 'b') }}{{ loop.previtem }}{{ loop.nextitem }};{% endfor %}")
c("ForElse", "{% for x in [] %}{{ x }}{% else %}empty{% endfor %}|{% for x in [1] %}{{ x }}{% else %}empty{% endfor %}")
c("ForFilter", "{% for m in ms if m.role != 'system' %}{{ loop.index }}:{{ m.role }}{{ '/' if loop.last }} {% endfor %}", {"ms": [{"role": "system"}, {"role": "user"}, {"role": "assistant"}]})
c("ForUnpack", "{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }};{% endfor %}{% for k, v in {'x': 1}.items() %}{{ k }}{{ v }}{% endfor %}{% for (a, b) in [(5, 6)] %}{{ a }}{{ b }}{% endfor %}")
c("ForDict", "{% for k in d %}{{ k }}{% endfor %}", {"d": {"b": 1, "a": 2}})
c("NestedLoops", "{% for i in range(3) %}{% for j in range(i) %}{{ loop.index }}{% endfor %}/{{ loop.index }} {% endfor %}{{ range(2, 10, 3) | list }}")
c("BreakContinue", "{% for i in range(10) %}{% if i == 5 %}{% break %}{% endif %}{% if i is odd %}{% continue %}{% endif %}{{ i }}{% endfor %}")
c("SetScoping", "{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}{{ x }}{% endfor %}{{ x }}{% if true %}{% set x = 9 %}{% endif %}{{ x }}")
c("Namespace", "{% set ns = namespace(count=0, found=false) %}{% for i in [1, 2, 3] %}{% set ns.count = ns.count + i %}{% if i == 2 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.count }} {{ ns.found }}")
c("SetBlock", "{% set greeting %}Hello {{ name }}!{% endset %}[{{ greeting }}]{% set a, b = 1, 2 %}{{ a }}{{ b }}", {"name": "Bob"})
c("Macro", "{% macro tag(name, value='v', sep=': ') %}<{{ name }}{{ sep }}{{ value }}>{% endmacro %}{{ tag('a') }}{{ tag('b', 2) }}{{ tag('c', sep='=', value=3) }}{{ tag('d') | upper }}")
c("MacroScope", "{% set outer = 'O' %}{% macro m(x) %}{{ outer }}{{ x }}{{ g }}{% endmacro %}{% for i in [1] %}{{ m(i) }}{% endfor %}", {"g": "G"})
c("Comments", "a{# comment #}b{#- stripped -#}  c")
c("FilterBlock", "{% filter upper %}hello {{ 'x' }}{% endfilter %}")
# whitespace
ws = "<ul>\n  {% for i in [1, 2] %}\n    <li>{{ i }}</li>\n  {% endfor %}\n</ul>\n  {# c #}\nend  {{- ' x ' -}}  !\n{%- if true %}\n  yes\n{% endif -%}\n  tail {%+ if true %}P{% endif %}\n"
c("WhitespaceBoth", ws)
c("WhitespaceNone", ws, trim=False, lstrip=False)
c("WhitespaceTrimOnly", ws, trim=True, lstrip=False)
c("WhitespaceLstripOnly", ws, trim=False, lstrip=True)
c("TrailingNewline", "line\n\n")
c("Unicode", "{{ s | length }}|{{ s | upper }}|{{ s[0] }}|{{ s | tojson }}|{{ s | reverse }}", {"s": "日本語 ok"})
c("Repr", "{{ ['it\\'s', \"q\\\"\", 'a\\nb'] }}|{{ {'k': none, 'f': 1.0} }}|{{ [[1, 2], {'a': []}] }}")
c("StringFormat", "{{ '%s and %s' % ('a', 'b') }}|{{ '{} - {}'.format(1, 'x') }}")
c("DictLiteralAndDictGlobal", "{% set d = {'a': 1, 'b': {'c': 2}} %}{{ d.b.c }}{{ dict(x=1, y='z') | tojson }}")
c("MoreTests", "{{ x is iterable }}{{ none is iterable }}{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ 10 is divisibleby(5) }}{{ 2 is even }}{{ x is not defined }}{{ 1 is integer }}{{ 1.0 is float }}{{ true is boolean }}{{ 3 is gt 2 }}{{ 'a' is in 'cat' }}{{ f is callable }}{{ namespace() is mapping }}", {"f": 1})
c("MoreOperators", "{{ -2 ** 2 }}|{{ 10 // 3 * 2 }}|{{ not 1 == 2 }}|{{ [1, 2] == [1, 2] }}|{{ {'a': 1} == {'a': 1} }}|{{ true + 1 }}|{{ 'a' 'b' }}|{{ '%d items' % 3 }}|{{ 2 * -3 }}|{{ 7 % -3 }}|{{ 7.5 // 2 }}|{{ -7.5 % 2 }}|{{ 1 if 0 }}|")
c("MoreNumbers", "{{ 1.5 | string }}|{{ 3 | float }}|{{ 1e-7 }}|{{ 123456789012345678.0 }}|{{ 0.1 * 3 }}|{{ 1 / 3 }}|{{ 2.0 ** 0.5 }}|{{ 'x' | int(7) }}|{{ '12' | float }}|{{ 1e16 }}|{{ 1e15 }}|{{ 0.0001 }}|{{ -0.5 }}|{{ 100.0 }}")
c("MoreStrings", "{{ 'caf\\u00e9 \\x41' }}|{{ 'hello' | replace('l', 'L', 1) }}|{{ '\\u0001\\t' | tojson }}|{{ 'a\\nb' | indent('> ') }}|{{ 'x y z'.split(' ', 1) }}|{{ '  '.strip() == '' }}|{{ 'abc'.find('c') }}|{{ 'a-b-c'.count('-') }}|{{ ', '.join(['x', 'y']) }}|{{ 'ab'[5:] }}|{{ 'Hello World' | wordcount }}")
c("MoreFilters", "{{ users | sort(attribute='age') | map(attribute='name') | list }}|{{ [3, 1, 2] | sort(reverse=true) }}|{{ d | dictsort(reverse=true) }}|{{ d | length }}|{{ x | default(none) is none }}|{{ users | map(attribute='missing', default='?') | list }}|{{ ['b', 'A', 'c'] | sort }}|{{ users | selectattr('age', 'gt', 30) | map(attribute='name') | first }}|{{ [none, 0, 'x'] | select | list }}",
  {"users": [{"name": "ann", "age": 41}, {"name": "bob", "age": 25}], "d": {"k1": 1, "k2": 2}})
c("SetFilterBlock", "{% set x | upper %}abc {{ 'd' }}{% endset %}{{ x }}")
c("MacroNamespace", "{% set ns = namespace(items=[]) %}{% macro add(v) %}{% set ns.items = ns.items + [v] %}{% endmacro %}{{ add(1) }}{{ add(2) }}{{ ns.items }}")
c("MacroRecursion", "{% macro walk(n) %}{{ n.name }}{% if n.children %}({% for c in n.children %}{{ walk(c) }}{{ ',' if not loop.last }}{% endfor %}){% endif %}{% endmacro %}{{ walk(tree) }}",
  {"tree": {"name": "a", "children": [{"name": "b", "children": []}, {"name": "c", "children": [{"name": "d"}]}]}})
c("NestedLoopLoopVar", "{% for a in [1, 2] %}{% set outer = loop %}{% for b in [3, 4] %}{{ outer.index }}{{ loop.index }} {% endfor %}{% endfor %}")
c("ContentParts", "{% for m in ms %}{% if m.content is string %}{{ m.content }}{% else %}{% for p in m.content %}{% if p.type == 'text' %}{{ p.text }}{% elif p['type'] == 'image' %}<img>{% endif %}{% endfor %}{% endif %}|{% endfor %}",
  {"ms": [{"content": "plain"}, {"content": [{"type": "text", "text": "look: "}, {"type": "image"}]}]})
c("LstripEdgeCases", "a {% if true %}b{% endif %}\n  {% if true %}\n  c\n  {% endif %}\n\t{# comment #}\nd\n  {{ 'e' }}\n  {%+ if true %}f{% endif %}\n")
c("DashWhitespaceVar", "a  \n  {{- 'b' -}}  \n  c\n{{ 'd' }}\n  {%- if true -%}  e  {%- endif -%}\n  f")
c("RawTextBraces", "a { b } {c} {{ '{{' }} }} %} #}")
c("RawBlock", "a {% raw %}{{ not evaluated }} {% if %}{% endraw %} b\n  {% raw -%}\n  x {{ y }}\n  {%- endraw %}\nz")
c("CrLfNewlines", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc\r\n")
c("GlobalsAreDefined", "{{ strftime_now is defined }}{{ raise_exception is defined }}{{ range is defined }}{{ namespace is defined }}{{ nope is defined }}{% if strftime_now is defined %}{% set d = '26 Jul 2024' %}{% endif %}{{ d }}")
c("FormatFilter", "{{ '%s-%s' | format('a', 1) }}|{{ '%s' % [1, 2] }}|{{ '%s and %s' % (1, 2) }}")
c("Qwen3Style", "{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}{%- for message in messages[::-1] %}{%- set index = (messages|length - 1) - loop.index0 %}{%- if ns.multi_step_tool and message.role == 'user' and message.content is string and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}{%- set ns.multi_step_tool = false %}{%- set ns.last_query_index = index %}{%- endif %}{%- endfor %}{{ ns.last_query_index }}|{% for m in messages %}{% if '</think>' in m.content %}{{ m.content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}/{{ m.content.split('</think>')[-1].lstrip('\\n') }}{% endif %}{% endfor %}",
  {"messages": [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "<think>\nplan\n</think>\n\nans"}, {"role": "user", "content": "<tool_response>r</tool_response>"}]})
c("JsonToPythonType", "{%- macro json_to_python_type(json_spec) %}{%- set basic_type_map = {'string': 'str', 'number': 'float', 'integer': 'int', 'boolean': 'bool'} %}{%- if basic_type_map[json_spec.type] is defined %}{{- basic_type_map[json_spec.type] }}{%- elif json_spec.type == 'array' %}{{- 'list[' + json_to_python_type(json_spec['items']) + ']' }}{%- elif json_spec.type == 'object' %}{%- if json_spec.additionalProperties is defined %}{{- 'dict[str, ' + json_to_python_type(json_spec.additionalProperties) + ']' }}{%- else %}{{- 'dict' }}{%- endif %}{%- elif json_spec.type is iterable %}{{- 'Union[' }}{%- for t in json_spec.type %}{{- json_to_python_type({'type': t}) }}{%- if not loop.last %}{{- ',' }}{%- endif %}{%- endfor %}{{- ']' }}{%- else %}{{- 'Any' }}{%- endif %}{%- endmacro %}{% for name, spec in params | items %}{{ name }}: {{ json_to_python_type(spec) }}; {% endfor %}",
  {"params": {"a": {"type": "string"}, "b": {"type": "array", "items": {"type": "integer"}}, "c": {"type": "object", "additionalProperties": {"type": "number"}}, "d": {"type": ["string", "integer"]}, "e": {"type": "object"}}})
c("ToJsonOptions", "{{ d | tojson(ensure_ascii=true) }}|{{ d | tojson(sort_keys=true) }}|{{ d | tojson(separators=(',', ':')) }}|{{ d | tojson(indent=0) }}|{{ d | tojson(indent=2, sort_keys=true) }}|{{ [d] | tojson(indent=1) }}",
  {"d": {"z": "Zürich 🦙 \u2028", "a": [1, 2.0, {"b": None}]}})
c("WithBlock", "{% set a = 1 %}{% with a = 2, b = a + 10 %}{{ a }}{{ b }}{% endwith %}{{ a }}")
c("MoreEscapes", "{{ 'a\\tb\\\\c\\x41\\u00e9\\'\"' }}|{{ \"q'\" }}|{{ ['\\u00e9'] }}")
out = []
for name, tpl, ctx, trim, lstrip in cases:
    ctx = json.loads(json.dumps(ctx, sort_keys=True))  # nlohmann::json objects iterate sorted
    try:
        r = env(trim, lstrip).from_string(tpl).render(**ctx)
    except Exception as ex:
        print("FAIL", name, ex, file=sys.stderr); continue
    out.append({"name": name, "template": tpl, "context": ctx, "trim": trim, "lstrip": lstrip, "expected": r})
json.dump(out, open(sys.argv[1], "w"), ensure_ascii=False, indent=1)
if len(sys.argv) > 2:
    def raw(s):
        return 'R"JINJA(' + s + ')JINJA"'
    lines = ["// Generated by tests/templates/gen_unit_cases.py: expected outputs come from Python's jinja2.",
             "// Regenerate with: /usr/bin/python3 tests/templates/gen_unit_cases.py /tmp/cases.json tests/unit/jinja_engine_test.cpp",
             '#include "template/jinja.h"', "", "#include <gtest/gtest.h>", "", "#include <nlohmann/json.hpp>", "",
             "namespace {", "",
             "std::string render(const char* tpl, const char* context, bool trim, bool lstrip) {",
             "  cria::RenderOptions options;", "  options.trim_blocks = trim;", "  options.lstrip_blocks = lstrip;",
             "  return cria::render_template(tpl, nlohmann::json::parse(context), options);", "}", "", "}  // namespace", ""]
    for case in out:
        lines.append(f"TEST(JinjaEngine, {case['name']}) {{")
        lines.append(f"  EXPECT_EQ(render({raw(case['template'])},")
        lines.append(f"                   {raw(json.dumps(case['context'], ensure_ascii=False))}, {str(case['trim']).lower()}, {str(case['lstrip']).lower()}),")
        lines.append(f"            {raw(case['expected'])});")
        lines.append("}")
        lines.append("")
    open(sys.argv[2], "w").write("\n".join(lines))
