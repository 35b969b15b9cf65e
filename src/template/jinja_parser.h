// Lexer and parser of the template engine: source text -> a tree of statements and expressions.
#pragma once

#include "template/jinja.h"
#include "template/jinja_value.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cria::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    Literal, Name, GetAttr, GetItem, Slice, Call, Filter, Test, Neg, Pos, Not, Binary,
    And, Or, Compare, Cond, ListLit, DictLit
  };
  Kind kind = Kind::Literal;
  int line = 0;
  int column = 0;
  Value literal;
  std::string name;  // Name: variable; GetAttr: attribute; Filter/Test: its name; Binary: operator
  bool negated = false;  // Test: `is not`
  ExprPtr a, b, c;       // operands; Slice: a[b:c:args[0]]
  std::vector<ExprPtr> args;  // call/filter/test args; list items; dict keys and values alternate
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;  // Compare: operators between args (args[0] op args[1] ...)
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Stmt {
  enum class Kind { Text, Output, If, For, Set, SetBlock, Macro, Break, Continue, FilterBlock, Scope };
  Kind kind = Kind::Text;
  int line = 0;
  int column = 0;
  std::string text;                                  // Text
  ExprPtr expr;                                      // Output, For (iterable), Set (value)
  std::vector<std::pair<ExprPtr, Body>> branches;    // If
  Body body;                                         // For, SetBlock, Macro, FilterBlock, Scope
  Body else_body;                                    // If, For
  std::vector<std::string> targets;                  // For, Set, SetBlock: names
  std::string ns_attr;                               // Set: `set targets[0].ns_attr = ...`
  ExprPtr filter;                                    // For: `if` condition; FilterBlock: filter chain
  std::string name;                                  // Macro
  std::vector<std::pair<std::string, ExprPtr>> params;  // Macro (default may be null)
};

// Parses a whole template.
Body parse_template(const std::string& source, const RenderOptions& options);

}  // namespace cria::jinja
