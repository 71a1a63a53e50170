#include "widgets/PythonHighlighter.h"

#include <QStringList>

namespace reel::gui {

namespace {
enum State { Normal = 0, InTripleSingle = 1, InTripleDouble = 2 };
}

PythonHighlighter::PythonHighlighter(QTextDocument* doc) : QSyntaxHighlighter(doc) {
    const QStringList keywords = {
        "False",   "None",     "True",     "and",    "as",   "assert", "async",  "await",
        "break",   "class",    "continue", "def",    "del",  "elif",   "else",   "except",
        "finally", "for",      "from",     "global", "if",   "import", "in",     "is",
        "lambda",  "nonlocal", "not",      "or",     "pass", "raise",  "return", "try",
        "while",   "with",     "yield",    "match",  "case"};
    const QStringList builtins = {
        "print",    "len",       "range",        "int",          "str",       "float",
        "list",     "dict",      "set",          "tuple",        "bool",      "isinstance",
        "super",    "object",    "type",         "enumerate",    "zip",       "map",
        "filter",   "sorted",    "sum",          "min",          "max",       "abs",
        "open",     "repr",      "iter",         "next",         "Exception", "ValueError",
        "KeyError", "TypeError", "RuntimeError", "StopIteration"};
    setupFormats();
    rules_.push_back({QRegularExpression("\\b(" + keywords.join('|') + ")\\b"), &keyword_});
    rules_.push_back({QRegularExpression("\\b(" + builtins.join('|') + ")\\b"), &builtin_});
    rules_.push_back({QRegularExpression("\\b(self|cls)\\b"), &self_});
    rules_.push_back({QRegularExpression("\\b(?:def|class)\\s+([A-Za-z_]\\w*)"), &defName_, 1});
    rules_.push_back(
        {QRegularExpression(
             "\\b(?:0[xob][0-9a-fA-F_]+|\\d[\\d_]*(?:\\.\\d*)?(?:[eE][+-]?\\d+)?j?)\\b"),
         &number_});
    rules_.push_back({QRegularExpression("^\\s*@[\\w.]+"), &decorator_});
    // Strings and comments are scanned left to right in highlightBlock (a '#' inside a string is
    // not a comment, quotes inside a comment are not strings).
    stringStart_ = QRegularExpression(R"((?:[rRbBuUfF]{0,2})('''|"""|'|"|#))");
}

void PythonHighlighter::setDark(bool dark) {
    if (dark == dark_) return;
    dark_ = dark;
    setupFormats();
    rehighlight();
}

void PythonHighlighter::setupFormats() {
    auto fmt = [](QTextCharFormat& f, QColor c, bool bold = false, bool italic = false) {
        f = QTextCharFormat();
        f.setForeground(c);
        if (bold) f.setFontWeight(QFont::Bold);
        f.setFontItalic(italic);
    };
    if (dark_) {
        fmt(keyword_, QColor(0xC6, 0x78, 0xDD), true);
        fmt(builtin_, QColor(0x56, 0xB6, 0xC2));
        fmt(string_, QColor(0x98, 0xC3, 0x79));
        fmt(number_, QColor(0xD1, 0x9A, 0x66));
        fmt(comment_, QColor(0x7F, 0x84, 0x8E), false, true);
        fmt(decorator_, QColor(0xE5, 0xC0, 0x7B));
        fmt(defName_, QColor(0x61, 0xAF, 0xEF), true);
        fmt(self_, QColor(0xE0, 0x6C, 0x75), false, true);
    } else {
        fmt(keyword_, QColor(0x00, 0x33, 0xB3), true);
        fmt(builtin_, QColor(0x00, 0x80, 0x80));
        fmt(string_, QColor(0x06, 0x7D, 0x17));
        fmt(number_, QColor(0x17, 0x50, 0xEB));
        fmt(comment_, QColor(0x8C, 0x8C, 0x8C), false, true);
        fmt(decorator_, QColor(0x9E, 0x88, 0x0D));
        fmt(defName_, QColor(0x00, 0x62, 0x7A), true);
        fmt(self_, QColor(0x94, 0x55, 0x8D), false, true);
    }
}

int PythonHighlighter::continueMultiline(const QString& text) {
    const int state = previousBlockState();
    if (state != InTripleSingle && state != InTripleDouble) return 0;
    const QString close = state == InTripleSingle ? "'''" : "\"\"\"";
    const int end = text.indexOf(close);
    if (end < 0) {
        setFormat(0, int(text.size()), string_);
        setCurrentBlockState(state);
        return int(text.size());
    }
    setFormat(0, end + 3, string_);
    return end + 3;
}

void PythonHighlighter::highlightBlock(const QString& text) {
    setCurrentBlockState(Normal);
    for (const Rule& r : rules_) {
        auto it = r.re.globalMatch(text);
        while (it.hasNext()) {
            auto m = it.next();
            setFormat(int(m.capturedStart(r.group)), int(m.capturedLength(r.group)), *r.format);
        }
    }
    int pos = continueMultiline(text);
    while (pos < text.size()) {
        auto m = stringStart_.match(text, pos);
        if (!m.hasMatch()) break;
        const int start = int(m.capturedStart());
        const QString q = m.captured(1);
        if (q == "#") {
            setFormat(int(m.capturedStart(1)), int(text.size()) - int(m.capturedStart(1)),
                      comment_);
            break;
        }
        int from = int(m.capturedEnd());
        int end = -1;
        if (q.size() == 3) {
            end = text.indexOf(q, from);
            if (end < 0) {
                setFormat(start, int(text.size()) - start, string_);
                setCurrentBlockState(q == "'''" ? InTripleSingle : InTripleDouble);
                return;
            }
            end += 3;
        } else {
            for (int i = from; i < text.size(); ++i) {
                if (text[i] == '\\') {
                    ++i;
                } else if (text[i] == q[0]) {
                    end = i + 1;
                    break;
                }
            }
            if (end < 0) end = int(text.size());
        }
        setFormat(start, end - start, string_);
        pos = end;
    }
}

}  // namespace reel::gui
