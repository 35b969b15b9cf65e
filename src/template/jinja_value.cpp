#include "template/jinja_value.h"

#include "template/jinja.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace cria::jinja {

Value Value::undefined(std::string name) {
  Value v;
  v.s = std::move(name);
  return v;
}
Value Value::none() {
  Value v;
  v.type = Type::None;
  return v;
}
Value Value::boolean(bool x) {
  Value v;
  v.type = Type::Bool;
  v.b = x;
  return v;
}
Value Value::integer(int64_t x) {
  Value v;
  v.type = Type::Int;
  v.i = x;
  return v;
}
Value Value::number(double x) {
  Value v;
  v.type = Type::Float;
  v.f = x;
  return v;
}
Value Value::string(std::string x) {
  Value v;
  v.type = Type::String;
  v.s = std::move(x);
  return v;
}
Value Value::make_list(ValueList x) {
  Value v;
  v.type = Type::List;
  v.list = std::make_shared<ValueList>(std::move(x));
  return v;
}
Value Value::make_tuple(ValueList x) {
  Value v = make_list(std::move(x));
  v.is_tuple = true;
  return v;
}
Value Value::make_dict() {
  Value v;
  v.type = Type::Dict;
  v.dict = std::make_shared<ValueDict>();
  return v;
}
Value Value::function(NativeFunction f) {
  Value v;
  v.type = Type::Function;
  v.fn = std::make_shared<NativeFunction>(std::move(f));
  return v;
}

Value Value::from_json(const nlohmann::json& j, int depth) {
  if ((j.is_array() || j.is_object()) && depth >= kMaxJsonDepth) {
    throw TemplateError("a JSON value nests deeper than " + std::to_string(kMaxJsonDepth) + " levels", 0, 0);
  }
  switch (j.type()) {
    case nlohmann::json::value_t::null: return none();
    case nlohmann::json::value_t::boolean: return boolean(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return integer(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: return integer(static_cast<int64_t>(j.get<uint64_t>()));
    case nlohmann::json::value_t::number_float: return number(j.get<double>());
    case nlohmann::json::value_t::string: return string(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      ValueList items;
      for (const auto& e : j) items.push_back(from_json(e, depth + 1));
      return make_list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      Value d = make_dict();
      for (auto it = j.begin(); it != j.end(); ++it) d.dict->set(it.key(), from_json(it.value(), depth + 1));
      return d;
    }
    default: return none();
  }
}

bool Value::truthy() const {
  switch (type) {
    case Type::Undefined:
    case Type::None: return false;
    case Type::Bool: return b;
    case Type::Int: return i != 0;
    case Type::Float: return f != 0;
    case Type::String: return !s.empty();
    case Type::List: return !list->empty();
    case Type::Dict: return is_namespace || !dict->entries.empty();
    case Type::Function: return true;
  }
  return false;
}

double Value::as_double() const {
  if (type == Type::Int) return static_cast<double>(i);
  if (type == Type::Bool) return b ? 1 : 0;
  return f;
}

const Value* ValueDict::find(const std::string& key) const {
  for (const auto& e : entries)
    if (e.first == key) return &e.second;
  return nullptr;
}

void ValueDict::set(const std::string& key, Value v) {
  for (auto& e : entries)
    if (e.first == key) {
      e.second = std::move(v);
      return;
    }
  entries.emplace_back(key, std::move(v));
}

Value Args::get(size_t index, const std::string& name) const {
  for (const auto& kw : keyword)
    if (kw.first == name) return kw.second;
  if (index < positional.size()) return positional[index];
  return Value::undefined();
}

bool Args::has(size_t index, const std::string& name) const {
  for (const auto& kw : keyword)
    if (kw.first == name) return true;
  return index < positional.size();
}

std::string format_float(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci = sci.substr(1);
  }
  size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  int exp = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  if (exp >= -4 && exp < 16) {
    std::string out;
    if (exp >= 0) {
      std::string ip = digits.substr(0, std::min<size_t>(digits.size(), exp + 1));
      while (static_cast<int>(ip.size()) < exp + 1) ip += '0';
      std::string fp = digits.size() > static_cast<size_t>(exp + 1) ? digits.substr(exp + 1) : "0";
      out = ip + "." + fp;
    } else {
      out = "0." + std::string(-exp - 1, '0') + digits;
    }
    return sign + out;
  }
  std::string out = digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char eb[16];
  std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  return sign + out + eb;
}

static std::string repr_string(const std::string& s) {
  char q = (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) ? '"' : '\'';
  std::string out(1, q);
  for (unsigned char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == static_cast<unsigned char>(q)) { out += '\\'; out += static_cast<char>(c); }
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    } else out += static_cast<char>(c);
  }
  return out + q;
}

std::string python_repr(const Value& v) {
  switch (v.type) {
    case Value::Type::Undefined: return "";
    case Value::Type::None: return "None";
    case Value::Type::Bool: return v.b ? "True" : "False";
    case Value::Type::Int: return std::to_string(v.i);
    case Value::Type::Float: return format_float(v.f);
    case Value::Type::String: return repr_string(v.s);
    case Value::Type::List: {
      std::string out = v.is_tuple ? "(" : "[";
      for (size_t k = 0; k < v.list->size(); ++k) {
        if (k) out += ", ";
        out += python_repr((*v.list)[k]);
      }
      if (v.is_tuple) return out + (v.list->size() == 1 ? ",)" : ")");
      return out + "]";
    }
    case Value::Type::Dict: {
      if (v.is_namespace) return "<Namespace>";
      std::string out = "{";
      bool first = true;
      for (const auto& e : v.dict->entries) {
        if (!first) out += ", ";
        first = false;
        out += repr_string(e.first) + ": " + python_repr(e.second);
      }
      return out + "}";
    }
    case Value::Type::Function: return "<function>";
  }
  return "";
}

std::string python_str(const Value& v) {
  if (v.type == Value::Type::String) return v.s;
  return python_repr(v);
}

static void append_u_escape(std::string& out, unsigned cp) {
  char b[16];
  std::snprintf(b, sizeof b, "\\u%04x", cp);
  out += b;
}

static std::string json_string(const std::string& s, bool ensure_ascii) {
  std::string out = "\"";
  if (ensure_ascii) {
    for (const auto& ch : utf8_chars(s)) {
      auto c0 = static_cast<unsigned char>(ch[0]);
      if (c0 < 0x80) {
        out += json_string(ch, false).substr(1, std::string::npos);
        out.pop_back();
        continue;
      }
      unsigned cp = ch.size() == 2 ? (c0 & 0x1F) : ch.size() == 3 ? (c0 & 0x0F) : (c0 & 0x07);
      for (size_t k = 1; k < ch.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(ch[k]) & 0x3F);
      if (cp >= 0x10000) {
        cp -= 0x10000;
        append_u_escape(out, 0xD800 + (cp >> 10));
        append_u_escape(out, 0xDC00 + (cp & 0x3FF));
      } else {
        append_u_escape(out, cp);
      }
    }
    return out + "\"";
  }
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string to_json(const Value& v, const JsonOptions& options, int level) {
  switch (v.type) {
    case Value::Type::Undefined:
    case Value::Type::None: return "null";
    case Value::Type::Bool: return v.b ? "true" : "false";
    case Value::Type::Int: return std::to_string(v.i);
    case Value::Type::Float:
      if (std::isnan(v.f)) return "NaN";
      if (std::isinf(v.f)) return v.f < 0 ? "-Infinity" : "Infinity";
      return format_float(v.f);
    case Value::Type::String: return json_string(v.s, options.ensure_ascii);
    case Value::Type::Function: return "null";
    case Value::Type::List:
    case Value::Type::Dict: break;
  }
  bool is_list = v.type == Value::Type::List;
  size_t n = is_list ? v.list->size() : v.dict->entries.size();
  if (n == 0) return is_list ? "[]" : "{}";
  int indent = options.indent;
  std::string item_sep = options.item_separator.empty() ? (indent >= 0 ? "," : ", ") : options.item_separator;
  std::string out = is_list ? "[" : "{";
  std::string inner_pad = indent >= 0 ? "\n" + std::string(static_cast<size_t>(indent) * (level + 1), ' ') : "";
  std::string outer_pad = indent >= 0 ? "\n" + std::string(static_cast<size_t>(indent) * level, ' ') : "";
  std::vector<const std::pair<std::string, Value>*> entries;
  if (!is_list) {
    for (const auto& e : v.dict->entries) entries.push_back(&e);
    if (options.sort_keys)
      std::stable_sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  }
  for (size_t k = 0; k < n; ++k) {
    if (k) out += item_sep;
    out += inner_pad;
    if (is_list) {
      out += to_json((*v.list)[k], options, level + 1);
    } else {
      out += json_string(entries[k]->first, options.ensure_ascii) + options.key_separator +
             to_json(entries[k]->second, options, level + 1);
    }
  }
  return out + outer_pad + (is_list ? "]" : "}");
}

bool values_equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.type != Value::Type::Float && b.type != Value::Type::Float) {
      int64_t x = a.type == Value::Type::Bool ? a.b : a.i;
      int64_t y = b.type == Value::Type::Bool ? b.b : b.i;
      return x == y;
    }
    return a.as_double() == b.as_double();
  }
  if (a.type != b.type) return false;
  switch (a.type) {
    case Value::Type::Undefined:
    case Value::Type::None: return true;
    case Value::Type::String: return a.s == b.s;
    case Value::Type::List:
      if (a.list->size() != b.list->size()) return false;
      for (size_t k = 0; k < a.list->size(); ++k)
        if (!values_equal((*a.list)[k], (*b.list)[k])) return false;
      return true;
    case Value::Type::Dict:
      if (a.dict == b.dict) return true;
      if (a.dict->entries.size() != b.dict->entries.size()) return false;
      for (const auto& e : a.dict->entries) {
        const Value* o = b.dict->find(e.first);
        if (!o || !values_equal(e.second, *o)) return false;
      }
      return true;
    case Value::Type::Function: return a.fn == b.fn;
    default: return false;
  }
}

std::vector<std::string> utf8_chars(const std::string& s) {
  std::vector<std::string> out;
  size_t k = 0;
  while (k < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[k]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (k + len > s.size()) len = s.size() - k;
    out.push_back(s.substr(k, len));
    k += len;
  }
  return out;
}

}  // namespace cria::jinja
