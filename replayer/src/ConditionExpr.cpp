#include "reel/replayer/ConditionExpr.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>

namespace reel::replayer {

namespace {

struct Token {
    enum class Kind : uint8_t {
        Name,
        Int,
        Float,
        Str,
        Op,
        LParen,
        RParen,
        LBracket,
        RBracket,
        Dot,
        End
    };
    Kind kind = Kind::End;
    std::string text;  // Name, Op, numbers as written; Str: decoded content
    size_t pos = 0;    // column in the expression, for messages
};

void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

class Lexer {
  public:
    explicit Lexer(std::string_view s) : s_(s) {}

    std::vector<Token> run() {
        std::vector<Token> out;
        while (true) {
            while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
            Token t;
            t.pos = i_;
            if (i_ >= s_.size()) {
                out.push_back(t);
                return out;
            }
            const char c = s_[i_];
            if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
                static_cast<unsigned char>(c) >= 0x80) {
                size_t b = i_++;
                while (i_ < s_.size() &&
                       (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' ||
                        static_cast<unsigned char>(s_[i_]) >= 0x80))
                    ++i_;
                t.kind = Token::Kind::Name;
                t.text = std::string(s_.substr(b, i_ - b));
            } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                       (c == '.' && i_ + 1 < s_.size() &&
                        std::isdigit(static_cast<unsigned char>(s_[i_ + 1])))) {
                number(t);
            } else if (c == '\'' || c == '"') {
                string(t);
            } else if (c == '(' || c == ')' || c == '[' || c == ']' || c == '.') {
                t.kind = c == '('   ? Token::Kind::LParen
                         : c == ')' ? Token::Kind::RParen
                         : c == '[' ? Token::Kind::LBracket
                         : c == ']' ? Token::Kind::RBracket
                                    : Token::Kind::Dot;
                t.text = std::string(1, c);
                ++i_;
            } else if (c == '=' || c == '!' || c == '<' || c == '>') {
                std::string op(1, c);
                ++i_;
                if (i_ < s_.size() && s_[i_] == '=') {
                    op += '=';
                    ++i_;
                }
                if (op == "=" || op == "!")
                    throw ExprSyntaxError("'" + op + "' at column " + std::to_string(t.pos + 1) +
                                          " is not an operator (comparisons: == != < <= > >= in)");
                t.kind = Token::Kind::Op;
                t.text = op;
            } else if (c == '-' && i_ + 1 < s_.size() &&
                       (std::isdigit(static_cast<unsigned char>(s_[i_ + 1])) ||
                        s_[i_ + 1] == '.')) {
                ++i_;
                number(t);
                t.text = "-" + t.text;
            } else {
                throw ExprSyntaxError("unexpected '" + std::string(1, c) + "' at column " +
                                      std::to_string(i_ + 1));
            }
            out.push_back(std::move(t));
        }
    }

  private:
    void number(Token& t) {
        size_t b = i_;
        bool isFloat = false;
        auto digits = [&] {
            while (i_ < s_.size() &&
                   (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_'))
                ++i_;
        };
        digits();
        if (i_ < s_.size() && s_[i_] == '.' &&
            !(i_ + 1 < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_ + 1])))) {
            isFloat = true;
            ++i_;
            digits();
        }
        if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
            size_t save = i_++;
            if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
            if (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) {
                isFloat = true;
                digits();
            } else {
                i_ = save;
            }
        }
        if (i_ < s_.size() && (std::isalpha(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_'))
            throw ExprSyntaxError("bad number at column " + std::to_string(b + 1));
        std::string text;
        for (char ch : s_.substr(b, i_ - b))
            if (ch != '_') text += ch;
        t.kind = isFloat ? Token::Kind::Float : Token::Kind::Int;
        t.text = text;
    }

    uint32_t hex(size_t n, size_t at) {
        if (i_ + n > s_.size())
            throw ExprSyntaxError("truncated escape in string at column " + std::to_string(at + 1));
        uint32_t v = 0;
        for (size_t k = 0; k < n; ++k) {
            char h = s_[i_++];
            if (!std::isxdigit(static_cast<unsigned char>(h)))
                throw ExprSyntaxError("bad escape in string at column " + std::to_string(at + 1));
            v = v * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h))
                                                   ? h - '0'
                                                   : (std::tolower(h) - 'a' + 10));
        }
        return v;
    }

    void string(Token& t) {
        const char quote = s_[i_];
        const size_t start = i_++;
        std::string out;
        while (true) {
            if (i_ >= s_.size())
                throw ExprSyntaxError("unterminated string starting at column " +
                                      std::to_string(start + 1));
            char c = s_[i_++];
            if (c == quote) break;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size())
                throw ExprSyntaxError("unterminated string starting at column " +
                                      std::to_string(start + 1));
            const size_t at = i_ - 1;
            char e = s_[i_++];
            switch (e) {
                case '\\':
                    out += '\\';
                    break;
                case '\'':
                    out += '\'';
                    break;
                case '"':
                    out += '"';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case '0':
                    out += '\0';
                    break;
                case 'x':
                    appendUtf8(out, hex(2, at));
                    break;
                case 'u':
                    appendUtf8(out, hex(4, at));
                    break;
                case 'U': {
                    uint32_t cp = hex(8, at);
                    if (cp > 0x10FFFF)
                        throw ExprSyntaxError("bad \\U escape at column " + std::to_string(at + 1));
                    appendUtf8(out, cp);
                    break;
                }
                default:
                    throw ExprSyntaxError("unknown escape '\\" + std::string(1, e) +
                                          "' at column " + std::to_string(at + 1));
            }
        }
        t.kind = Token::Kind::Str;
        t.text = std::move(out);
    }

    std::string_view s_;
    size_t i_ = 0;
};

// Canonical decimal form of an int literal: optional '-', no leading zeros, "0" for zero.
std::string canonicalDigits(const std::string& s) {
    bool neg = !s.empty() && s[0] == '-';
    size_t b = neg ? 1 : 0;
    while (b + 1 < s.size() && s[b] == '0') ++b;
    std::string mag = s.substr(b);
    if (mag == "0") neg = false;
    return (neg ? "-" : "") + mag;
}

std::string quoted(const std::string& s) {
    std::string q = "'";
    for (char c : s) {
        if (c == '\'' || c == '\\') q += '\\';
        q += c;
    }
    return q + "'";
}

std::string describe(const Operand& v) {
    return v.rendered.empty() ? "?" : v.rendered;
}

const char* kindName(Operand::Kind k) {
    switch (k) {
        case Operand::Kind::None:
            return "NoneType";
        case Operand::Kind::Bool:
            return "bool";
        case Operand::Kind::Int:
            return "int";
        case Operand::Kind::Float:
            return "float";
        case Operand::Kind::Str:
            return "str";
        case Operand::Kind::Other:
            return "object";
    }
    return "object";
}

bool numeric(const Operand& v) {
    return v.kind == Operand::Kind::Int || v.kind == Operand::Kind::Float ||
           v.kind == Operand::Kind::Bool;
}

// Exact comparison of two canonical decimal strings.
int compareDigits(const std::string& a, const std::string& b) {
    const bool na = !a.empty() && a[0] == '-', nb = !b.empty() && b[0] == '-';
    if (na != nb) return na ? -1 : 1;
    std::string_view ma = std::string_view(a).substr(na), mb = std::string_view(b).substr(nb);
    int mag = ma.size() != mb.size() ? (ma.size() < mb.size() ? -1 : 1)
                                     : (ma < mb ? -1 : (ma > mb ? 1 : 0));
    return na ? -mag : mag;
}

}  // namespace

Operand literalOperand(const Literal& lit) {
    Operand v;
    switch (lit.kind) {
        case Literal::Kind::None:
            v.kind = Operand::Kind::None;
            v.rendered = "None";
            break;
        case Literal::Kind::Bool:
            v.kind = Operand::Kind::Bool;
            v.boolValue = lit.boolValue;
            v.number = lit.boolValue ? 1 : 0;
            v.rendered = lit.boolValue ? "True" : "False";
            break;
        case Literal::Kind::Int:
            v.kind = Operand::Kind::Int;
            v.digits = lit.digits;
            v.number = lit.number;
            v.rendered = lit.digits;
            break;
        case Literal::Kind::Float:
            v.kind = Operand::Kind::Float;
            v.number = lit.number;
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.17g", lit.number);
            v.rendered = buf;
            break;
        case Literal::Kind::Str: {
            v.kind = Operand::Kind::Str;
            v.text = lit.text;
            uint64_t n = 0;
            for (unsigned char c : lit.text) n += (c & 0xC0) != 0x80;
            v.fullLength = n;
            v.rendered = quoted(lit.text);
            break;
        }
    }
    return v;
}

bool operandsEqual(const Operand& a, const Operand& b) {
    if (numeric(a) && numeric(b)) {
        auto exact = [](const Operand& v) {
            return v.kind == Operand::Kind::Int && !v.digits.empty();
        };
        if (exact(a) && exact(b)) return compareDigits(a.digits, b.digits) == 0;
        if (a.kind == Operand::Kind::Bool && b.kind == Operand::Kind::Int && !b.digits.empty())
            return b.digits == (a.boolValue ? "1" : "0");
        if (b.kind == Operand::Kind::Bool && a.kind == Operand::Kind::Int && !a.digits.empty())
            return a.digits == (b.boolValue ? "1" : "0");
        return a.number == b.number;
    }
    if (a.kind == Operand::Kind::Str && b.kind == Operand::Kind::Str) {
        if (a.fullLength != b.fullLength) return false;
        // A string longer than the recorder's limit is known by its prefix only: compare what
        // both sides have (documented in docs/guide.md).
        if (a.truncated || b.truncated) {
            size_t n = std::min(a.text.size(), b.text.size());
            return a.text.compare(0, n, b.text, 0, n) == 0;
        }
        return a.text == b.text;
    }
    if (a.kind == Operand::Kind::None || b.kind == Operand::Kind::None) return a.kind == b.kind;
    if (a.kind == Operand::Kind::Other && b.kind == Operand::Kind::Other)
        return a.rendered == b.rendered;
    return false;
}

int compareOperands(const Operand& a, const Operand& b, const char* op) {
    if (numeric(a) && numeric(b)) {
        auto exact = [](const Operand& v) {
            return v.kind == Operand::Kind::Int && !v.digits.empty();
        };
        if (exact(a) && exact(b)) return compareDigits(a.digits, b.digits);
        if (std::isnan(a.number) || std::isnan(b.number)) return 2;  // every ordering is false
        return a.number < b.number ? -1 : (a.number > b.number ? 1 : 0);
    }
    if (a.kind == Operand::Kind::Str && b.kind == Operand::Kind::Str) {
        if (a.truncated || b.truncated)
            throw EvalError("cannot order " + describe(a.truncated ? a : b) +
                            ": only a prefix of the string was recorded");
        // UTF-8 byte order is code point order, which is how Python orders str.
        int c = a.text.compare(b.text);
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    throw EvalError(std::string("'") + op + "' not supported between " + kindName(a.kind) + " " +
                    describe(a) + " and " + kindName(b.kind) + " " + describe(b));
}

bool truthValue(const Operand& v) {
    switch (v.kind) {
        case Operand::Kind::None:
            return false;
        case Operand::Kind::Bool:
            return v.boolValue;
        case Operand::Kind::Int:
            return v.digits.empty() ? true : v.digits != "0";
        case Operand::Kind::Float:
            return v.number != 0;
        case Operand::Kind::Str:
            return v.fullLength != 0;
        case Operand::Kind::Other:
            return v.container ? v.fullLength != 0 : true;
    }
    return true;
}

// --- the tree ----------------------------------------------------------------------------------

struct ConditionExpr::Node {
    enum class Kind : uint8_t { Or, And, Not, Compare, Truth };
    Kind kind = Kind::Truth;
    uint32_t height = 1;                      // longest path to a leaf, bounded by kMaxDepth
    std::shared_ptr<const Node> left, right;  // Or/And: both; Not: left
    std::string op;                           // Compare
    // Compare/Truth operands: a path or a literal.
    struct Term {
        std::optional<ValuePath> path;
        Literal literal;
    };
    Term a, b;
};

namespace {

using Node = ConditionExpr::Node;

// Parsing, evaluating and freeing the tree all recurse, so a pasted or generated expression
// thousands of levels deep would overflow the stack. Python itself stops at 200 nested
// parentheses; a breakpoint condition has no use for more than this.
constexpr uint32_t kMaxDepth = 100;

class Parser {
  public:
    Parser(std::vector<Token> toks, std::string_view text) : t_(std::move(toks)), text_(text) {}

    std::shared_ptr<const Node> expression() {
        auto n = orExpr();
        if (peek().kind != Token::Kind::End) fail("unexpected '" + peek().text + "'");
        return n;
    }

    ValuePath pathOnly() {
        if (peek().kind != Token::Kind::Name || keyword(peek().text)) fail("expected a name");
        ValuePath p = path();
        if (peek().kind != Token::Kind::End)
            fail("unexpected '" + peek().text + "' after the name");
        return p;
    }

  private:
    static bool keyword(const std::string& s) {
        return s == "and" || s == "or" || s == "not" || s == "in" || s == "None" || s == "True" ||
               s == "False";
    }
    const Token& peek(size_t k = 0) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
    Token take() { return t_[std::min(i_++, t_.size() - 1)]; }
    bool isName(const char* s, size_t k = 0) const {
        return peek(k).kind == Token::Kind::Name && peek(k).text == s;
    }
    [[noreturn]] void fail(const std::string& what) const {
        const Token& t = peek();
        throw ExprSyntaxError(t.kind == Token::Kind::End
                                  ? what + " at the end of the expression"
                                  : what + " at column " + std::to_string(t.pos + 1));
    }

    [[noreturn]] void tooDeep() const {
        fail("expression nested too deeply (at most " + std::to_string(kMaxDepth) + " levels)");
    }
    // Counts the parser's own recursion ('(' and 'not'), which builds no node for parentheses.
    struct Nesting {
        Parser& p;
        explicit Nesting(Parser& parser) : p(parser) {
            if (++p.depth_ > kMaxDepth) p.tooDeep();
        }
        ~Nesting() { --p.depth_; }
        Nesting(const Nesting&) = delete;
        Nesting& operator=(const Nesting&) = delete;
    };
    // A chain `a or b or c ...` is parsed in a loop but builds a left-deep tree: bound its height.
    std::shared_ptr<Node> joined(Node::Kind kind, std::shared_ptr<const Node> left,
                                 std::shared_ptr<const Node> right) const {
        auto x = std::make_shared<Node>();
        x->kind = kind;
        x->height = 1 + std::max(left->height, right ? right->height : 0);
        if (x->height > kMaxDepth) tooDeep();
        x->left = std::move(left);
        x->right = std::move(right);
        return x;
    }

    std::shared_ptr<const Node> orExpr() {
        auto n = andExpr();
        while (isName("or")) {
            take();
            auto r = andExpr();
            n = joined(Node::Kind::Or, std::move(n), std::move(r));
        }
        return n;
    }
    std::shared_ptr<const Node> andExpr() {
        auto n = notExpr();
        while (isName("and")) {
            take();
            auto r = notExpr();
            n = joined(Node::Kind::And, std::move(n), std::move(r));
        }
        return n;
    }
    std::shared_ptr<const Node> notExpr() {
        if (isName("not")) {
            Nesting nested(*this);
            take();
            return joined(Node::Kind::Not, notExpr(), nullptr);
        }
        return primary();
    }
    std::shared_ptr<const Node> primary() {
        if (peek().kind == Token::Kind::LParen) {
            Nesting nested(*this);
            take();
            auto n = orExpr();
            if (peek().kind != Token::Kind::RParen) fail("expected ')'");
            take();
            return n;
        }
        auto x = std::make_shared<Node>();
        x->a = term();
        std::string op;
        if (peek().kind == Token::Kind::Op) {
            op = take().text;
        } else if (isName("in")) {
            take();
            op = "in";
        } else if (isName("not") && isName("in", 1)) {
            take();
            take();
            op = "not in";
        }
        if (op.empty()) {
            x->kind = Node::Kind::Truth;
            return x;
        }
        x->kind = Node::Kind::Compare;
        x->op = op;
        x->b = term();
        if ((op == "in" || op == "not in") && !x->b.path)
            fail("the right side of '" + op + "' must be a name");
        return x;
    }
    Node::Term term() {
        Node::Term t;
        const Token& k = peek();
        switch (k.kind) {
            case Token::Kind::Name:
                if (k.text == "None") {
                    take();
                    t.literal.kind = Literal::Kind::None;
                } else if (k.text == "True" || k.text == "False") {
                    t.literal.kind = Literal::Kind::Bool;
                    t.literal.boolValue = take().text == "True";
                } else if (keyword(k.text)) {
                    fail("unexpected '" + k.text + "'");
                } else {
                    t.path = path();
                }
                return t;
            case Token::Kind::Int:
            case Token::Kind::Float:
            case Token::Kind::Str:
                t.literal = literal(take());
                return t;
            default:
                fail(k.kind == Token::Kind::End
                         ? "expected a name or a value"
                         : "expected a name or a value, not '" + k.text + "'");
        }
    }
    static Literal literal(const Token& t) {
        Literal l;
        if (t.kind == Token::Kind::Str) {
            l.kind = Literal::Kind::Str;
            l.text = t.text;
        } else if (t.kind == Token::Kind::Int) {
            l.kind = Literal::Kind::Int;
            l.digits = canonicalDigits(t.text);
            l.number = std::strtod(t.text.c_str(), nullptr);
        } else {
            l.kind = Literal::Kind::Float;
            l.number = std::strtod(t.text.c_str(), nullptr);
        }
        return l;
    }
    ValuePath path() {
        ValuePath p;
        const size_t begin = peek().pos;
        p.name = take().text;
        while (true) {
            if (peek().kind == Token::Kind::Dot) {
                take();
                if (peek().kind != Token::Kind::Name) fail("expected an attribute name after '.'");
                ValuePath::Step s;
                s.kind = ValuePath::Step::Kind::Attr;
                s.attr = take().text;
                p.steps.push_back(std::move(s));
            } else if (peek().kind == Token::Kind::LBracket) {
                take();
                const Token& k = peek();
                if (k.kind != Token::Kind::Int && k.kind != Token::Kind::Str)
                    fail("expected an integer or a string inside '[ ]'");
                ValuePath::Step s;
                s.kind = ValuePath::Step::Kind::Index;
                s.key = literal(take());
                if (peek().kind != Token::Kind::RBracket) fail("expected ']'");
                take();
                p.steps.push_back(std::move(s));
            } else {
                break;
            }
        }
        // The path as written (for messages): from its first token to the next one.
        const size_t end =
            std::min(peek().kind == Token::Kind::End ? text_.size() : peek().pos, text_.size());
        p.text = std::string(text_.substr(begin, end - begin));
        while (!p.text.empty() && std::isspace(static_cast<unsigned char>(p.text.back())))
            p.text.pop_back();
        return p;
    }

    std::vector<Token> t_;
    std::string_view text_;
    size_t i_ = 0;
    uint32_t depth_ = 0;
};

Operand value(const Node::Term& t, OperandSource& src) {
    return t.path ? src.resolve(*t.path) : literalOperand(t.literal);
}

bool eval(const Node& n, OperandSource& src) {
    switch (n.kind) {
        case Node::Kind::Or:
            return eval(*n.left, src) || eval(*n.right, src);
        case Node::Kind::And:
            return eval(*n.left, src) && eval(*n.right, src);
        case Node::Kind::Not:
            return !eval(*n.left, src);
        case Node::Kind::Truth:
            return truthValue(value(n.a, src));
        case Node::Kind::Compare:
            break;
    }
    const Operand a = value(n.a, src);
    if (n.op == "in" || n.op == "not in") {
        const Operand b = src.resolve(*n.b.path);
        bool found = false;
        if (b.kind == Operand::Kind::Str) {
            if (a.kind != Operand::Kind::Str)
                throw EvalError("'in <string>' requires a string on the left, not " + describe(a));
            found = b.text.find(a.text) != std::string::npos;
            if (!found && b.truncated)
                throw EvalError("cannot tell whether " + describe(a) + " is in " + n.b.path->text +
                                ": only a prefix of the string was recorded");
        } else {
            for (const Operand& e : src.elements(*n.b.path))
                if (operandsEqual(a, e)) {
                    found = true;
                    break;
                }
        }
        return n.op == "in" ? found : !found;
    }
    const Operand b = value(n.b, src);
    if (n.op == "==") return operandsEqual(a, b);
    if (n.op == "!=") return !operandsEqual(a, b);
    const int c = compareOperands(a, b, n.op.c_str());
    if (c == 2) return false;
    if (n.op == "<") return c < 0;
    if (n.op == "<=") return c <= 0;
    if (n.op == ">") return c > 0;
    return c >= 0;  // ">="
}

void collectNames(const Node& n, std::vector<std::string>& out) {
    if (n.a.path) out.push_back(n.a.path->name);
    if (n.b.path) out.push_back(n.b.path->name);
    if (n.left) collectNames(*n.left, out);
    if (n.right) collectNames(*n.right, out);
}

}  // namespace

ConditionExpr ConditionExpr::parse(std::string_view text) {
    ConditionExpr e;
    e.text_ = std::string(text);
    auto toks = Lexer(text).run();
    if (toks.size() == 1) throw ExprSyntaxError("empty expression");
    e.root_ = Parser(std::move(toks), text).expression();
    return e;
}

ValuePath ConditionExpr::parsePath(std::string_view text) {
    auto toks = Lexer(text).run();
    if (toks.size() == 1) throw ExprSyntaxError("expected a name");
    return Parser(std::move(toks), text).pathOnly();
}

bool ConditionExpr::evaluate(OperandSource& source) const {
    return eval(*root_, source);
}

std::vector<std::string> ConditionExpr::names() const {
    std::vector<std::string> out;
    if (root_) collectNames(*root_, out);
    return out;
}

}  // namespace reel::replayer
