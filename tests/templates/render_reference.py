#!/usr/bin/python3
"""Renders every chat template in corpus/ with every conversation in conversations/ using Python's
jinja2, the way Hugging Face's apply_chat_template does, and prints the results as JSON.

The variables each template sees: messages, add_generation_prompt, bos_token="<s>",
eos_token="</s>" and, when the conversation has them, tools. JSON objects are loaded with their
keys sorted, because the C++ side receives them as nlohmann::json (whose objects are sorted).

Output: {"cases": [{"template": file, "conversation": file, "output": str or null,
                    "error": str or null, "error_type": "TemplateError" or the exception's class}]}
Usage: /usr/bin/python3 render_reference.py [OUT.json]   (stdout when no path is given)
"""
import json
import os
import sys
from datetime import datetime

from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # Hugging Face's replacement for jinja2's tojson: no HTML escaping, no key sorting.
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def raise_exception(message):
    raise TemplateError(message)


def strftime_now(fmt):
    return datetime.now().strftime(fmt)


def make_env():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, loader=None,
                                        extensions=["jinja2.ext.loopcontrols"])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def load_sorted(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f, object_pairs_hook=lambda pairs: dict(sorted(pairs)))


def main():
    env = make_env()
    cases = []
    corpus = os.path.join(HERE, "corpus")
    conversations = os.path.join(HERE, "conversations")
    for tname in sorted(os.listdir(corpus)):
        if not tname.endswith(".jinja"):
            continue
        with open(os.path.join(corpus, tname), encoding="utf-8") as f:
            source = f.read()
        template = env.from_string(source)
        for cname in sorted(os.listdir(conversations)):
            if not cname.endswith(".json"):
                continue
            conv = load_sorted(os.path.join(conversations, cname))
            context = {"messages": conv["messages"], "add_generation_prompt": conv["add_generation_prompt"],
                       "bos_token": "<s>", "eos_token": "</s>"}
            if "tools" in conv:
                context["tools"] = conv["tools"]
            case = {"template": tname, "conversation": cname, "output": None, "error": None, "error_type": None}
            try:
                case["output"] = template.render(**context)
            except TemplateError as e:
                case["error"] = e.message
                # raise_exception() raises exactly TemplateError; subclasses (UndefinedError...) are template bugs.
                case["error_type"] = "TemplateError" if type(e) is TemplateError else type(e).__name__
            except Exception as e:  # a template bug such as str + None: the C++ side must fail too
                case["error"] = str(e)
                case["error_type"] = type(e).__name__
            cases.append(case)
    text = json.dumps({"cases": cases}, ensure_ascii=True, indent=1)
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
