#include "template/jinja_parser.h"

#include <cctype>
#include <cstdlib>

#include "util/utf8.h"

namespace cria::jinja {
namespace {

struct Token {
  enum class Kind { Name, String, Int, Float, Op, End };
  Kind kind = Kind::End;
  std::string text;
  int64_t int_value = 0;
  double float_value = 0;
  int line = 0;
  int column = 0;
};

struct Piece {
  enum class Kind { Text, Var, Block };
  Kind kind = Kind::Text;
  std::string text;
  std::vector<Token> tokens;
  int line = 0;
  int column = 0;
};

class Scanner {
 public:
  Scanner(const std::string& src, const RenderOptions& opts) : src_(src), opts_(opts) {
    line_starts_.push_back(0);
    for (size_t k = 0; k < src_.size(); ++k)
      if (src_[k] == '\n') line_starts_.push_back(k + 1);
  }

  void position(size_t offset, int& line, int& column) const {
    size_t lo = 0;
    size_t hi = line_starts_.size();
    while (hi - lo > 1) {
      size_t mid = (lo + hi) / 2;
      if (line_starts_[mid] <= offset) lo = mid;
      else hi = mid;
    }
    line = static_cast<int>(lo + 1);
    column = static_cast<int>(offset - line_starts_[lo] + 1);
  }

  [[noreturn]] void fail(const std::string& msg, size_t offset) const {
    int line = 0;
    int column = 0;
    position(offset, line, column);
    throw TemplateError(msg, line, column);
  }

  std::vector<Piece> scan() {
    std::vector<Piece> pieces;
    size_t pos = 0;
    while (pos < src_.size()) {
      size_t p = pos;
      while (true) {
        p = src_.find('{', p);
        if (p == std::string::npos || p + 1 >= src_.size()) {
          p = std::string::npos;
          break;
        }
        char n = src_[p + 1];
        if (n == '{' || n == '%' || n == '#') break;
        ++p;
      }
      std::string text = src_.substr(pos, p == std::string::npos ? std::string::npos : p - pos);
      if (p == std::string::npos) {
        push_text(pieces, text, pos);
        break;
      }
      char kind = src_[p + 1];
      size_t inner = p + 2;
      char modifier = inner < src_.size() ? src_[inner] : '\0';
      if (modifier == '-') {
        size_t end = text.size();
        while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
        text.resize(end);
        ++inner;
      } else {
        if (modifier == '+') ++inner;
        if (opts_.lstrip_blocks && kind != '{' && modifier != '+') {
          size_t nl = text.rfind('\n');
          size_t seg = nl == std::string::npos ? 0 : nl + 1;
          bool at_line_start = nl != std::string::npos || pos == 0 || src_[pos - 1] == '\n';
          bool blank = true;
          for (size_t k = seg; k < text.size(); ++k)
            if (!std::isspace(static_cast<unsigned char>(text[k]))) blank = false;
          if (blank && at_line_start) text.resize(seg);
        }
      }
      push_text(pieces, text, pos);
      if (kind == '#') {
        size_t end = src_.find("#}", inner);
        if (end == std::string::npos) fail("missing end of comment tag", p);
        bool strip = end > inner && src_[end - 1] == '-';
        pos = after_tag(end + 2, strip, src_[end - 1] == '+', true);
        continue;
      }
      Piece piece;
      piece.kind = kind == '{' ? Piece::Kind::Var : Piece::Kind::Block;
      position(p, piece.line, piece.column);
      const std::string closer = kind == '{' ? "}}" : "%}";
      size_t q = inner;
      int depth = 0;  // open brackets: a closer inside them is part of the expression
      while (true) {
        while (q < src_.size() && std::isspace(static_cast<unsigned char>(src_[q]))) ++q;
        if (q >= src_.size()) fail(kind == '{' ? "unexpected end of template, expected '}}'" : "unexpected end of template, expected '%}'", p);
        if (depth == 0 && src_.compare(q, 2, closer) == 0) {
          pos = after_tag(q + 2, false, false, kind == '%');
          break;
        }
        if (depth == 0 && (src_[q] == '-' || src_[q] == '+') && src_.compare(q + 1, 2, closer) == 0) {
          pos = after_tag(q + 3, src_[q] == '-', src_[q] == '+', kind == '%');
          break;
        }
        piece.tokens.push_back(lex_token(q));
        const Token& t = piece.tokens.back();
        if (t.kind == Token::Kind::Op) {
          if (t.text == "(" || t.text == "[" || t.text == "{") ++depth;
          if ((t.text == ")" || t.text == "]" || t.text == "}") && depth > 0) --depth;
        }
      }
      Token end;
      position(q, end.line, end.column);
      piece.tokens.push_back(end);
      if (piece.kind == Piece::Kind::Block && piece.tokens.size() == 2 &&
          piece.tokens[0].kind == Token::Kind::Name && piece.tokens[0].text == "raw") {
        pos = scan_raw(pieces, pos, p);
        continue;
      }
      pieces.push_back(std::move(piece));
    }
    return pieces;
  }

 private:
  // After `{% raw %}`: everything up to `{% endraw %}` is text. Returns the offset after endraw.
  size_t scan_raw(std::vector<Piece>& pieces, size_t start, size_t tag_offset) {
    size_t p = start;
    while ((p = src_.find("{%", p)) != std::string::npos) {
      size_t q = p + 2;
      char modifier = q < src_.size() ? src_[q] : '\0';
      if (modifier == '-' || modifier == '+') ++q;
      while (q < src_.size() && std::isspace(static_cast<unsigned char>(src_[q]))) ++q;
      if (src_.compare(q, 6, "endraw") != 0) {
        p += 2;
        continue;
      }
      q += 6;
      while (q < src_.size() && std::isspace(static_cast<unsigned char>(src_[q]))) ++q;
      char end_modifier = '\0';
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) end_modifier = src_[q++];
      if (src_.compare(q, 2, "%}") != 0) {
        p += 2;
        continue;
      }
      std::string text = src_.substr(start, p - start);
      if (modifier == '-') {
        size_t end = text.size();
        while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
        text.resize(end);
      } else if (opts_.lstrip_blocks && modifier != '+') {
        size_t nl = text.rfind('\n');
        size_t seg = nl == std::string::npos ? 0 : nl + 1;
        bool blank = nl != std::string::npos || start == 0 || src_[start - 1] == '\n';
        for (size_t k = seg; k < text.size(); ++k)
          if (text[k] != ' ' && text[k] != '\t') blank = false;
        if (blank) text.resize(seg);
      }
      push_text(pieces, text, start);
      return after_tag(q + 2, end_modifier == '-', end_modifier == '+', true);
    }
    fail("missing endraw tag", tag_offset);
  }

  void push_text(std::vector<Piece>& pieces, const std::string& text, size_t offset) {
    if (text.empty()) return;
    Piece piece;
    piece.text = text;
    position(offset, piece.line, piece.column);
    pieces.push_back(std::move(piece));
  }

  size_t after_tag(size_t pos, bool strip_all, bool plus, bool block) {
    if (strip_all) {
      while (pos < src_.size() && std::isspace(static_cast<unsigned char>(src_[pos]))) ++pos;
    } else if (block && opts_.trim_blocks && !plus && pos < src_.size() && src_[pos] == '\n') {
      ++pos;
    }
    return pos;
  }

  Token lex_token(size_t& q) {
    Token t;
    position(q, t.line, t.column);
    char c = src_[q];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t s = q;
      while (q < src_.size() && (std::isalnum(static_cast<unsigned char>(src_[q])) || src_[q] == '_')) ++q;
      t.kind = Token::Kind::Name;
      t.text = src_.substr(s, q - s);
      return t;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t s = q;
      bool is_float = false;
      while (q < src_.size() && (std::isdigit(static_cast<unsigned char>(src_[q])) || src_[q] == '_')) ++q;
      if (q + 1 < src_.size() && src_[q] == '.' && std::isdigit(static_cast<unsigned char>(src_[q + 1]))) {
        is_float = true;
        ++q;
        while (q < src_.size() && std::isdigit(static_cast<unsigned char>(src_[q]))) ++q;
      }
      if (q < src_.size() && (src_[q] == 'e' || src_[q] == 'E')) {
        size_t r = q + 1;
        if (r < src_.size() && (src_[r] == '+' || src_[r] == '-')) ++r;
        if (r < src_.size() && std::isdigit(static_cast<unsigned char>(src_[r]))) {
          is_float = true;
          q = r;
          while (q < src_.size() && std::isdigit(static_cast<unsigned char>(src_[q]))) ++q;
        }
      }
      std::string digits;
      for (size_t k = s; k < q; ++k)
        if (src_[k] != '_') digits += src_[k];
      t.text = digits;
      if (is_float) {
        t.kind = Token::Kind::Float;
        t.float_value = std::strtod(digits.c_str(), nullptr);
      } else {
        t.kind = Token::Kind::Int;
        t.int_value = std::strtoll(digits.c_str(), nullptr, 10);
      }
      return t;
    }
    if (c == '\'' || c == '"') {
      size_t start = q;
      ++q;
      std::string out;
      while (true) {
        if (q >= src_.size()) fail("unterminated string literal", start);
        char d = src_[q++];
        if (d == c) break;
        if (d == '\\' && q < src_.size()) {
          char e = src_[q++];
          switch (e) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case '0': out += '\0'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'a': out += '\a'; break;
            case 'v': out += '\v'; break;
            case '\\': out += '\\'; break;
            case '\'': out += '\''; break;
            case '"': out += '"'; break;
            case '\n': break;
            case 'x':
            case 'u':
            case 'U': {
              size_t len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
              if (q + len > src_.size()) fail("truncated escape sequence", q);
              unsigned long cp = std::strtoul(src_.substr(q, len).c_str(), nullptr, 16);
              q += len;
              append_utf8(out, static_cast<uint32_t>(cp));
              break;
            }
            default: out += '\\'; out += e;
          }
        } else {
          out += d;
        }
      }
      t.kind = Token::Kind::String;
      t.text = out;
      return t;
    }
    static const char* ops[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">",
                                "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", "="};
    for (const char* op : ops) {
      std::string o(op);
      if (src_.compare(q, o.size(), o) == 0) {
        q += o.size();
        t.kind = Token::Kind::Op;
        t.text = o;
        return t;
      }
    }
    fail(std::string("unexpected character '") + c + "'", q);
  }

  const std::string& src_;
  const RenderOptions& opts_;
  std::vector<size_t> line_starts_;
};

class Parser {
 public:
  explicit Parser(std::vector<Piece> pieces) : pieces_(std::move(pieces)) {}

  Body parse_all() {
    std::string end_tag;
    Body body = parse_body({}, end_tag);
    return body;
  }

 private:
  // ---- statements ----
  Body parse_body(const std::vector<std::string>& ends, std::string& found) {
    Body body;
    while (index_ < pieces_.size()) {
      Piece& piece = pieces_[index_];
      if (piece.kind == Piece::Kind::Text) {
        auto s = std::make_unique<Stmt>();
        s->kind = Stmt::Kind::Text;
        s->text = piece.text;
        s->line = piece.line;
        body.push_back(std::move(s));
        ++index_;
        continue;
      }
      toks_ = &piece.tokens;
      pos_ = 0;
      if (piece.kind == Piece::Kind::Var) {
        auto s = std::make_unique<Stmt>();
        s->kind = Stmt::Kind::Output;
        s->line = piece.line;
        s->column = piece.column;
        s->expr = parse_expression();
        expect_end();
        body.push_back(std::move(s));
        ++index_;
        continue;
      }
      const Token& kw = peek();
      if (kw.kind != Token::Kind::Name) fail("expected a statement name", kw);
      for (const auto& e : ends) {
        if (kw.text == e) {
          found = e;
          return body;
        }
      }
      ++index_;
      body.push_back(parse_statement(piece));
    }
    if (!ends.empty()) {
      const Piece& last = pieces_.empty() ? Piece{} : pieces_.back();
      throw TemplateError("unexpected end of template, expected '" + ends.back() + "'", last.line, last.column);
    }
    return body;
  }

  // Called with the current piece's tokens positioned at a block end keyword.
  void finish_end_tag() {
    next();
    expect_end();
    ++index_;
  }

  StmtPtr parse_statement(const Piece& piece) {
    Token kw = next();
    if (++block_depth_ > 200) fail("blocks nested too deeply", kw);
    struct Leave {
      int& depth;
      ~Leave() { --depth; }
    } leave{block_depth_};
    auto s = std::make_unique<Stmt>();
    s->line = piece.line;
    s->column = piece.column;
    const std::string& k = kw.text;
    std::string found;
    if (k == "if") {
      s->kind = Stmt::Kind::If;
      ExprPtr cond = parse_expression();
      expect_end();
      while (true) {
        Body b = parse_body({"elif", "else", "endif"}, found);
        s->branches.emplace_back(std::move(cond), std::move(b));
        if (found == "elif") {
          next();
          cond = parse_expression();
          expect_end();
          ++index_;
          continue;
        }
        if (found == "else") {
          finish_end_tag();
          s->else_body = parse_body({"endif"}, found);
        }
        finish_end_tag();
        break;
      }
    } else if (k == "for") {
      s->kind = Stmt::Kind::For;
      s->targets = parse_targets();
      expect_name("in");
      s->expr = parse_expression(false);
      if (peek_name("if")) {
        next();
        s->filter = parse_expression(false);
      }
      if (peek_name("recursive")) fail("recursive loops are not supported", peek());
      expect_end();
      s->body = parse_body({"else", "endfor"}, found);
      if (found == "else") {
        finish_end_tag();
        s->else_body = parse_body({"endfor"}, found);
      }
      finish_end_tag();
    } else if (k == "set") {
      s->targets = parse_targets();
      if (s->targets.size() == 1 && peek_op(".")) {
        next();
        s->ns_attr = expect_kind(Token::Kind::Name).text;
      }
      if (peek_op("=")) {
        next();
        s->kind = Stmt::Kind::Set;
        s->expr = parse_expression();
        if (peek_op(",")) {
          auto list = std::make_unique<Expr>();
          list->kind = Expr::Kind::ListLit;
          list->name = "tuple";
          list->args.push_back(std::move(s->expr));
          while (peek_op(",")) {
            next();
            list->args.push_back(parse_expression());
          }
          s->expr = std::move(list);
        }
        expect_end();
      } else {
        s->kind = Stmt::Kind::SetBlock;
        if (peek_op("|")) s->filter = parse_filter_chain();
        expect_end();
        s->body = parse_body({"endset"}, found);
        finish_end_tag();
      }
    } else if (k == "macro") {
      s->kind = Stmt::Kind::Macro;
      s->name = expect_kind(Token::Kind::Name).text;
      expect_op("(");
      while (!peek_op(")")) {
        std::string pname = expect_kind(Token::Kind::Name).text;
        ExprPtr def;
        if (peek_op("=")) {
          next();
          def = parse_expression();
        }
        s->params.emplace_back(pname, std::move(def));
        if (!peek_op(",")) break;
        next();
      }
      expect_op(")");
      expect_end();
      s->body = parse_body({"endmacro"}, found);
      finish_end_tag();
    } else if (k == "break" || k == "continue") {
      s->kind = k == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue;
      expect_end();
    } else if (k == "filter") {
      s->kind = Stmt::Kind::FilterBlock;
      s->filter = parse_filter_chain(false);
      expect_end();
      s->body = parse_body({"endfilter"}, found);
      finish_end_tag();
    } else if (k == "generation") {
      s->kind = Stmt::Kind::Scope;
      expect_end();
      s->body = parse_body({"endgeneration"}, found);
      finish_end_tag();
    } else if (k == "with") {
      s->kind = Stmt::Kind::Scope;
      while (peek().kind == Token::Kind::Name) {
        s->targets.push_back(next().text);
        expect_op("=");
        s->params.emplace_back(s->targets.back(), parse_expression());
        if (!peek_op(",")) break;
        next();
      }
      expect_end();
      s->body = parse_body({"endwith"}, found);
      finish_end_tag();
    } else {
      fail("unknown tag '" + k + "'", kw);
    }
    return s;
  }

  std::vector<std::string> parse_targets() {
    std::vector<std::string> names;
    bool paren = peek_op("(");
    if (paren) next();
    names.push_back(expect_kind(Token::Kind::Name).text);
    while (peek_op(",")) {
      next();
      names.push_back(expect_kind(Token::Kind::Name).text);
    }
    if (paren) expect_op(")");
    return names;
  }

  // A chain `| f(args) | g` (leading pipe optional when `pipe` is false); the innermost has a = null.
  ExprPtr parse_filter_chain(bool pipe = true) {
    ExprPtr node;
    bool first = true;
    while (true) {
      if (pipe || !first) {
        if (!peek_op("|")) break;
        next();
      }
      first = false;
      node = parse_filter(std::move(node));
    }
    return node;
  }

  // ---- expressions ----
  // Nesting guard: templates come from model files, so a hostile one must not overflow the stack.
  struct Depth {
    explicit Depth(Parser* p) : parser(p) {
      if (++parser->depth_ > 200) fail("expression nested too deeply", parser->peek());
    }
    ~Depth() { --parser->depth_; }
    Parser* parser;
  };

  ExprPtr make(Expr::Kind kind, const Token& at) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = at.line;
    e->column = at.column;
    return e;
  }

  ExprPtr parse_expression(bool with_cond = true) {
    // Nesting guard: templates come from model files, so a hostile one must not overflow the stack.
    Depth guard(this);
    ExprPtr e = parse_or();
    if (with_cond && peek_name("if")) {
      Token t = next();
      auto c = make(Expr::Kind::Cond, t);
      c->a = std::move(e);
      c->b = parse_or();
      if (peek_name("else")) {
        next();
        c->c = parse_expression();
      }
      return c;
    }
    return e;
  }

  ExprPtr parse_or() {
    ExprPtr e = parse_and();
    while (peek_name("or")) {
      Token t = next();
      auto n = make(Expr::Kind::Or, t);
      n->a = std::move(e);
      n->b = parse_and();
      e = std::move(n);
    }
    return e;
  }

  ExprPtr parse_and() {
    ExprPtr e = parse_not();
    while (peek_name("and")) {
      Token t = next();
      auto n = make(Expr::Kind::And, t);
      n->a = std::move(e);
      n->b = parse_not();
      e = std::move(n);
    }
    return e;
  }

  ExprPtr parse_not() {
    Depth guard(this);
    if (peek_name("not")) {
      Token t = next();
      auto n = make(Expr::Kind::Not, t);
      n->a = parse_not();
      return n;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    Token start = peek();
    ExprPtr e = parse_math1();
    ExprPtr cmp;
    while (true) {
      std::string op;
      if (peek().kind == Token::Kind::Op &&
          (peek().text == "==" || peek().text == "!=" || peek().text == "<" || peek().text == "<=" ||
           peek().text == ">" || peek().text == ">=")) {
        op = next().text;
      } else if (peek_name("in")) {
        next();
        op = "in";
      } else if (peek_name("not") && pos_ + 1 < toks_->size() && (*toks_)[pos_ + 1].kind == Token::Kind::Name &&
                 (*toks_)[pos_ + 1].text == "in") {
        next();
        next();
        op = "notin";
      } else {
        break;
      }
      if (!cmp) {
        cmp = make(Expr::Kind::Compare, start);
        cmp->args.push_back(std::move(e));
      }
      cmp->ops.push_back(op);
      cmp->args.push_back(parse_math1());
    }
    return cmp ? std::move(cmp) : std::move(e);
  }

  ExprPtr binary(ExprPtr lhs, const Token& t, ExprPtr rhs) {
    auto n = make(Expr::Kind::Binary, t);
    n->name = t.text;
    n->a = std::move(lhs);
    n->b = std::move(rhs);
    return n;
  }

  ExprPtr parse_math1() {
    ExprPtr e = parse_concat();
    while (peek_op("+") || peek_op("-")) {
      Token t = next();
      e = binary(std::move(e), t, parse_concat());
    }
    return e;
  }

  ExprPtr parse_concat() {
    ExprPtr e = parse_math2();
    while (peek_op("~")) {
      Token t = next();
      e = binary(std::move(e), t, parse_math2());
    }
    return e;
  }

  ExprPtr parse_math2() {
    ExprPtr e = parse_pow();
    while (peek_op("*") || peek_op("/") || peek_op("//") || peek_op("%")) {
      Token t = next();
      e = binary(std::move(e), t, parse_pow());
    }
    return e;
  }

  ExprPtr parse_pow() {
    ExprPtr e = parse_unary();
    while (peek_op("**")) {
      Token t = next();
      e = binary(std::move(e), t, parse_unary());
    }
    return e;
  }

  ExprPtr parse_unary(bool with_filter = true) {
    Depth guard(this);
    ExprPtr e;
    if (peek_op("-") || peek_op("+")) {
      Token t = next();
      e = make(t.text == "-" ? Expr::Kind::Neg : Expr::Kind::Pos, t);
      e->a = parse_unary(false);
    } else {
      e = parse_primary();
    }
    e = parse_postfix(std::move(e));
    if (with_filter) e = parse_filter_expr(std::move(e));
    return e;
  }

  ExprPtr parse_primary() {
    Token t = next();
    switch (t.kind) {
      case Token::Kind::Name: {
        if (t.text == "true" || t.text == "True" || t.text == "false" || t.text == "False") {
          auto e = make(Expr::Kind::Literal, t);
          e->literal = Value::boolean(t.text[0] == 't' || t.text[0] == 'T');
          return e;
        }
        if (t.text == "none" || t.text == "None") {
          auto e = make(Expr::Kind::Literal, t);
          e->literal = Value::none();
          return e;
        }
        auto e = make(Expr::Kind::Name, t);
        e->name = t.text;
        return e;
      }
      case Token::Kind::String: {
        std::string s = t.text;
        while (peek().kind == Token::Kind::String) s += next().text;  // adjacent literals concatenate
        auto e = make(Expr::Kind::Literal, t);
        e->literal = Value::string(s);
        return e;
      }
      case Token::Kind::Int: {
        auto e = make(Expr::Kind::Literal, t);
        e->literal = Value::integer(t.int_value);
        return e;
      }
      case Token::Kind::Float: {
        auto e = make(Expr::Kind::Literal, t);
        e->literal = Value::number(t.float_value);
        return e;
      }
      case Token::Kind::Op:
        if (t.text == "(") {
          if (peek_op(")")) {
            next();
            auto empty = make(Expr::Kind::ListLit, t);
            empty->name = "tuple";
            return empty;
          }
          ExprPtr e = parse_expression();
          if (peek_op(",")) {
            auto list = make(Expr::Kind::ListLit, t);
            list->name = "tuple";
            list->args.push_back(std::move(e));
            while (peek_op(",")) {
              next();
              if (peek_op(")")) break;
              list->args.push_back(parse_expression());
            }
            e = std::move(list);
          }
          expect_op(")");
          return e;
        }
        if (t.text == "[") {
          auto list = make(Expr::Kind::ListLit, t);
          while (!peek_op("]")) {
            list->args.push_back(parse_expression());
            if (!peek_op(",")) break;
            next();
          }
          expect_op("]");
          return list;
        }
        if (t.text == "{") {
          auto dict = make(Expr::Kind::DictLit, t);
          while (!peek_op("}")) {
            dict->args.push_back(parse_expression());
            expect_op(":");
            dict->args.push_back(parse_expression());
            if (!peek_op(",")) break;
            next();
          }
          expect_op("}");
          return dict;
        }
        break;
      default: break;
    }
    fail(t.kind == Token::Kind::End ? "unexpected end of expression" : "unexpected '" + t.text + "'", t);
  }

  ExprPtr parse_postfix(ExprPtr e) {
    while (true) {
      if (peek_op(".")) {
        Token t = next();
        Token n = next();
        auto g = make(Expr::Kind::GetAttr, t);
        if (n.kind == Token::Kind::Name) {
          g->name = n.text;
        } else if (n.kind == Token::Kind::Int) {
          g->kind = Expr::Kind::GetItem;
          g->b = make(Expr::Kind::Literal, n);
          g->b->literal = Value::integer(n.int_value);
        } else {
          fail("expected an attribute name", n);
        }
        g->a = std::move(e);
        e = std::move(g);
      } else if (peek_op("[")) {
        Token t = next();
        ExprPtr lo;
        ExprPtr hi;
        ExprPtr step;
        bool slice = false;
        if (!peek_op(":")) lo = parse_expression();
        if (peek_op(":")) {
          slice = true;
          next();
          if (!peek_op("]") && !peek_op(":")) hi = parse_expression();
          if (peek_op(":")) {
            next();
            if (!peek_op("]")) step = parse_expression();
          }
        }
        expect_op("]");
        auto g = make(slice ? Expr::Kind::Slice : Expr::Kind::GetItem, t);
        g->a = std::move(e);
        g->b = std::move(lo);
        g->c = std::move(hi);
        if (slice) g->args.push_back(std::move(step));
        e = std::move(g);
      } else if (peek_op("(")) {
        Token t = next();
        auto call = make(Expr::Kind::Call, t);
        call->line = e->line;  // errors point at the callee, not at '('
        call->column = e->column;
        call->a = std::move(e);
        parse_call_args(*call);
        e = std::move(call);
      } else {
        return e;
      }
    }
  }

  // After '(' was consumed: positional and keyword arguments up to ')'.
  void parse_call_args(Expr& call) {
    while (!peek_op(")")) {
      if (peek().kind == Token::Kind::Name && pos_ + 1 < toks_->size() &&
          (*toks_)[pos_ + 1].kind == Token::Kind::Op && (*toks_)[pos_ + 1].text == "=") {
        std::string key = next().text;
        next();
        call.kwargs.emplace_back(key, parse_expression());
      } else {
        if (!call.kwargs.empty()) fail("positional argument follows keyword argument", peek());
        call.args.push_back(parse_expression());
      }
      if (!peek_op(",")) break;
      next();
    }
    expect_op(")");
  }

  ExprPtr parse_filter(ExprPtr input) {
    Token n = expect_kind(Token::Kind::Name);
    std::string fname = n.text;
    while (peek_op(".")) {
      next();
      fname += "." + expect_kind(Token::Kind::Name).text;
    }
    auto f = make(Expr::Kind::Filter, n);
    f->name = fname;
    f->a = std::move(input);
    if (peek_op("(")) {
      next();
      parse_call_args(*f);
    }
    return f;
  }

  ExprPtr parse_filter_expr(ExprPtr e) {
    while (true) {
      if (peek_op("|")) {
        next();
        e = parse_filter(std::move(e));
      } else if (peek_name("is")) {
        next();
        bool neg = false;
        if (peek_name("not")) {
          next();
          neg = true;
        }
        Token n = expect_kind(Token::Kind::Name);
        std::string tname = n.text;
        auto t = make(Expr::Kind::Test, n);
        t->name = tname;
        t->negated = neg;
        t->a = std::move(e);
        if (peek_op("(")) {
          next();
          parse_call_args(*t);
        } else {
          const Token& p = peek();
          bool arg = p.kind == Token::Kind::String || p.kind == Token::Kind::Int || p.kind == Token::Kind::Float ||
                     (p.kind == Token::Kind::Op && (p.text == "[" || p.text == "{" || p.text == "-")) ||
                     (p.kind == Token::Kind::Name && p.text != "and" && p.text != "or" && p.text != "else" &&
                      p.text != "if" && p.text != "is" && p.text != "in" && p.text != "not");
          if (arg) {
            t->args.push_back(parse_postfix(parse_primary()));
          }
        }
        e = std::move(t);
      } else {
        return e;
      }
    }
  }

  // ---- token helpers ----
  const Token& peek() const { return (*toks_)[pos_]; }
  Token next() {
    Token t = (*toks_)[pos_];
    if (pos_ + 1 < toks_->size()) ++pos_;
    return t;
  }
  bool peek_op(const char* op) const { return peek().kind == Token::Kind::Op && peek().text == op; }
  bool peek_name(const char* name) const { return peek().kind == Token::Kind::Name && peek().text == name; }
  void expect_op(const char* op) {
    if (!peek_op(op)) fail(std::string("expected '") + op + "'" + describe(peek()), peek());
    next();
  }
  void expect_name(const char* name) {
    if (!peek_name(name)) fail(std::string("expected '") + name + "'" + describe(peek()), peek());
    next();
  }
  Token expect_kind(Token::Kind kind) {
    if (peek().kind != kind) fail("expected a name" + describe(peek()), peek());
    return next();
  }
  void expect_end() {
    if (peek().kind != Token::Kind::End) fail("expected end of tag" + describe(peek()), peek());
  }
  static std::string describe(const Token& t) {
    if (t.kind == Token::Kind::End) return ", got end of tag";
    return ", got '" + t.text + "'";
  }
  [[noreturn]] static void fail(const std::string& msg, const Token& t) { throw TemplateError(msg, t.line, t.column); }

  std::vector<Piece> pieces_;
  int depth_ = 0;
  int block_depth_ = 0;
  size_t index_ = 0;
  std::vector<Token>* toks_ = nullptr;
  size_t pos_ = 0;
};

}  // namespace

Body parse_template(const std::string& source, const RenderOptions& options) {
  // Like jinja2, newlines (\r\n, \r) become \n, and one trailing newline is dropped.
  std::string src;
  src.reserve(source.size());
  for (size_t k = 0; k < source.size(); ++k) {
    if (source[k] == '\r') {
      src += '\n';
      if (k + 1 < source.size() && source[k + 1] == '\n') ++k;
    } else {
      src += source[k];
    }
  }
  if (!options.keep_trailing_newline && !src.empty() && src.back() == '\n') src.pop_back();
  Scanner scanner(src, options);
  Parser parser(scanner.scan());
  return parser.parse_all();
}

}  // namespace cria::jinja
