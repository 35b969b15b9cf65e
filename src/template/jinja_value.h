// Values of the template engine: Python-like dynamic values with reference semantics for
// lists, dicts and namespaces, and their Python str()/repr()/json.dumps() conversions.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cria::jinja {

struct Value;
struct ValueDict;
struct Args;
using ValueList = std::vector<Value>;
using NativeFunction = std::function<Value(Args&)>;

struct Value {
  enum class Type { Undefined, None, Bool, Int, Float, String, List, Dict, Function };
  Type type = Type::Undefined;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;  // String payload; for Undefined, the name that was undefined
  std::shared_ptr<ValueList> list;
  std::shared_ptr<ValueDict> dict;
  std::shared_ptr<NativeFunction> fn;
  bool is_namespace = false;
  bool is_tuple = false;  // a List that Python would print as a tuple

  static Value undefined(std::string name = {});
  static Value none();
  static Value boolean(bool v);
  static Value integer(int64_t v);
  static Value number(double v);
  static Value string(std::string v);
  static Value make_list(ValueList v = {});
  static Value make_tuple(ValueList v);
  static Value make_dict();
  static Value function(NativeFunction f);
  // The JSON value as template values. Values nested deeper than kMaxJsonDepth levels of arrays
  // and objects throw TemplateError instead of recursing further (the stack stays bounded whatever
  // the caller let in; the HTTP layer's own limit is lower).
  static constexpr int kMaxJsonDepth = 1000;
  static Value from_json(const nlohmann::json& j, int depth = 0);

  bool is_undefined() const { return type == Type::Undefined; }
  bool is_none() const { return type == Type::None; }
  bool is_string() const { return type == Type::String; }
  bool is_list() const { return type == Type::List; }
  bool is_dict() const { return type == Type::Dict; }
  bool is_number() const { return type == Type::Int || type == Type::Float || type == Type::Bool; }
  bool truthy() const;
  double as_double() const;
};

struct ValueDict {
  std::vector<std::pair<std::string, Value>> entries;  // insertion order
  const Value* find(const std::string& key) const;
  void set(const std::string& key, Value v);
};

struct Args {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
  // The argument at `index` or named `name`, or undefined.
  Value get(size_t index, const std::string& name) const;
  bool has(size_t index, const std::string& name) const;
};

std::string format_float(double d);           // Python repr() of a float
std::string python_repr(const Value& v);      // Python repr()
std::string python_str(const Value& v);       // Python str(); undefined -> ""
// Python's json.dumps(v, ensure_ascii, indent, separators, sort_keys); indent < 0 means None.
struct JsonOptions {
  int indent = -1;
  std::string item_separator;  // empty: Python's default (", " or "," with an indent)
  std::string key_separator = ": ";
  bool ensure_ascii = false;
  bool sort_keys = false;
};
std::string to_json(const Value& v, const JsonOptions& options, int level = 0);
bool values_equal(const Value& a, const Value& b);

// UTF-8 helpers: a string as code points (each a UTF-8 substring).
std::vector<std::string> utf8_chars(const std::string& s);

}  // namespace cria::jinja
