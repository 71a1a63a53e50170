#pragma once
// The source pane: the selected frame's source text as recorded in the trace (never read from
// disk), Python highlighting, a gutter with line numbers, lines executed at least once (a thin
// bar, from the replayer's index), breakpoints (click the gutter to toggle) and an arrow on the
// current line, which is also highlighted across the text.

#include <QPlainTextEdit>

#include <vector>

namespace reel::gui {

class Session;
class PythonHighlighter;

class SourceView : public QPlainTextEdit {
    Q_OBJECT
  public:
    explicit SourceView(Session& session, QWidget* parent = nullptr);
    ~SourceView() override;

    // What is shown, for tests and the status bar. At an instruction without a line number the
    // current line is the last line the frame ran (Frame::shownLine), marked: currentRanLast().
    int currentLine() const { return currentLine_; }
    bool currentRanLast() const { return currentRanLast_; }
    // The current line is marked as an exception reaching the shown frame (red, not yellow).
    bool currentIsException() const { return currentIsException_; }
    QString fileName() const { return file_; }
    bool isExecuted(int line) const;
    void setDark(bool dark);

    int gutterWidth() const;
    // Toggles the breakpoint on `line` of the shown file (what a gutter click does).
    void toggleBreakpointAt(int line);
    // Sets (or replaces) the breakpoint on `line` with a hit condition (see Session); a
    // temporary one is deleted when it first stops a command (tbreak).
    void setBreakpointAt(int line, const QString& condition, bool temporary = false);
    // The line of the text cursor (1-based; where "Run to cursor" goes), and moving it there.
    int cursorLine() const;
    void moveCursorToLine(int line);
    // Actions shown in the context menus of the text and the gutter (Run to cursor, ...); they
    // act on the cursor line, which a right-click moves to the clicked line first.
    void setContextActions(const QList<QAction*>& actions) { contextActions_ = actions; }
    // The index in Session::breakpoints() of the breakpoint shown at `line` (its file names the
    // shown code's file as the Navigator matches it, e.g. by a path suffix), or -1.
    int breakpointAt(int line) const;
    int lineAtY(int y) const;

  protected:
    void resizeEvent(QResizeEvent* e) override;
    void contextMenuEvent(QContextMenuEvent* e) override;
    void changeEvent(QEvent* e) override;

  private:
    class Gutter;
    void refresh();
    void paintGutter(QPaintEvent* e);
    void updateSelections();

    Session& session_;
    Gutter* gutter_;
    PythonHighlighter* highlighter_;
    uint32_t shownSource_ = ~0u;  // SourceFile id shown; ~0u: none
    QString file_;
    int currentLine_ = -1;
    bool currentRanLast_ = false;
    bool currentIsException_ = false;
    std::vector<uint8_t> executed_;  // by line, for the shown file
    bool dark_ = false;
    QList<QAction*> contextActions_;
};

}  // namespace reel::gui
