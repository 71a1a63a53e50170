#pragma once
// The whole run at a glance: call depth over time as a sparkline, markers for exception raises
// (red: uncaught or still propagating at the end; orange: handled or replaced by another
// exception), thread switches (blue ticks) and asyncgen hook calls
// (purple), and the playhead. Press and drag to scrub: every pane follows while the mouse moves.
// Click a marker to jump to it. The wheel zooms around the mouse, shift+wheel (or a drag with the
// middle button) pans, double-click resets the zoom.

#include <QPixmap>
#include <QWidget>

#include "models/TimelineData.h"

namespace reel::gui {

class Session;

class TimelineWidget : public QWidget {
    Q_OBJECT
  public:
    explicit TimelineWidget(Session& session, QWidget* parent = nullptr);

    QSize sizeHint() const override { return {800, 90}; }
    QSize minimumSizeHint() const override { return {200, 60}; }

    const TimelineData& data() const { return data_; }
    // Visible range of events [first, last].
    uint64_t viewFirst() const;
    uint64_t viewLast() const;
    void setView(double first, double last);
    void zoom(double factor, double aroundEvent);
    void resetZoom();

    // The event under x (widget coordinates) and back.
    uint64_t eventAt(double x) const;
    double xOf(uint64_t event) const;

    // What a press or drag at x does; exposed for the benchmark (a scrub step without a mouse).
    void scrubTo(double x);

    // Markers drawn by the latest repaint of the marker layer (at most one per pixel column and
    // kind, whatever the number of exceptions in view).
    size_t markersDrawn() const { return markersDrawn_; }

  Q_SIGNALS:
    void viewChanged();

  protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void mouseDoubleClickEvent(QMouseEvent* e) override;
    void wheelEvent(QWheelEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;
    bool event(QEvent* e) override;

  private:
    void rebuild();
    void paintLayer(QPainter& p);
    QRectF plotRect() const;
    const TimelineMarker* markerAtX(double x) const;

    Session& session_;
    size_t markersDrawn_ = 0;
    TimelineData data_;
    struct LayerKey {
        double first = -1, last = -1;
        QSize size;
        qreal dpr = 0;
        uint64_t generation = 0;
        qint64 palette = 0;
        bool operator==(const LayerKey&) const = default;
    };
    LayerKey layerKey_;
    uint64_t generation_ = 0;  // bumped when another trace (or none) is shown
    QPixmap layer_;
    double first_ = 0, last_ = 0;  // visible range (fractional for smooth zoom)
    bool dragging_ = false;
    bool panning_ = false;
    double panAnchorX_ = 0, panAnchorFirst_ = 0;
};

}  // namespace reel::gui
