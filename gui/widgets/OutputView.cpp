#include "widgets/OutputView.h"

#include <QEvent>
#include <QMouseEvent>
#include <QTextBlock>
#include <QTextCursor>

#include "widgets/TabStop.h"
#include "widgets/Theme.h"

namespace reel::gui {

OutputView::OutputView(QWidget* parent) : QPlainTextEdit(parent) {
    setReadOnly(true);
    setUndoRedoEnabled(false);
    setPlaceholderText(tr("Nothing printed yet at this point of the run"));
    setToolTip(tr("Click a line to go to the event that wrote it; stderr is shown in red"));
    setTabStopDistance(pythonTabStop(font()));
    setWordWrapMode(QTextOption::WrapAnywhere);
}

void OutputView::clearOutput() {
    shown_.clear();
    lineEvents_.clear();
    lineStreams_.clear();
    lineNotes_.clear();
    clear();
}

void OutputView::showChunks(const std::vector<replayer::OutputChunk>& chunks) {
    shown_ = chunks;
    lineEvents_.clear();
    lineStreams_.clear();
    lineNotes_.clear();
    // One string for the whole pane (setPlainText is far cheaper than inserting write by write:
    // the pane is rebuilt whenever the output at the position changes, e.g. while scrubbing),
    // then the stderr lines coloured.
    QString text;
    bool atLineStart = true;
    int lastStream = 0;
    for (const auto& ch : chunks) {
        const QString part =
            QString::fromUtf8(ch.text.data(), static_cast<qsizetype>(ch.text.size()));
        if (part.isEmpty()) continue;
        // A write to the other stream in the middle of a line starts a new line, so every line
        // has one stream (and one colour).
        if (!atLineStart && lastStream != static_cast<int>(ch.stream)) {
            text += '\n';
            atLineStart = true;
        }
        lastStream = static_cast<int>(ch.stream);
        for (qsizetype i = 0; i < part.size();) {
            const qsizetype nl = part.indexOf('\n', i);
            const qsizetype end = nl < 0 ? part.size() : nl;
            if (atLineStart && end > i) {
                lineEvents_.push_back(ch.event);
                lineStreams_.push_back(static_cast<int>(ch.stream));
                lineNotes_.push_back(ch.isNote());
                atLineStart = false;
            } else if (atLineStart && nl >= 0) {
                lineEvents_.push_back(ch.event);  // an empty line
                lineStreams_.push_back(static_cast<int>(ch.stream));
                lineNotes_.push_back(ch.isNote());
            }
            text += QStringView(part).mid(i, end - i);
            if (nl < 0) break;
            text += '\n';
            atLineStart = true;
            i = nl + 1;
        }
    }
    setPlainText(text);
    if (lineStreams_.contains(2) || lineNotes_.contains(true)) {
        QTextCharFormat err;
        // A red readable on both palettes.
        err.setForeground(Theme::isDark(palette()) ? QColor(0xFF, 0x7B, 0x72)
                                                   : QColor(0xB3, 0x1D, 0x28));
        // The replayer's note about output a slice did not carry is not the program's: grey.
        QTextCharFormat note;
        note.setForeground(palette().color(QPalette::PlaceholderText));
        note.setFontItalic(true);
        QTextCursor c(document());
        c.beginEditBlock();
        for (int line = 0; line < lineStreams_.size(); ++line) {
            if (lineStreams_[line] != 2 && !lineNotes_[line]) continue;
            const QTextBlock b = document()->findBlockByNumber(line);
            c.setPosition(b.position());
            c.setPosition(b.position() + b.length() - 1, QTextCursor::KeepAnchor);
            c.setCharFormat(lineNotes_[line] ? note : err);
        }
        c.endEditBlock();
    }
    moveCursor(QTextCursor::End);
}

qint64 OutputView::eventOfLine(int line) const {
    return line >= 0 && line < lineEvents_.size() ? static_cast<qint64>(lineEvents_[line]) : -1;
}

int OutputView::streamOfLine(int line) const {
    return line >= 0 && line < lineStreams_.size() ? lineStreams_[line] : 0;
}

bool OutputView::isNoteLine(int line) const {
    return line >= 0 && line < lineNotes_.size() && lineNotes_[line];
}

void OutputView::activateLine(int line) {
    const qint64 e = eventOfLine(line);
    if (e >= 0) Q_EMIT jumpRequested(static_cast<quint64>(e));
}

void OutputView::mousePressEvent(QMouseEvent* e) {
    pressPos_ = e->pos();
    QPlainTextEdit::mousePressEvent(e);
}

void OutputView::mouseReleaseEvent(QMouseEvent* e) {
    QPlainTextEdit::mouseReleaseEvent(e);
    // A click, not a selection drag: jump to the line's event.
    if (e->button() == Qt::LeftButton && (e->pos() - pressPos_).manhattanLength() < 4 &&
        !textCursor().hasSelection())
        activateLine(cursorForPosition(e->pos()).blockNumber());
}

void OutputView::changeEvent(QEvent* e) {
    QPlainTextEdit::changeEvent(e);
    // The window gives the pane its fixed-width font after construction.
    if (e->type() == QEvent::FontChange) setTabStopDistance(pythonTabStop(font()));
    // The stderr colour depends on the palette: redraw with the new one.
    if (e->type() == QEvent::PaletteChange && !shown_.empty()) {
        const auto chunks = shown_;
        showChunks(chunks);
    }
}

}  // namespace reel::gui
