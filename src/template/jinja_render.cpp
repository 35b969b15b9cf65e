// The interpreter: evaluates expressions and executes statements of a parsed template.
#include "template/jinja.h"
#include "template/jinja_parser.h"
#include "template/jinja_value.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <map>
#include <unordered_map>

namespace cria::jinja {

TemplateError::TemplateError(std::string message, int line, int column)
    : std::runtime_error(line > 0 ? message + " (line " + std::to_string(line) + ", column " +
                                        std::to_string(column) + ")"
                                  : message),
      message_(std::move(message)),
      line_(line),
      column_(column) {}

namespace {

using Scope = std::unordered_map<std::string, Value>;

enum class Flow { Normal, Break, Continue };

[[noreturn]] void fail(const std::string& msg, int line, int column) { throw TemplateError(msg, line, column); }

std::string ascii_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string ascii_upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string strip_chars(const std::string& s, const Value& chars, bool left, bool right) {
  auto strip = [&](char c) { return chars.is_string() ? chars.s.find(c) != std::string::npos : is_space(c); };
  size_t b = 0;
  size_t e = s.size();
  if (left)
    while (b < e && strip(s[b])) ++b;
  if (right)
    while (e > b && strip(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// The result may not outgrow `max_bytes` (checked as it grows: "" replaced by a long string
// multiplies the size).
std::string replace_all(const std::string& s, const std::string& from, const std::string& to, int64_t count,
                        size_t max_bytes) {
  std::string out;
  const auto grown = [&out, max_bytes] {
    if (out.size() > max_bytes) fail("replace() made a string longer than " + std::to_string(max_bytes) + " bytes", 0, 0);
  };
  if (from.empty()) {
    auto chars = utf8_chars(s);
    int64_t n = 0;
    for (const auto& c : chars) {
      if (count < 0 || n < count) {
        out += to;
        ++n;
      }
      out += c;
      grown();
    }
    if (count < 0 || n < count) out += to;
    return out;
  }
  size_t pos = 0;
  int64_t n = 0;
  while (true) {
    size_t hit = s.find(from, pos);
    if (hit == std::string::npos || (count >= 0 && n >= count)) break;
    out += s.substr(pos, hit - pos) + to;
    grown();
    pos = hit + from.size();
    ++n;
  }
  return out + s.substr(pos);
}

ValueList split(const std::string& s, const Value& sep, int64_t maxsplit) {
  ValueList out;
  if (!sep.is_string()) {
    size_t k = 0;
    int64_t n = 0;
    while (true) {
      while (k < s.size() && is_space(s[k])) ++k;
      if (k >= s.size()) break;
      if (maxsplit >= 0 && n >= maxsplit) {
        size_t e = s.size();
        while (e > k && is_space(s[e - 1])) --e;
        out.push_back(Value::string(s.substr(k, e - k)));
        break;
      }
      size_t e = k;
      while (e < s.size() && !is_space(s[e])) ++e;
      out.push_back(Value::string(s.substr(k, e - k)));
      ++n;
      k = e;
    }
    return out;
  }
  if (sep.s.empty()) throw std::runtime_error("empty separator");
  size_t pos = 0;
  int64_t n = 0;
  while (true) {
    size_t hit = s.find(sep.s, pos);
    if (hit == std::string::npos || (maxsplit >= 0 && n >= maxsplit)) break;
    out.push_back(Value::string(s.substr(pos, hit - pos)));
    pos = hit + sep.s.size();
    ++n;
  }
  out.push_back(Value::string(s.substr(pos)));
  return out;
}

// Python's str.title(): upper-case a letter after a non-letter, lower-case the rest.
std::string py_title(const std::string& s) {
  std::string out = s;
  bool prev_letter = false;
  for (auto& c : out) {
    bool letter = std::isalpha(static_cast<unsigned char>(c)) != 0;
    if (letter) c = static_cast<char>(prev_letter ? std::tolower(static_cast<unsigned char>(c)) : std::toupper(static_cast<unsigned char>(c)));
    prev_letter = letter || (static_cast<unsigned char>(c) >= 0x80);
  }
  return out;
}

// jinja2's title filter: words begin after whitespace, '-', '(', '{', '[' or '<'.
std::string jinja_title(const std::string& s) {
  std::string out = s;
  bool start = true;
  for (auto& c : out) {
    bool sep = is_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
    if (sep) {
      start = true;
      continue;
    }
    c = static_cast<char>(start ? std::toupper(static_cast<unsigned char>(c)) : std::tolower(static_cast<unsigned char>(c)));
    start = false;
  }
  return out;
}

std::string capitalize(const std::string& s) {
  std::string out = ascii_lower(s);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string type_name(const Value& v) {
  switch (v.type) {
    case Value::Type::Undefined: return "Undefined";
    case Value::Type::None: return "NoneType";
    case Value::Type::Bool: return "bool";
    case Value::Type::Int: return "int";
    case Value::Type::Float: return "float";
    case Value::Type::String: return "str";
    case Value::Type::List: return "list";
    case Value::Type::Dict: return "dict";
    case Value::Type::Function: return "function";
  }
  return "";
}

// 64-bit integer arithmetic that refuses to overflow: Python's ints are unbounded, ours are not,
// and a result that does not fit is a template error rather than undefined behaviour.
[[noreturn]] void integer_overflow(int line, int column) {
  fail("integer overflow: the result does not fit in 64 bits", line, column);
}

// -value, and abs(value), for the one value whose negation does not fit.
int64_t checked_negate(int64_t value, int line, int column) {
  if (value == INT64_MIN) integer_overflow(line, column);
  return -value;
}

// base ** exponent (exponent >= 0) by squaring: a number of steps logarithmic in the exponent.
int64_t checked_power(int64_t base, int64_t exponent, int line, int column) {
  int64_t result = 1;
  while (exponent > 0) {
    if ((exponent & 1) && __builtin_mul_overflow(result, base, &result)) integer_overflow(line, column);
    exponent >>= 1;
    if (exponent > 0 && __builtin_mul_overflow(base, base, &base)) integer_overflow(line, column);
  }
  return result;
}

// A float as an int, as Python's int() truncates it; out of range (or nan) is an error.
int64_t float_to_int(double d, int line, int column) {
  if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0)) {
    fail("cannot convert float " + format_float(d) + " to a 64-bit integer", line, column);
  }
  return static_cast<int64_t>(d);
}

// The budget of one render. A template is a program (the operator's, or a model's metadata): one
// that loops or grows without end must fail with a TemplateError, not hold an HTTP thread or
// exhaust memory. Generous for real chat templates, whose work is linear in the conversation.
constexpr uint64_t kMaxRenderSteps = 5'000'000;    // statements run, expressions evaluated, items iterated
constexpr size_t kMaxStringBytes = 16 << 20;       // any string value, the output included (no context
                                                   // holds a prompt of 16 MiB)
constexpr size_t kMaxListItems = 1'000'000;        // any list value
constexpr int64_t kMaxRange = 100'000;             // range(): jinja2's sandbox (MAX_RANGE) refuses more
constexpr int64_t kMaxJsonIndent = 1000;           // tojson(indent=N)
constexpr uint64_t kLoopIterationSteps = 20;       // a for-loop iteration builds `loop` (11 values): costly

[[noreturn]] void string_too_long(int line, int column) {
  fail("the template made a string longer than " + std::to_string(kMaxStringBytes) + " bytes", line, column);
}

void check_string_size(size_t size, int line, int column) {
  if (size > kMaxStringBytes) string_too_long(line, column);
}

void check_list_size(size_t size, int line, int column) {
  if (size > kMaxListItems) {
    fail("the template made a list longer than " + std::to_string(kMaxListItems) + " items", line, column);
  }
}

class Renderer {
 public:
  std::vector<std::shared_ptr<Scope>> frames;

  // Counts `n` steps of work against kMaxRenderSteps.
  void charge(uint64_t n, int line, int column) {
    steps_ += n;
    if (steps_ > kMaxRenderSteps) {
      fail("the template did not finish rendering within " + std::to_string(kMaxRenderSteps) +
               " steps (a loop that does not end?)",
           line, column);
    }
  }

  Value lookup(const std::string& name) const {
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
      auto f = (*it)->find(name);
      if (f != (*it)->end()) return f->second;
    }
    return Value::undefined(name);
  }

  void assign(const std::string& name, Value v) { (*frames.back())[name] = std::move(v); }

  Flow exec(const Body& body, std::string& out) {
    for (const auto& s : body) {
      Flow f = exec(*s, out);
      if (f != Flow::Normal) return f;
    }
    return Flow::Normal;
  }

  Flow exec(const Stmt& s, std::string& out) {
    charge(1, s.line, s.column);
    switch (s.kind) {
      case Stmt::Kind::Text:
        out += s.text;
        check_string_size(out.size(), s.line, s.column);
        break;
      case Stmt::Kind::Output:
        out += python_str(eval(*s.expr));
        check_string_size(out.size(), s.line, s.column);
        break;
      case Stmt::Kind::If:
        for (const auto& br : s.branches)
          if (eval(*br.first).truthy()) return exec(br.second, out);
        return exec(s.else_body, out);
      case Stmt::Kind::For: exec_for(s, out); break;
      case Stmt::Kind::Set: assign_targets(s, eval(*s.expr)); break;
      case Stmt::Kind::SetBlock: {
        std::string captured;
        exec(s.body, captured);
        Value v = Value::string(captured);
        if (s.filter) v = apply_filter_chain(*s.filter, v);
        assign_targets(s, v);
        break;
      }
      case Stmt::Kind::Macro: define_macro(s); break;
      case Stmt::Kind::Break: return Flow::Break;
      case Stmt::Kind::Continue: return Flow::Continue;
      case Stmt::Kind::FilterBlock: {
        std::string captured;
        Flow f = exec(s.body, captured);
        out += python_str(apply_filter_chain(*s.filter, Value::string(captured)));
        return f;
      }
      case Stmt::Kind::Scope: {  // generation, with
        if (s.params.empty()) return exec(s.body, out);
        auto scope = std::make_shared<Scope>();
        for (const auto& p : s.params) (*scope)[p.first] = eval(*p.second);
        frames.push_back(scope);
        Flow f = Flow::Normal;
        try {
          f = exec(s.body, out);
        } catch (...) {
          frames.pop_back();
          throw;
        }
        frames.pop_back();
        return f;
      }
    }
    return Flow::Normal;
  }

  void assign_targets(const Stmt& s, const Value& v) {
    if (!s.ns_attr.empty()) {
      Value ns = lookup(s.targets[0]);
      if (!ns.is_dict() || !ns.is_namespace) fail("cannot assign attribute on non-namespace object", s.line, s.column);
      ns.dict->set(s.ns_attr, v);
      return;
    }
    if (s.targets.size() == 1) {
      assign(s.targets[0], v);
      return;
    }
    ValueList items = iterate(v, s.line, s.column);
    if (items.size() != s.targets.size()) fail("not enough values to unpack", s.line, s.column);
    for (size_t k = 0; k < items.size(); ++k) assign(s.targets[k], items[k]);
  }

  void exec_for(const Stmt& s, std::string& out) {
    Value seq = eval(*s.expr);
    ValueList items = iterate(seq, s.expr->line, s.expr->column);
    if (s.filter) {
      ValueList kept;
      for (const auto& item : items) {
        frames.push_back(std::make_shared<Scope>());
        bind_targets(s, item);
        bool keep = eval(*s.filter).truthy();
        frames.pop_back();
        if (keep) kept.push_back(item);
      }
      items = std::move(kept);
    }
    if (items.empty()) {
      exec(s.else_body, out);
      return;
    }
    int64_t n = static_cast<int64_t>(items.size());
    for (int64_t k = 0; k < n; ++k) {
      charge(kLoopIterationSteps, s.line, s.column);
      frames.push_back(std::make_shared<Scope>());
      Value loop = Value::make_dict();
      auto& d = *loop.dict;
      d.set("index", Value::integer(k + 1));
      d.set("index0", Value::integer(k));
      d.set("revindex", Value::integer(n - k));
      d.set("revindex0", Value::integer(n - k - 1));
      d.set("first", Value::boolean(k == 0));
      d.set("last", Value::boolean(k == n - 1));
      d.set("length", Value::integer(n));
      d.set("depth", Value::integer(1));
      d.set("depth0", Value::integer(0));
      d.set("previtem", k > 0 ? items[static_cast<size_t>(k - 1)] : Value::undefined("previtem"));
      d.set("nextitem", k + 1 < n ? items[static_cast<size_t>(k + 1)] : Value::undefined("nextitem"));
      d.set("cycle", Value::function([k](Args& args) {
        if (args.positional.empty()) return Value::undefined();
        return args.positional[static_cast<size_t>(k) % args.positional.size()];
      }));
      assign("loop", loop);
      bind_targets(s, items[static_cast<size_t>(k)]);
      Flow f = exec(s.body, out);
      frames.pop_back();
      if (f == Flow::Break) break;
    }
  }

  void bind_targets(const Stmt& s, const Value& item) {
    if (s.targets.size() == 1) {
      assign(s.targets[0], item);
      return;
    }
    ValueList parts = iterate(item, s.line, s.column);
    if (parts.size() != s.targets.size())
      fail("cannot unpack " + std::to_string(parts.size()) + " values into " + std::to_string(s.targets.size()),
           s.line, s.column);
    for (size_t k = 0; k < parts.size(); ++k) assign(s.targets[k], parts[k]);
  }

  void define_macro(const Stmt& s) {
    const Stmt* def = &s;
    Renderer* self = this;
    assign(s.name, Value::function([def, self](Args& args) {
      auto scope = std::make_shared<Scope>();
      size_t np = def->params.size();
      if (args.positional.size() > np) fail("macro '" + def->name + "' takes not more than " + std::to_string(np) + " argument(s)", def->line, def->column);
      for (size_t k = 0; k < np; ++k) {
        const auto& p = def->params[k];
        Value v = Value::undefined(p.first);
        if (k < args.positional.size()) v = args.positional[k];
        bool named = false;
        for (const auto& kw : args.keyword)
          if (kw.first == p.first) {
            v = kw.second;
            named = true;
          }
        if (k >= args.positional.size() && !named && p.second) v = self->eval(*p.second);
        (*scope)[p.first] = v;
      }
      if (self->macro_depth_ >= kMaxMacroDepth) fail("maximum recursion depth exceeded in macro '" + def->name + "'", def->line, def->column);
      auto saved = self->frames;
      self->frames = {saved.front(), scope};
      ++self->macro_depth_;
      std::string out;
      try {
        self->exec(def->body, out);
      } catch (...) {
        self->frames = saved;
        --self->macro_depth_;
        throw;
      }
      self->frames = saved;
      --self->macro_depth_;
      return Value::string(out);
    }));
  }

  ValueList iterate(const Value& v, int line, int column) {
    switch (v.type) {
      case Value::Type::Undefined: return {};
      case Value::Type::List:
        charge(v.list->size(), line, column);
        return *v.list;
      case Value::Type::Dict: {
        charge(v.dict->entries.size(), line, column);
        ValueList keys;
        for (const auto& e : v.dict->entries) keys.push_back(Value::string(e.first));
        return keys;
      }
      case Value::Type::String: {
        check_list_size(v.s.size(), line, column);  // at most one item per byte
        charge(v.s.size(), line, column);
        ValueList chars;
        for (auto& c : utf8_chars(v.s)) chars.push_back(Value::string(c));
        return chars;
      }
      default: fail("'" + type_name(v) + "' object is not iterable", line, column);
    }
  }

  // ---- expressions ----
  // Every value an expression makes is within the string and list sizes.
  Value eval(const Expr& e) {
    charge(1, e.line, e.column);
    Value v = eval_node(e);
    if (v.is_string()) check_string_size(v.s.size(), e.line, e.column);
    if (v.is_list()) check_list_size(v.list->size(), e.line, e.column);
    return v;
  }

  Value eval_node(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::Literal: return e.literal;
      case Expr::Kind::Name: return lookup(e.name);
      case Expr::Kind::GetAttr: return get_attr(eval(*e.a), e.name);
      case Expr::Kind::GetItem: return get_item(eval(*e.a), eval(*e.b), e);
      case Expr::Kind::Slice: return slice(eval(*e.a), e);
      case Expr::Kind::Call: return call(e);
      case Expr::Kind::Filter: return apply_filter(e, eval(*e.a));
      case Expr::Kind::Test: {
        Value v = eval(*e.a);
        Args args = eval_args(e);
        bool r = run_test(e.name, v, args, e);
        return Value::boolean(e.negated ? !r : r);
      }
      case Expr::Kind::Neg: {
        Value v = eval(*e.a);
        if (v.type == Value::Type::Int) return Value::integer(checked_negate(v.i, e.line, e.column));
        if (v.type == Value::Type::Bool) return Value::integer(v.b ? -1 : 0);
        if (v.type == Value::Type::Float) return Value::number(-v.f);
        fail("bad operand type for unary -: '" + type_name(v) + "'", e.line, e.column);
      }
      case Expr::Kind::Pos: return eval(*e.a);
      case Expr::Kind::Not: return Value::boolean(!eval(*e.a).truthy());
      case Expr::Kind::And: {
        Value l = eval(*e.a);
        return l.truthy() ? eval(*e.b) : l;
      }
      case Expr::Kind::Or: {
        Value l = eval(*e.a);
        return l.truthy() ? l : eval(*e.b);
      }
      case Expr::Kind::Cond:
        if (eval(*e.b).truthy()) return eval(*e.a);
        return e.c ? eval(*e.c) : Value::undefined();
      case Expr::Kind::ListLit: {
        ValueList items;
        for (const auto& a : e.args) items.push_back(eval(*a));
        return e.name == "tuple" ? Value::make_tuple(std::move(items)) : Value::make_list(std::move(items));
      }
      case Expr::Kind::DictLit: {
        Value d = Value::make_dict();
        for (size_t k = 0; k + 1 < e.args.size(); k += 2) {
          Value key = eval(*e.args[k]);
          d.dict->set(python_str(key), eval(*e.args[k + 1]));
        }
        return d;
      }
      case Expr::Kind::Binary: return binary(e.name, eval(*e.a), eval(*e.b), e);
      case Expr::Kind::Compare: {
        Value lhs = eval(*e.args[0]);
        for (size_t k = 0; k < e.ops.size(); ++k) {
          Value rhs = eval(*e.args[k + 1]);
          if (!compare(e.ops[k], lhs, rhs, e)) return Value::boolean(false);
          lhs = rhs;
        }
        return Value::boolean(true);
      }
    }
    return Value::undefined();
  }

  Args eval_args(const Expr& e) {
    Args args;
    for (const auto& a : e.args) args.positional.push_back(eval(*a));
    for (const auto& kw : e.kwargs) args.keyword.emplace_back(kw.first, eval(*kw.second));
    return args;
  }

  static bool is_string_method(const std::string& n) {
    static const char* names[] = {"strip", "lstrip", "rstrip", "startswith", "endswith", "split", "rsplit",
                                  "upper", "lower", "replace", "title", "capitalize", "find", "count",
                                  "join", "isdigit", "isalpha", "isspace", "splitlines", "format"};
    for (const char* m : names)
      if (n == m) return true;
    return false;
  }

  Value get_attr(const Value& obj, const std::string& name) {
    if (obj.is_dict()) {
      if (!obj.is_namespace && (name == "items" || name == "keys" || name == "values" || name == "get")) {
        return bound_method(obj, name);
      }
      const Value* v = obj.dict->find(name);
      return v ? *v : Value::undefined(name);
    }
    if (obj.is_string() && is_string_method(name)) return bound_method(obj, name);
    return Value::undefined(name);
  }

  Value bound_method(const Value& obj, const std::string& name) {
    Renderer* self = this;
    return Value::function([self, obj, name](Args& args) { return self->call_method(obj, name, args); });
  }

  int64_t to_int(const Value& v, const Expr& e) {
    if (v.type == Value::Type::Int) return v.i;
    if (v.type == Value::Type::Bool) return v.b;
    fail("expected an integer, got '" + type_name(v) + "'", e.line, e.column);
  }

  Value get_item(const Value& obj, const Value& key, const Expr& e) {
    if (obj.is_dict()) {
      if (key.is_string()) {
        const Value* v = obj.dict->find(key.s);
        if (v) return *v;
        return Value::undefined(key.s);
      }
      const Value* v = obj.dict->find(python_str(key));
      return v ? *v : Value::undefined();
    }
    if (obj.is_list() || obj.is_string()) {
      if (key.is_string()) return get_attr(obj, key.s);
      if (key.type != Value::Type::Int && key.type != Value::Type::Bool) return Value::undefined();
      int64_t idx = to_int(key, e);
      if (obj.is_list()) {
        int64_t n = static_cast<int64_t>(obj.list->size());
        if (idx < 0) idx += n;
        if (idx < 0 || idx >= n) return Value::undefined();
        return (*obj.list)[static_cast<size_t>(idx)];
      }
      auto chars = utf8_chars(obj.s);
      int64_t n = static_cast<int64_t>(chars.size());
      if (idx < 0) idx += n;
      if (idx < 0 || idx >= n) return Value::undefined();
      return Value::string(chars[static_cast<size_t>(idx)]);
    }
    return Value::undefined();
  }

  Value slice(const Value& obj, const Expr& e) {
    Value vstart = e.b ? eval(*e.b) : Value::none();
    Value vstop = e.c ? eval(*e.c) : Value::none();
    Value vstep = e.args[0] ? eval(*e.args[0]) : Value::none();
    ValueList items;
    std::vector<std::string> chars;
    bool is_str = obj.is_string();
    if (is_str) chars = utf8_chars(obj.s);
    else if (obj.is_list()) items = *obj.list;
    else if (obj.is_undefined()) return Value::undefined();
    else fail("'" + type_name(obj) + "' object is not subscriptable", e.line, e.column);
    int64_t n = static_cast<int64_t>(is_str ? chars.size() : items.size());
    int64_t step = vstep.is_none() || vstep.is_undefined() ? 1 : to_int(vstep, e);
    if (step == 0) fail("slice step cannot be zero", e.line, e.column);
    auto norm = [&](const Value& v, int64_t def, bool is_stop) {
      if (v.is_none() || v.is_undefined()) return def;
      int64_t x = to_int(v, e);
      if (x < 0) x += n;
      if (step > 0) return std::clamp<int64_t>(x, 0, n);
      (void)is_stop;
      return std::clamp<int64_t>(x, -1, n - 1);
    };
    int64_t start = norm(vstart, step > 0 ? 0 : n - 1, false);
    int64_t stop = norm(vstop, step > 0 ? n : -1, true);
    std::string s;
    ValueList out;
    for (int64_t k = start; step > 0 ? k < stop : k > stop; k += step) {
      if (is_str) s += chars[static_cast<size_t>(k)];
      else out.push_back(items[static_cast<size_t>(k)]);
    }
    return is_str ? Value::string(s) : Value::make_list(std::move(out));
  }

  Value call(const Expr& e) {
    if (e.a->kind == Expr::Kind::GetAttr) {
      Value obj = eval(*e.a->a);
      if ((obj.is_string() && is_string_method(e.a->name)) ||
          (obj.is_dict() && !obj.is_namespace &&
           (e.a->name == "items" || e.a->name == "keys" || e.a->name == "values" || e.a->name == "get"))) {
        Args args = eval_args(e);
        try {
          return call_method(obj, e.a->name, args);
        } catch (const TemplateError&) {
          throw;
        } catch (const std::exception& ex) {
          fail(ex.what(), e.line, e.column);
        }
      }
      Value fn = get_attr(obj, e.a->name);
      return invoke(fn, e);
    }
    return invoke(eval(*e.a), e);
  }

  Value invoke(const Value& fn, const Expr& e) {
    if (fn.type != Value::Type::Function) {
      if (fn.is_undefined()) fail("'" + (fn.s.empty() ? std::string("value") : fn.s) + "' is undefined", e.line, e.column);
      fail("'" + type_name(fn) + "' object is not callable", e.line, e.column);
    }
    Args args = eval_args(e);
    try {
      return (*fn.fn)(args);
    } catch (const TemplateError& te) {
      if (te.line() == 0) throw TemplateError(te.message(), e.line, e.column);  // a global's error
      throw;
    } catch (const std::exception& ex) {
      fail(ex.what(), e.line, e.column);
    }
  }

  Value call_method(const Value& obj, const std::string& name, Args& args) {
    if (obj.is_dict()) {
      if (name == "items") {
        ValueList out;
        for (const auto& kv : obj.dict->entries) out.push_back(Value::make_tuple({Value::string(kv.first), kv.second}));
        return Value::make_list(std::move(out));
      }
      if (name == "keys") {
        ValueList out;
        for (const auto& kv : obj.dict->entries) out.push_back(Value::string(kv.first));
        return Value::make_list(std::move(out));
      }
      if (name == "values") {
        ValueList out;
        for (const auto& kv : obj.dict->entries) out.push_back(kv.second);
        return Value::make_list(std::move(out));
      }
      if (name == "get") {
        Value key = args.get(0, "key");
        const Value* v = obj.dict->find(python_str(key));
        if (v) return *v;
        return args.has(1, "default") ? args.get(1, "default") : Value::none();
      }
    }
    const std::string& s = obj.s;
    if (name == "strip") return Value::string(strip_chars(s, args.get(0, "chars"), true, true));
    if (name == "lstrip") return Value::string(strip_chars(s, args.get(0, "chars"), true, false));
    if (name == "rstrip") return Value::string(strip_chars(s, args.get(0, "chars"), false, true));
    if (name == "upper") return Value::string(ascii_upper(s));
    if (name == "lower") return Value::string(ascii_lower(s));
    if (name == "title") return Value::string(py_title(s));
    if (name == "capitalize") return Value::string(capitalize(s));
    if (name == "startswith" || name == "endswith") {
      Value arg = args.get(0, "prefix");
      ValueList options = arg.is_list() ? *arg.list : ValueList{arg};
      for (const auto& o : options) {
        if (!o.is_string()) throw std::runtime_error(name + " first arg must be str or a tuple of str");
        const std::string& p = o.s;
        if (p.size() > s.size()) continue;
        if (name == "startswith" ? s.compare(0, p.size(), p) == 0 : s.compare(s.size() - p.size(), p.size(), p) == 0)
          return Value::boolean(true);
      }
      return Value::boolean(false);
    }
    if (name == "split" || name == "rsplit") {
      Value sep = args.get(0, "sep");
      Value maxv = args.get(1, "maxsplit");
      int64_t maxsplit = maxv.type == Value::Type::Int ? maxv.i : -1;
      if (name == "rsplit" && maxsplit >= 0) {
        ValueList all = split(s, sep, -1);
        if (!sep.is_string() || static_cast<int64_t>(all.size()) <= maxsplit + 1) return Value::make_list(all);
        size_t keep_head = all.size() - static_cast<size_t>(maxsplit);
        std::string head;
        for (size_t k = 0; k < keep_head; ++k) head += (k ? sep.s : "") + all[k].s;
        ValueList out{Value::string(head)};
        for (size_t k = keep_head; k < all.size(); ++k) out.push_back(all[k]);
        return Value::make_list(out);
      }
      return Value::make_list(split(s, sep, maxsplit));
    }
    if (name == "replace") {
      Value cnt = args.get(2, "count");
      return Value::string(replace_all(s, python_str(args.get(0, "old")), python_str(args.get(1, "new")),
                                       cnt.type == Value::Type::Int ? cnt.i : -1, kMaxStringBytes));
    }
    if (name == "find") {
      size_t p = s.find(python_str(args.get(0, "sub")));
      return Value::integer(p == std::string::npos ? -1 : static_cast<int64_t>(p));
    }
    if (name == "count") {
      std::string sub = python_str(args.get(0, "sub"));
      if (sub.empty()) return Value::integer(static_cast<int64_t>(utf8_chars(s).size()) + 1);
      int64_t n = 0;
      for (size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size())) ++n;
      return Value::integer(n);
    }
    if (name == "join") {
      std::string out;
      ValueList items = iterate(args.get(0, "iterable"), 0, 0);
      for (size_t k = 0; k < items.size(); ++k) {
        out += (k ? s : "") + python_str(items[k]);
        check_string_size(out.size(), 0, 0);
      }
      return Value::string(out);
    }
    if (name == "isdigit" || name == "isalpha" || name == "isspace") {
      if (s.empty()) return Value::boolean(false);
      for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        bool ok = name == "isdigit" ? std::isdigit(u) != 0 : name == "isalpha" ? std::isalpha(u) != 0 : std::isspace(u) != 0;
        if (!ok) return Value::boolean(false);
      }
      return Value::boolean(true);
    }
    if (name == "splitlines") {
      ValueList out;
      size_t pos = 0;
      while (pos < s.size()) {
        size_t nl = s.find('\n', pos);
        if (nl == std::string::npos) nl = s.size();
        std::string line = s.substr(pos, nl - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out.push_back(Value::string(line));
        pos = nl + 1;
      }
      return Value::make_list(out);
    }
    if (name == "format") {
      std::string out;
      size_t next = 0;
      for (size_t k = 0; k < s.size(); ++k) {
        if (s[k] == '{' && k + 1 < s.size() && s[k + 1] == '}') {
          out += python_str(next < args.positional.size() ? args.positional[next] : Value::undefined());
          ++next;
          ++k;
        } else {
          out += s[k];
        }
      }
      return Value::string(out);
    }
    throw std::runtime_error("'" + type_name(obj) + "' object has no attribute '" + name + "'");
  }

  [[noreturn]] void undefined_error(const Value& v, const Expr& e) {
    fail("'" + (v.s.empty() ? std::string("value") : v.s) + "' is undefined", e.line, e.column);
  }

  Value binary(const std::string& op, const Value& l, const Value& r, const Expr& e) {
    if (op == "~") return Value::string(python_str(l) + python_str(r));
    if (l.is_undefined()) undefined_error(l, e);
    if (r.is_undefined()) undefined_error(r, e);
    if (op == "+") {
      if (l.is_string() && r.is_string()) return Value::string(l.s + r.s);
      if (l.is_list() && r.is_list()) {
        ValueList out = *l.list;
        out.insert(out.end(), r.list->begin(), r.list->end());
        return Value::make_list(std::move(out));
      }
    }
    if (op == "*") {
      if ((l.is_string() || l.is_list()) && (r.type == Value::Type::Int || r.type == Value::Type::Bool)) {
        int64_t n = to_int(r, e);
        // Sized before it is built: "x" * 3000000000 must not be attempted.
        const size_t unit = l.is_string() ? l.s.size() : l.list->size();
        if (n > 0 && unit > 0 && static_cast<uint64_t>(n) > (l.is_string() ? kMaxStringBytes : kMaxListItems) / unit) {
          if (l.is_string()) string_too_long(e.line, e.column);
          check_list_size(kMaxListItems + 1, e.line, e.column);
        }
        charge(n > 0 ? static_cast<uint64_t>(n) : 0, e.line, e.column);
        if (l.is_string()) {
          std::string out;
          for (int64_t k = 0; k < n; ++k) out += l.s;
          return Value::string(out);
        }
        ValueList out;
        for (int64_t k = 0; k < n; ++k) out.insert(out.end(), l.list->begin(), l.list->end());
        return Value::make_list(std::move(out));
      }
    }
    if (op == "%" && l.is_string()) {
      // printf-style formatting with %s / %d.
      ValueList vals = r.is_list() && r.is_tuple ? *r.list : ValueList{r};
      std::string out;
      size_t next = 0;
      for (size_t k = 0; k < l.s.size(); ++k) {
        if (l.s[k] == '%' && k + 1 < l.s.size()) {
          char c = l.s[++k];
          if (c == '%') out += '%';
          else out += python_str(next < vals.size() ? vals[next++] : Value::undefined());
        } else {
          out += l.s[k];
        }
      }
      return Value::string(out);
    }
    if (!l.is_number() || !r.is_number())
      fail("unsupported operand type(s) for " + op + ": '" + type_name(l) + "' and '" + type_name(r) + "'", e.line, e.column);
    bool ints = l.type != Value::Type::Float && r.type != Value::Type::Float;
    if (ints) {
      int64_t a = to_int(l, e);
      int64_t b = to_int(r, e);
      if (op == "+" || op == "-" || op == "*") {
        int64_t result = 0;
        const bool overflowed = op == "+"   ? __builtin_add_overflow(a, b, &result)
                                : op == "-" ? __builtin_sub_overflow(a, b, &result)
                                            : __builtin_mul_overflow(a, b, &result);
        if (overflowed) integer_overflow(e.line, e.column);
        return Value::integer(result);
      }
      if (op == "/") {
        if (b == 0) fail("division by zero", e.line, e.column);
        return Value::number(static_cast<double>(a) / static_cast<double>(b));
      }
      if (op == "//" || op == "%") {
        if (b == 0) fail("integer division or modulo by zero", e.line, e.column);
        if (a == INT64_MIN && b == -1) {  // the one quotient that does not fit; the remainder is 0
          if (op == "//") integer_overflow(e.line, e.column);
          return Value::integer(0);
        }
        int64_t q = a / b;
        int64_t m = a % b;
        if (m != 0 && ((m < 0) != (b < 0))) {
          --q;
          m += b;
        }
        return Value::integer(op == "//" ? q : m);
      }
      if (op == "**") {
        if (b < 0) return Value::number(std::pow(static_cast<double>(a), static_cast<double>(b)));
        return Value::integer(checked_power(a, b, e.line, e.column));
      }
    }
    double a = l.as_double();
    double b = r.as_double();
    if (op == "+") return Value::number(a + b);
    if (op == "-") return Value::number(a - b);
    if (op == "*") return Value::number(a * b);
    if (op == "/" || op == "//" || op == "%") {
      if (b == 0) fail("float division by zero", e.line, e.column);
      if (op == "/") return Value::number(a / b);
      double q = std::floor(a / b);
      if (op == "//") return Value::number(q);
      double m = std::fmod(a, b);
      if (m != 0 && ((m < 0) != (b < 0))) m += b;
      return Value::number(m);
    }
    if (op == "**") return Value::number(std::pow(a, b));
    fail("unknown operator " + op, e.line, e.column);
  }

  bool contains(const Value& container, const Value& item, const Expr& e) {
    if (container.is_string()) {
      if (!item.is_string()) fail("'in <string>' requires string as left operand", e.line, e.column);
      return container.s.find(item.s) != std::string::npos;
    }
    if (container.is_list()) {
      for (const auto& x : *container.list)
        if (values_equal(x, item)) return true;
      return false;
    }
    if (container.is_dict()) return item.is_string() && container.dict->find(item.s) != nullptr;
    if (container.is_undefined()) return false;
    fail("argument of type '" + type_name(container) + "' is not iterable", e.line, e.column);
  }

  int order(const Value& l, const Value& r, const std::string& op, const Expr& e) {
    if (l.is_number() && r.is_number()) {
      double a = l.as_double();
      double b = r.as_double();
      if (l.type != Value::Type::Float && r.type != Value::Type::Float) {
        int64_t x = to_int(l, e);
        int64_t y = to_int(r, e);
        return x < y ? -1 : x > y ? 1 : 0;
      }
      return a < b ? -1 : a > b ? 1 : 0;
    }
    if (l.is_string() && r.is_string()) return l.s < r.s ? -1 : l.s > r.s ? 1 : 0;
    if (l.is_list() && r.is_list()) {
      for (size_t k = 0; k < l.list->size() && k < r.list->size(); ++k) {
        int c = order((*l.list)[k], (*r.list)[k], op, e);
        if (c) return c;
      }
      return l.list->size() < r.list->size() ? -1 : l.list->size() > r.list->size() ? 1 : 0;
    }
    fail("'" + op + "' not supported between instances of '" + type_name(l) + "' and '" + type_name(r) + "'", e.line, e.column);
  }

  bool compare(const std::string& op, const Value& l, const Value& r, const Expr& e) {
    if (op == "==") return values_equal(l, r);
    if (op == "!=") return !values_equal(l, r);
    if (op == "in") return contains(r, l, e);
    if (op == "notin") return !contains(r, l, e);
    int c = order(l, r, op, e);
    if (op == "<") return c < 0;
    if (op == "<=") return c <= 0;
    if (op == ">") return c > 0;
    return c >= 0;
  }

  bool run_test(const std::string& name, const Value& v, const Args& args, const Expr& e) {
    Value arg = args.positional.empty() ? Value::undefined() : args.positional[0];
    if (name == "defined") return !v.is_undefined();
    if (name == "undefined") return v.is_undefined();
    if (name == "none") return v.is_none();
    if (name == "string") return v.is_string();
    if (name == "number") return v.is_number();
    if (name == "integer") return v.type == Value::Type::Int;
    if (name == "float") return v.type == Value::Type::Float;
    if (name == "boolean") return v.type == Value::Type::Bool;
    if (name == "true") return v.type == Value::Type::Bool && v.b;
    if (name == "false") return v.type == Value::Type::Bool && !v.b;
    if (name == "mapping") return v.is_dict() && !v.is_namespace;
    if (name == "iterable") return v.is_list() || (v.is_dict() && !v.is_namespace) || v.is_string() || v.is_undefined();
    if (name == "sequence") return v.is_list() || (v.is_dict() && !v.is_namespace) || v.is_string() || v.is_undefined();
    if (name == "callable") return v.type == Value::Type::Function;
    if (name == "equalto" || name == "eq" || name == "==" || name == "sameas") return values_equal(v, arg);
    if (name == "ne" || name == "!=") return !values_equal(v, arg);
    if (name == "lt" || name == "lessthan") return order(v, arg, "<", e) < 0;
    if (name == "le") return order(v, arg, "<=", e) <= 0;
    if (name == "gt" || name == "greaterthan") return order(v, arg, ">", e) > 0;
    if (name == "ge") return order(v, arg, ">=", e) >= 0;
    if (name == "in") return contains(arg, v, e);
    if (name == "lower") return v.is_string() && ascii_lower(v.s) == v.s;
    if (name == "upper") return v.is_string() && ascii_upper(v.s) == v.s;
    if (name == "even" || name == "odd") {
      int64_t n = to_int(v, e);
      return (n % 2 == 0) == (name == "even");
    }
    if (name == "divisibleby") return to_int(v, e) % to_int(arg, e) == 0;
    fail("no test named '" + name + "'", e.line, e.column);
  }

  Value apply_filter_chain(const Expr& f, const Value& input) {
    Value v = f.a ? apply_filter_chain(*f.a, input) : input;
    return apply_filter(f, v);
  }

  // Resolves a dotted attribute path (as selectattr/map/sort/join take it).
  Value attr_path(const Value& v, const std::string& path) {
    Value cur = v;
    size_t pos = 0;
    while (true) {
      size_t dot = path.find('.', pos);
      std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
      bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
      if (numeric && cur.is_list()) {
        size_t idx = std::stoul(part);
        cur = idx < cur.list->size() ? (*cur.list)[idx] : Value::undefined();
      } else {
        cur = get_attr(cur, part);
      }
      if (dot == std::string::npos) return cur;
      pos = dot + 1;
    }
  }

  Value apply_filter(const Expr& e, const Value& v) {
    Args args = eval_args(e);
    const std::string& n = e.name;
    auto arg = [&](size_t k, const char* key) { return args.get(k, key); };
    if (n == "tojson") {
      // Hugging Face's tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
      JsonOptions json;
      Value ind = arg(99, "indent");
      if (ind.is_undefined()) ind = arg(0, "indent");
      // Each level repeats the indent: a huge one would build a huge string from a tiny value.
      if (ind.type == Value::Type::Int && ind.i > kMaxJsonIndent) {
        fail("tojson indent " + std::to_string(ind.i) + " is larger than " + std::to_string(kMaxJsonIndent), e.line, e.column);
      }
      json.indent = ind.type == Value::Type::Int ? static_cast<int>(std::max<int64_t>(ind.i, -1)) : -1;
      json.ensure_ascii = arg(99, "ensure_ascii").truthy();
      json.sort_keys = arg(99, "sort_keys").truthy();
      Value seps = arg(99, "separators");
      if (seps.is_list() && seps.list->size() == 2) {
        json.item_separator = python_str((*seps.list)[0]);
        json.key_separator = python_str((*seps.list)[1]);
      }
      return Value::string(to_json(v, json));
    }
    if (n == "format") {
      Value values = Value::make_tuple(args.positional);
      if (!args.keyword.empty()) fail("format filter: keyword arguments are not supported", e.line, e.column);
      return binary("%", Value::string(python_str(v)), values, e);
    }
    if (n == "safe" || n == "string") return n == "safe" ? v : Value::string(python_str(v));
    if (n == "trim") return Value::string(strip_chars(python_str(v), arg(0, "chars"), true, true));
    if (n == "upper") return Value::string(ascii_upper(python_str(v)));
    if (n == "lower") return Value::string(ascii_lower(python_str(v)));
    if (n == "capitalize") return Value::string(capitalize(python_str(v)));
    if (n == "title") return Value::string(jinja_title(python_str(v)));
    if (n == "length" || n == "count") {
      if (v.is_string()) return Value::integer(static_cast<int64_t>(utf8_chars(v.s).size()));
      if (v.is_list()) return Value::integer(static_cast<int64_t>(v.list->size()));
      if (v.is_dict()) return Value::integer(static_cast<int64_t>(v.dict->entries.size()));
      if (v.is_undefined()) return Value::integer(0);
      fail("object of type '" + type_name(v) + "' has no len()", e.line, e.column);
    }
    if (n == "replace") {
      Value cnt = arg(2, "count");
      return Value::string(replace_all(python_str(v), python_str(arg(0, "old")), python_str(arg(1, "new")),
                                       cnt.type == Value::Type::Int ? cnt.i : -1, kMaxStringBytes));
    }
    if (n == "default" || n == "d") {
      bool boolean = arg(1, "boolean").truthy();
      if (v.is_undefined() || (boolean && !v.truthy())) {
        Value d = arg(0, "default_value");
        return d.is_undefined() ? Value::string("") : d;
      }
      return v;
    }
    if (n == "join") {
      std::string sep = args.has(0, "d") ? python_str(arg(0, "d")) : "";
      Value attr = arg(1, "attribute");
      ValueList items = iterate(v, e.line, e.column);
      std::string out;
      for (size_t k = 0; k < items.size(); ++k) {
        if (k) out += sep;
        out += python_str(attr.is_undefined() ? items[k] : attr_path(items[k], python_str(attr)));
        check_string_size(out.size(), e.line, e.column);
      }
      return Value::string(out);
    }
    if (n == "first" || n == "last") {
      ValueList items = iterate(v, e.line, e.column);
      if (items.empty()) return Value::undefined();
      return n == "first" ? items.front() : items.back();
    }
    if (n == "list") return Value::make_list(iterate(v, e.line, e.column));
    if (n == "int") {
      if (v.type == Value::Type::Int) return v;
      if (v.type == Value::Type::Bool) return Value::integer(v.b);
      if (v.type == Value::Type::Float) return Value::integer(float_to_int(v.f, e.line, e.column));
      if (v.is_string()) {
        try {
          size_t used = 0;
          std::string t = strip_chars(v.s, Value::undefined(), true, true);
          double d = std::stod(t, &used);
          if (used == t.size()) return Value::integer(float_to_int(d, e.line, e.column));
        } catch (const std::exception&) {
        }
      }
      Value d = arg(0, "default");
      return d.is_undefined() ? Value::integer(0) : d;
    }
    if (n == "float") {
      if (v.is_number()) return Value::number(v.as_double());
      if (v.is_string()) {
        try {
          size_t used = 0;
          std::string t = strip_chars(v.s, Value::undefined(), true, true);
          double d = std::stod(t, &used);
          if (used == t.size()) return Value::number(d);
        } catch (const std::exception&) {
        }
      }
      Value d = arg(0, "default");
      return d.is_undefined() ? Value::number(0) : d;
    }
    if (n == "abs") {
      if (v.type == Value::Type::Int) return Value::integer(v.i < 0 ? checked_negate(v.i, e.line, e.column) : v.i);
      return Value::number(std::fabs(v.as_double()));
    }
    if (n == "round") {
      Value p = arg(0, "precision");
      int64_t prec = p.type == Value::Type::Int ? p.i : 0;
      double scale = std::pow(10.0, static_cast<double>(prec));
      std::string method = args.has(1, "method") ? python_str(arg(1, "method")) : "common";
      double x = v.as_double() * scale;
      double r = method == "ceil" ? std::ceil(x) : method == "floor" ? std::floor(x) : std::nearbyint(x);
      return Value::number(r / scale);
    }
    if (n == "items") {
      if (v.is_undefined()) return Value::make_list();
      Args none;
      return call_method(v, "items", none);
    }
    if (n == "dictsort") {
      if (!v.is_dict()) fail("dictsort filter requires a dict", e.line, e.column);
      bool cs = arg(0, "case_sensitive").truthy();
      std::string by = args.has(1, "by") ? python_str(arg(1, "by")) : "key";
      bool rev = arg(2, "reverse").truthy();
      auto entries = v.dict->entries;
      std::stable_sort(entries.begin(), entries.end(), [&](const auto& x, const auto& y) {
        if (by == "value") {
          Value a = x.second;
          Value b = y.second;
          if (!cs && a.is_string() && b.is_string()) return ascii_lower(a.s) < ascii_lower(b.s);
          return order(a, b, "<", e) < 0;
        }
        return cs ? x.first < y.first : ascii_lower(x.first) < ascii_lower(y.first);
      });
      if (rev) std::reverse(entries.begin(), entries.end());
      ValueList out;
      for (const auto& kv : entries) out.push_back(Value::make_tuple({Value::string(kv.first), kv.second}));
      return Value::make_list(out);
    }
    if (n == "selectattr" || n == "rejectattr" || n == "select" || n == "reject") {
      bool by_attr = n == "selectattr" || n == "rejectattr";
      bool want = n == "selectattr" || n == "select";
      size_t base = by_attr ? 1 : 0;
      std::string attr = by_attr ? python_str(args.positional.empty() ? Value::undefined() : args.positional[0]) : "";
      std::string test = args.positional.size() > base ? python_str(args.positional[base]) : "";
      Args targs;
      for (size_t k = base + 1; k < args.positional.size(); ++k) targs.positional.push_back(args.positional[k]);
      ValueList out;
      for (const auto& item : iterate(v, e.line, e.column)) {
        Value x = by_attr ? attr_path(item, attr) : item;
        bool ok = test.empty() ? x.truthy() : run_test(test, x, targs, e);
        if (ok == want) out.push_back(item);
      }
      return Value::make_list(out);
    }
    if (n == "map") {
      ValueList out;
      Value attr = arg(99, "attribute");
      for (const auto& item : iterate(v, e.line, e.column)) {
        if (!attr.is_undefined()) {
          Value x = attr_path(item, python_str(attr));
          if (x.is_undefined() && args.has(99, "default")) x = arg(99, "default");
          out.push_back(x);
        } else {
          if (args.positional.empty()) fail("map requires a filter name or attribute", e.line, e.column);
          Expr f;
          f.kind = Expr::Kind::Filter;
          f.name = python_str(args.positional[0]);
          f.line = e.line;
          f.column = e.column;
          for (size_t k = 1; k < e.args.size(); ++k) {
            auto lit = std::make_unique<Expr>();
            lit->literal = args.positional[k];
            f.args.push_back(std::move(lit));
          }
          out.push_back(apply_filter(f, item));
        }
      }
      return Value::make_list(out);
    }
    if (n == "indent") {
      Value w = arg(0, "width");
      const int64_t width = w.type == Value::Type::Int ? w.i : 4;
      if (!w.is_string() && (width < 0 || static_cast<uint64_t>(width) > kMaxStringBytes)) {
        fail("indent width " + std::to_string(width) + " is out of range", e.line, e.column);
      }
      std::string pad = w.is_string() ? w.s : std::string(static_cast<size_t>(width), ' ');
      bool first = arg(1, "first").truthy();
      bool blank = arg(2, "blank").truthy();
      std::string s = python_str(v) + "\n";
      ValueList lines = call_method(Value::string(s), "splitlines", args).list ? *call_method(Value::string(s), "splitlines", args).list : ValueList{};
      std::string out;
      for (size_t k = 0; k < lines.size(); ++k) {
        if (k) {
          out += "\n";
          if (blank || !lines[k].s.empty()) out += pad;
        }
        out += lines[k].s;
        check_string_size(out.size(), e.line, e.column);
      }
      if (first) out = pad + out;
      return Value::string(out);
    }
    if (n == "escape" || n == "e") {
      std::string out;
      for (char c : python_str(v)) {
        switch (c) {
          case '&': out += "&amp;"; break;
          case '<': out += "&lt;"; break;
          case '>': out += "&gt;"; break;
          case '"': out += "&#34;"; break;
          case '\'': out += "&#39;"; break;
          default: out += c;
        }
      }
      return Value::string(out);
    }
    if (n == "reverse") {
      if (v.is_string()) {
        auto chars = utf8_chars(v.s);
        std::string out;
        for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += *it;
        return Value::string(out);
      }
      ValueList items = iterate(v, e.line, e.column);
      std::reverse(items.begin(), items.end());
      return Value::make_list(items);
    }
    if (n == "sort") {
      bool rev = arg(0, "reverse").truthy();
      bool cs = arg(1, "case_sensitive").truthy();
      Value attr = arg(2, "attribute");
      ValueList items = iterate(v, e.line, e.column);
      auto key = [&](const Value& x) {
        Value k = attr.is_undefined() ? x : attr_path(x, python_str(attr));
        if (!cs && k.is_string()) return Value::string(ascii_lower(k.s));
        return k;
      };
      std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
        return rev ? order(key(b), key(a), "<", e) < 0 : order(key(a), key(b), "<", e) < 0;
      });
      return Value::make_list(items);
    }
    if (n == "unique") {
      ValueList out;
      for (const auto& x : iterate(v, e.line, e.column)) {
        bool seen = false;
        for (const auto& y : out)
          if (values_equal(x, y)) seen = true;
        if (!seen) out.push_back(x);
      }
      return Value::make_list(out);
    }
    if (n == "sum") {
      Value total = Value::integer(0);
      for (const auto& x : iterate(v, e.line, e.column)) total = binary("+", total, x, e);
      return total;
    }
    if (n == "min" || n == "max") {
      ValueList items = iterate(v, e.line, e.column);
      if (items.empty()) return Value::undefined();
      Value best = items[0];
      for (const auto& x : items) {
        int c = order(x, best, "<", e);
        if (n == "min" ? c < 0 : c > 0) best = x;
      }
      return best;
    }
    if (n == "wordcount") return Value::integer(static_cast<int64_t>(split(python_str(v), Value::undefined(), -1).size()));
    fail("no filter named '" + n + "'", e.line, e.column);
  }

 private:
  static constexpr int kMaxMacroDepth = 200;
  int macro_depth_ = 0;
  uint64_t steps_ = 0;  // charged so far (charge())
};

int64_t global_int(const Value& v) {
  if (v.type == Value::Type::Int) return v.i;
  if (v.type == Value::Type::Bool) return v.b;
  throw TemplateError("'" + type_name(v) + "' object cannot be interpreted as an integer", 0, 0);
}

// The globals Hugging Face's chat template environment provides (and jinja2's range, namespace, dict).
// The namespaces a render created. They are the only values a template can change after making
// them (`set ns.attr = ...`), so every reference cycle (`set ns.self = ns`, `set ns.l = [ns]`)
// runs through one of their entries: emptying them when the render ends frees the cycles, which
// shared_ptr alone never would.
using Namespaces = std::vector<std::weak_ptr<ValueDict>>;

struct NamespaceReleaser {
  std::shared_ptr<Namespaces> namespaces = std::make_shared<Namespaces>();
  ~NamespaceReleaser() {
    for (const auto& weak : *namespaces)
      if (auto dict = weak.lock()) dict->entries.clear();
  }
};

void install_globals(Scope& globals, const std::shared_ptr<Namespaces>& namespaces) {
  globals["raise_exception"] = Value::function([](Args& args) -> Value {
    throw TemplateError(python_str(args.get(0, "message")), 0, 0);
  });
  globals["strftime_now"] = Value::function([](Args& args) {
    std::time_t now = std::time(nullptr);
    std::tm tm_now{};
    localtime_r(&now, &tm_now);
    char buf[256];
    std::string fmt = python_str(args.get(0, "format"));
    size_t len = std::strftime(buf, sizeof buf, fmt.c_str(), &tm_now);
    return Value::string(std::string(buf, len));
  });
  globals["range"] = Value::function([](Args& args) {
    int64_t start = 0;
    int64_t stop = 0;
    int64_t step = 1;
    if (args.positional.size() == 1) {
      stop = global_int(args.positional[0]);
    } else if (args.positional.size() >= 2) {
      start = global_int(args.positional[0]);
      stop = global_int(args.positional[1]);
      if (args.positional.size() >= 3) step = global_int(args.positional[2]);
    } else {
      throw TemplateError("range expected at least 1 argument, got 0", 0, 0);
    }
    if (step == 0) throw TemplateError("range() arg 3 must not be zero", 0, 0);
    double count = (static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step);
    if (count > static_cast<double>(kMaxRange)) {
      throw TemplateError("range too big: at most " + std::to_string(kMaxRange) + " items (as jinja2's sandbox)", 0, 0);
    }
    ValueList out;
    // Counted, not stepped past `stop`: k + step may not fit in 64 bits.
    for (int64_t k = start; step > 0 ? k < stop : k > stop;) {
      out.push_back(Value::integer(k));
      if (__builtin_add_overflow(k, step, &k)) break;
    }
    return Value::make_list(std::move(out));
  });
  for (const char* name : {"namespace", "dict"}) {
    bool ns = std::string(name) == "namespace";
    globals[name] = Value::function([ns, namespaces](Args& args) {
      Value d = Value::make_dict();
      d.is_namespace = ns;
      if (ns) namespaces->push_back(d.dict);
      for (const auto& p : args.positional)
        if (p.is_dict())
          for (const auto& kv : p.dict->entries) d.dict->set(kv.first, kv.second);
      for (const auto& kw : args.keyword) d.dict->set(kw.first, kw.second);
      return d;
    });
  }
}

}  // namespace

std::string render_template(const std::string& source, const nlohmann::json& context, const RenderOptions& options) {
  Body body = parse_template(source, options);
  NamespaceReleaser releaser;  // declared first: runs after every other value of the render is gone
  Renderer renderer;
  auto globals = std::make_shared<Scope>();
  install_globals(*globals, releaser.namespaces);
  if (context.is_object())
    for (auto it = context.begin(); it != context.end(); ++it) (*globals)[it.key()] = Value::from_json(it.value());
  renderer.frames.push_back(globals);
  std::string out;
  try {
    renderer.exec(body, out);
  } catch (const TemplateError&) {
    throw;
  } catch (const std::exception& e) {  // e.g. std::bad_alloc, std::out_of_range: still a TemplateError
    throw TemplateError(e.what(), 0, 0);
  }
  return out;
}

}  // namespace cria::jinja
