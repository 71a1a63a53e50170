#include "widgets/SourceView.h"

#include <QContextMenuEvent>
#include <QFontDatabase>
#include <QInputDialog>
#include <QLineEdit>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QTextBlock>

#include <memory>

#include "models/Session.h"
#include "reel/replayer/FrameLine.h"
#include "widgets/PythonHighlighter.h"
#include "widgets/TabStop.h"

namespace reel::gui {

class SourceView::Gutter : public QWidget {
  public:
    explicit Gutter(SourceView* view) : QWidget(view), view_(view) {
        setCursor(Qt::PointingHandCursor);
        setToolTip(tr("Click to toggle a breakpoint"));
    }
    QSize sizeHint() const override { return {view_->gutterWidth(), 0}; }

  protected:
    void paintEvent(QPaintEvent* e) override { view_->paintGutter(e); }
    void mousePressEvent(QMouseEvent* e) override {
        if (e->button() != Qt::LeftButton) return;
        const int line = view_->lineAtY(int(e->position().y()));
        if (line > 0) view_->toggleBreakpointAt(line);
    }
    void contextMenuEvent(QContextMenuEvent* e) override {
        const int line = view_->lineAtY(e->pos().y());
        if (line <= 0) return;
        QMenu menu(this);
        menu.addAction(tr("Toggle breakpoint"), view_,
                       [this, line] { view_->toggleBreakpointAt(line); });
        menu.addAction(tr("Conditional breakpoint..."), view_, [this, line] {
            bool ok = false;
            const QString cond =
                QInputDialog::getText(view_, tr("Conditional breakpoint"),
                                      tr("Stop at line %1 when (e.g. total > 10 and "
                                         "name == 'bolt', as in reel replay's break ... if):")
                                          .arg(line),
                                      QLineEdit::Normal, QString(), &ok);
            if (ok) view_->setBreakpointAt(line, cond);
        });
        menu.addAction(tr("Temporary breakpoint (deleted when hit)"), view_,
                       [this, line] { view_->setBreakpointAt(line, {}, true); });
        if (!view_->contextActions_.isEmpty()) {
            view_->moveCursorToLine(line);
            menu.addSeparator();
            menu.addActions(view_->contextActions_);
        }
        menu.exec(e->globalPos());
    }

  private:
    SourceView* view_;
};

SourceView::SourceView(Session& session, QWidget* parent)
    : QPlainTextEdit(parent),
      session_(session),
      gutter_(new Gutter(this)),
      highlighter_(new PythonHighlighter(document())) {
    setObjectName("sourceView");
    setReadOnly(true);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setTabStopDistance(pythonTabStop(font()));
    setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    connect(this, &QPlainTextEdit::blockCountChanged, this,
            [this] { setViewportMargins(gutterWidth(), 0, 0, 0); });
    connect(this, &QPlainTextEdit::updateRequest, this, [this](const QRect& r, int dy) {
        if (dy)
            gutter_->scroll(0, dy);
        else
            gutter_->update(0, r.y(), gutter_->width(), r.height());
    });
    connect(&session_, &Session::selectionChanged, this, &SourceView::refresh);
    connect(&session_, &Session::closed, this, &SourceView::refresh);
    // Another trace: its source ids say nothing about what is shown now.
    connect(&session_, &Session::opened, this, [this] { shownSource_ = ~0u; });
    connect(&session_, &Session::breakpointsChanged, gutter_, qOverload<>(&QWidget::update));
    setViewportMargins(gutterWidth(), 0, 0, 0);
    refresh();
}

SourceView::~SourceView() = default;

void SourceView::setDark(bool dark) {
    dark_ = dark;
    highlighter_->setDark(dark);
    updateSelections();
    gutter_->update();
}

void SourceView::changeEvent(QEvent* e) {
    QPlainTextEdit::changeEvent(e);
    if (e->type() == QEvent::PaletteChange)
        setDark(palette().color(QPalette::Base).lightness() < 128);
    if (e->type() == QEvent::FontChange) setTabStopDistance(pythonTabStop(font()));
}

int SourceView::gutterWidth() const {
    int digits = 1;
    for (int n = std::max(1, blockCount()); n >= 10; n /= 10) ++digits;
    // number, then room for the breakpoint dot and the current-line arrow
    return fontMetrics().horizontalAdvance(QLatin1Char('9')) * std::max(digits, 3) + 30;
}

void SourceView::resizeEvent(QResizeEvent* e) {
    QPlainTextEdit::resizeEvent(e);
    const QRect cr = contentsRect();
    gutter_->setGeometry(QRect(cr.left(), cr.top(), gutterWidth(), cr.height()));
}

bool SourceView::isExecuted(int line) const {
    return line >= 0 && size_t(line) < executed_.size() && executed_[size_t(line)];
}

void SourceView::refresh() {
    const format::CodeObject* code = session_.isOpen() ? session_.code() : nullptr;
    const format::SourceFile* src = session_.isOpen() ? session_.source() : nullptr;
    const uint32_t srcId = src ? src->id : (code ? ~1u : ~0u);
    if (srcId != shownSource_) {
        shownSource_ = srcId;
        if (src) {
            setPlainText(QString::fromStdString(src->text));
        } else if (code) {
            setPlainText(
                tr("# No source was recorded for %1").arg(QString::fromStdString(code->filename)));
        } else {
            setPlainText({});
        }
        // Lines executed at least once by any code object of this file (not only the current
        // function), from the replayer's index, so the gutter marks the whole file.
        executed_.assign(size_t(blockCount()) + 2, 0);
        if (src) {
            for (const auto& c : session_.defs().codes) {
                if (c.sourceId != src->id) continue;
                for (int32_t l : session_.replayer().executedLines(c.id))
                    if (l >= 0 && size_t(l) < executed_.size()) executed_[size_t(l)] = 1;
            }
        }
    }
    file_ = code ? QString::fromStdString(code->filename) : QString();
    const replayer::Frame* f = code ? session_.frame() : nullptr;
    // At an instruction without a line number, the last line the frame ran, marked (a hollow
    // arrow, a paler band); before its first line, the line it starts at: the replayer's rule
    // (displayLine), as `reel replay` shows it.
    currentLine_ = f && src ? replayer::displayLine(*f, *code) : -1;
    currentRanLast_ = f && f->lineless() && f->shownLine() >= 1;
    // Red only in the frame the exception reached: with another thread pinned in the stack
    // pane, that thread's innermost frame is not where the current event happened.
    currentIsException_ = f && session_.state().kind == format::RecordKind::Exception &&
                          f == session_.state().eventFrame();
    updateSelections();
    if (currentLine_ > 0) {
        QTextBlock b = document()->findBlockByNumber(currentLine_ - 1);
        if (b.isValid()) {
            // Keep the current line away from the edges: recentre only when it left the view.
            const QRectF r = blockBoundingGeometry(b).translated(contentOffset());
            if (r.top() < 0 || r.bottom() > viewport()->height()) {
                QTextCursor c(b);
                setTextCursor(c);
                centerCursor();
            }
        }
    }
    gutter_->update();
}

void SourceView::updateSelections() {
    QList<QTextEdit::ExtraSelection> sel;
    if (currentLine_ > 0) {
        QTextBlock b = document()->findBlockByNumber(currentLine_ - 1);
        if (b.isValid()) {
            QTextEdit::ExtraSelection s;
            QColor bg = currentIsException_ ? QColor(230, 60, 60, dark_ ? 110 : 70)
                                            : QColor(255, 200, 40, dark_ ? 90 : 110);
            if (currentRanLast_) bg.setAlpha(bg.alpha() / 2);
            s.format.setBackground(bg);
            s.format.setProperty(QTextFormat::FullWidthSelection, true);
            s.cursor = QTextCursor(b);
            s.cursor.clearSelection();
            sel << s;
        }
    }
    setExtraSelections(sel);
}

int SourceView::lineAtY(int y) const {
    QTextBlock b = firstVisibleBlock();
    while (b.isValid()) {
        const QRectF r = blockBoundingGeometry(b).translated(contentOffset());
        if (y >= r.top() && y < r.bottom()) return b.blockNumber() + 1;
        if (r.top() > y) break;
        b = b.next();
    }
    return -1;
}

int SourceView::breakpointAt(int line) const {
    const format::CodeObject* code = session_.isOpen() ? session_.code() : nullptr;
    return code ? session_.breakpointIndex(*code, line) : -1;
}

void SourceView::toggleBreakpointAt(int line) {
    if (file_.isEmpty() || shownSource_ >= ~1u) return;
    // The dot may stand for a breakpoint named by a path suffix (`--break inventory.py:12`):
    // clicking it removes that one.
    if (const int i = breakpointAt(line); i >= 0)
        session_.removeBreakpointAt(i);
    else
        session_.toggleBreakpoint(file_, line);
}

void SourceView::setBreakpointAt(int line, const QString& condition, bool temporary) {
    if (file_.isEmpty() || shownSource_ >= ~1u) return;
    if (const int i = breakpointAt(line); i >= 0) session_.removeBreakpointAt(i);  // replace it
    session_.toggleBreakpoint(file_, line, condition, temporary);
}

int SourceView::cursorLine() const {
    return textCursor().blockNumber() + 1;
}

void SourceView::moveCursorToLine(int line) {
    QTextBlock b = document()->findBlockByNumber(line - 1);
    if (b.isValid()) setTextCursor(QTextCursor(b));
}

void SourceView::contextMenuEvent(QContextMenuEvent* e) {
    // The clicked line is the one "Run to cursor" goes to, as in an IDE.
    const QTextCursor at = cursorForPosition(e->pos());
    if (!textCursor().hasSelection()) setTextCursor(at);
    std::unique_ptr<QMenu> menu(createStandardContextMenu(e->pos()));
    if (!contextActions_.isEmpty()) {
        QAction* first = menu->actions().isEmpty() ? nullptr : menu->actions().first();
        menu->insertActions(first, contextActions_);
        if (first) menu->insertSeparator(first);
    }
    menu->exec(e->globalPos());
}

void SourceView::paintGutter(QPaintEvent* e) {
    QPainter p(gutter_);
    const QPalette pal = palette();
    p.fillRect(e->rect(), pal.color(QPalette::AlternateBase));
    const int w = gutter_->width();
    const int fh = fontMetrics().height();
    QTextBlock b = firstVisibleBlock();
    const QColor numberColor = pal.color(QPalette::PlaceholderText);
    while (b.isValid()) {
        const QRectF r = blockBoundingGeometry(b).translated(contentOffset());
        if (r.top() > e->rect().bottom()) break;
        const int line = b.blockNumber() + 1;
        const int y = int(r.top());
        if (r.bottom() >= e->rect().top() && b.isVisible()) {
            if (isExecuted(line)) p.fillRect(w - 4, y, 3, fh, QColor(60, 170, 90));
            if (line == currentLine_) {
                QPainterPath arrow;
                arrow.moveTo(w - 17, y + 3);
                arrow.lineTo(w - 8, y + fh / 2.0);
                arrow.lineTo(w - 17, y + fh - 3);
                arrow.closeSubpath();
                p.setRenderHint(QPainter::Antialiasing);
                const QColor c = currentIsException_ ? QColor(220, 50, 50) : QColor(230, 160, 0);
                if (currentRanLast_)
                    p.strokePath(arrow, QPen(c, 1.5));  // the line ran last, not this instruction's
                else
                    p.fillPath(arrow, c);
            }
            if (const int bi = file_.isEmpty() ? -1 : breakpointAt(line); bi >= 0) {
                p.setRenderHint(QPainter::Antialiasing);
                // A disabled breakpoint is a hollow circle (kept, not stopping); a temporary
                // one a ring around a smaller dot (it goes away when it stops a command).
                const BreakpointEntry& bp = session_.breakpoints()[bi];
                const int d = std::min(fh - 4, 12);
                const QRect dot(3, y + (fh - d) / 2, d, d);
                if (bp.enabled && !bp.temporary) {
                    p.setBrush(QColor(220, 40, 40));
                    p.setPen(Qt::NoPen);
                } else {
                    p.setBrush(Qt::NoBrush);
                    p.setPen(QPen(QColor(220, 40, 40), 1.5));
                }
                p.drawEllipse(dot);
                if (bp.enabled && bp.temporary) {
                    p.setBrush(QColor(220, 40, 40));
                    p.setPen(Qt::NoPen);
                    p.drawEllipse(dot.adjusted(d / 4 + 1, d / 4 + 1, -d / 4 - 1, -d / 4 - 1));
                }
            }
            p.setPen(line == currentLine_ ? pal.color(QPalette::Text) : numberColor);
            p.drawText(0, y, w - 20, fh, Qt::AlignRight | Qt::AlignVCenter, QString::number(line));
        }
        b = b.next();
    }
}

}  // namespace reel::gui
