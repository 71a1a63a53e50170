#pragma once
// Python syntax colouring for the source pane: keywords, builtins, strings (including triple-
// quoted ones spanning lines), numbers, comments, decorators. Colours adapt to the palette's
// lightness so both themes stay readable.

#include <QRegularExpression>
#include <QSyntaxHighlighter>
#include <QTextCharFormat>

namespace reel::gui {

class PythonHighlighter : public QSyntaxHighlighter {
    Q_OBJECT
  public:
    explicit PythonHighlighter(QTextDocument* doc);
    void setDark(bool dark);

  protected:
    void highlightBlock(const QString& text) override;

  private:
    struct Rule {
        QRegularExpression re;
        QTextCharFormat* format;
        int group = 0;
    };
    void setupFormats();
    // Continues a triple-quoted string from the previous block; returns where scanning resumes.
    int continueMultiline(const QString& text);

    bool dark_ = false;
    QTextCharFormat keyword_, builtin_, string_, number_, comment_, decorator_, defName_, self_;
    std::vector<Rule> rules_;
    QRegularExpression stringStart_;
};

}  // namespace reel::gui
