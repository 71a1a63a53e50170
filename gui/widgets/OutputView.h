#pragma once
// The Output pane: what the program had written by the current event, stdout and stderr
// interleaved in the order they were written (Replayer::outputChunks), stderr in a distinct
// colour. Every line remembers the event at which it started being written: clicking a line
// (without selecting text) asks to jump there, so "where was this printed?" is one click.

#include <QPlainTextEdit>
#include <QVector>

#include <vector>

#include "reel/replayer/Replayer.h"

namespace reel::gui {

class OutputView : public QPlainTextEdit {
    Q_OBJECT
  public:
    explicit OutputView(QWidget* parent = nullptr);

    // Replaces the text with these writes (the last ones, as the pane keeps a tail).
    void showChunks(const std::vector<replayer::OutputChunk>& chunks);
    void clearOutput();

    int lineCount() const { return static_cast<int>(lineEvents_.size()); }
    // The event at which line `line` (0-based block) started being written; -1 if none.
    qint64 eventOfLine(int line) const;
    // 1 stdout, 2 stderr; 0 if none.
    int streamOfLine(int line) const;
    // The line is the replayer's note about output a slice did not carry (shown grey, italic),
    // not the program's.
    bool isNoteLine(int line) const;
    // Jump to where line `line` was written (what a click does).
    void activateLine(int line);

  Q_SIGNALS:
    void jumpRequested(quint64 event);

  protected:
    void mousePressEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void changeEvent(QEvent* e) override;

  private:
    QVector<quint64> lineEvents_;
    QVector<int> lineStreams_;
    QVector<bool> lineNotes_;
    std::vector<replayer::OutputChunk> shown_;
    QPoint pressPos_;
};

}  // namespace reel::gui
