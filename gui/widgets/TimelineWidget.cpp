#include "widgets/TimelineWidget.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <climits>
#include <cmath>

#include "models/Session.h"

namespace reel::gui {

namespace {
constexpr int kMarkerBand = 12;    // top band for exception/hook markers
constexpr int kAxisBand = 14;      // bottom band for the event axis
constexpr double kMarkerPick = 5;  // pixels
}  // namespace

TimelineWidget::TimelineWidget(Session& session, QWidget* parent)
    : QWidget(parent), session_(session) {
    setObjectName("timeline");
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    connect(&session_, &Session::opened, this, &TimelineWidget::rebuild);
    connect(&session_, &Session::closed, this, &TimelineWidget::rebuild);
    connect(&session_, &Session::positionChanged, this, [this] {
        // Keep the playhead in view when a command moves it off the zoomed range.
        const double p = double(session_.position());
        if (p < first_ || p > last_) {
            const double span = last_ - first_;
            setView(p - span / 2, p + span / 2);
        }
        update();
    });
    rebuild();
}

void TimelineWidget::rebuild() {
    ++generation_;
    data_.build(session_);
    resetZoom();
}

uint64_t TimelineWidget::viewFirst() const {
    return uint64_t(std::max(double(data_.first()), std::floor(first_)));
}
uint64_t TimelineWidget::viewLast() const {
    return uint64_t(std::max(double(data_.first()), std::ceil(last_)));
}

void TimelineWidget::setView(double first, double last) {
    // The trace's events are data_.first() .. data_.last(): a slice keeps the original run's
    // numbers, and the view never shows (or scrubs to) events the trace does not have.
    const double lo = double(data_.first()), hi = double(data_.last());
    const double total = hi - lo;
    double span =
        std::max(std::min(last - first, total), std::min(total, 20.0));  // at least 20 events
    first = std::clamp(first, lo, std::max(lo, hi - span));
    first_ = first;
    last_ = std::min(hi, first + span);
    Q_EMIT viewChanged();
    update();
}

void TimelineWidget::resetZoom() {
    setView(double(data_.first()), double(data_.last()));
}

void TimelineWidget::zoom(double factor, double around) {
    const double span = (last_ - first_) / factor;
    const double t = last_ > first_ ? (around - first_) / (last_ - first_) : 0.5;
    setView(around - t * span, around - t * span + span);
}

QRectF TimelineWidget::plotRect() const {
    return QRectF(4, kMarkerBand, std::max(1, width() - 8),
                  std::max(1, height() - kMarkerBand - kAxisBand));
}

uint64_t TimelineWidget::eventAt(double x) const {
    const QRectF r = plotRect();
    const double t = std::clamp((x - r.left()) / r.width(), 0.0, 1.0);
    return uint64_t(std::llround(first_ + t * (last_ - first_)));
}

double TimelineWidget::xOf(uint64_t event) const {
    const QRectF r = plotRect();
    if (last_ <= first_) return r.left();
    return r.left() + (double(event) - first_) / (last_ - first_) * r.width();
}

const TimelineMarker* TimelineWidget::markerAtX(double x) const {
    const QRectF r = plotRect();
    const double perPixel = (last_ - first_) / r.width();
    const uint64_t tol = uint64_t(std::ceil(perPixel * kMarkerPick));
    const TimelineMarker* m = data_.markerNear(eventAt(x), tol);
    return m && std::abs(xOf(m->event) - x) <= kMarkerPick + 0.5 ? m : nullptr;
}

void TimelineWidget::scrubTo(double x) {
    if (!session_.isOpen()) return;
    const uint64_t e = std::clamp(eventAt(x), session_.firstEvent(), session_.lastEvent());
    if (e != session_.position()) session_.goTo(e);
}

void TimelineWidget::paintLayer(QPainter& p) {
    const QPalette pal = palette();
    const bool dark = pal.color(QPalette::Base).lightness() < 128;
    p.fillRect(rect(), pal.color(QPalette::Base));
    const QRectF r = plotRect();
    if (!data_.events()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter,
                   tr("Open a trace (File > Open, or drop a .reel file here)"));
        return;
    }
    // Depth sparkline: per pixel column, the deepest stack of the depth buckets it covers (and a
    // lighter band down to the shallowest), so recursion and call bursts show as peaks.
    const double maxDepth = std::max<uint32_t>(1, data_.maxDepth());
    const auto& hi = data_.depthMax();
    const auto& lo = data_.depthMin();
    const double interval = double(data_.depthBucketSize());
    // Buckets count from the trace's first event (a slice's is not 0).
    const double base = double(data_.first());
    const QColor fill = dark ? QColor(80, 140, 220, 160) : QColor(70, 120, 200, 140);
    const QColor band = dark ? QColor(80, 140, 220, 60) : QColor(70, 120, 200, 50);
    const int x0 = int(r.left()), x1 = int(r.right());
    for (int x = x0; x < x1; ++x) {
        const double e0 = first_ + (x - r.left()) / r.width() * (last_ - first_);
        const double e1 = first_ + (x + 1 - r.left()) / r.width() * (last_ - first_);
        size_t b0 = size_t(std::max(0.0, e0 - base) / interval),
               b1 = size_t(std::max(0.0, e1 - base) / interval);
        if (b0 >= hi.size()) break;
        b1 = std::min(b1, hi.size() - 1);
        uint32_t h = 0, l = ~0u;
        for (size_t b = b0; b <= b1; ++b) h = std::max(h, hi[b]), l = std::min(l, lo[b]);
        const double hh = h / maxDepth * (r.height() - 2);
        const double lh = l / maxDepth * (r.height() - 2);
        p.fillRect(QRectF(x, r.bottom() - hh, 1, hh - lh), band);
        p.fillRect(QRectF(x, r.bottom() - lh, 1, lh), fill);
    }
    p.setPen(pal.color(QPalette::Mid));
    p.drawLine(QPointF(r.left(), r.bottom()), QPointF(r.right(), r.bottom()));

    // Markers.
    p.setRenderHint(QPainter::Antialiasing);
    // At most one marker of each kind per pixel column: a run raising a million handled
    // exceptions has a million markers, and drawing each (a line and an antialiased triangle)
    // took seconds per repaint of this layer, with the UI frozen. Uncaught exceptions are drawn
    // last, on top of the others.
    const auto& markers = data_.markers();
    const auto begin = std::lower_bound(
        markers.begin(), markers.end(), uint64_t(std::max(0.0, std::floor(first_))),
        [](const TimelineMarker& m, uint64_t e) { return m.event < e; });
    markersDrawn_ = 0;
    for (const bool uncaughtPass : {false, true}) {
        long long lastPixel[4] = {LLONG_MIN, LLONG_MIN, LLONG_MIN, LLONG_MIN};
        for (auto it = begin; it != markers.end() && double(it->event) <= last_; ++it) {
            const TimelineMarker& m = *it;
            if ((m.kind == TimelineMarker::Kind::ExceptionUncaught) != uncaughtPass) continue;
            const double x = xOf(m.event);
            long long& last = lastPixel[static_cast<int>(m.kind) & 3];
            if (std::llround(std::floor(x)) == last) continue;
            last = std::llround(std::floor(x));
            ++markersDrawn_;
            switch (m.kind) {
                case TimelineMarker::Kind::ThreadSwitch:
                    p.setPen(QPen(QColor(60, 130, 230, 170), 1));
                    p.drawLine(QPointF(x, r.bottom() - 6), QPointF(x, r.bottom()));
                    break;
                case TimelineMarker::Kind::AsyncGenHook:
                    p.setPen(Qt::NoPen);
                    p.setBrush(QColor(150, 80, 200));
                    p.drawEllipse(QPointF(x, kMarkerBand / 2.0), 3, 3);
                    break;
                default: {
                    const QColor c = m.kind == TimelineMarker::Kind::ExceptionUncaught
                                         ? QColor(220, 40, 40)
                                         : QColor(240, 150, 20);
                    p.setPen(QPen(QColor(c.red(), c.green(), c.blue(), 110), 1));
                    p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()));
                    QPainterPath tri;
                    tri.moveTo(x - 5, 1);
                    tri.lineTo(x + 5, 1);
                    tri.lineTo(x, kMarkerBand - 1);
                    tri.closeSubpath();
                    p.fillPath(tri, c);
                }
            }
        }
    }
    p.setRenderHint(QPainter::Antialiasing, false);

    // Axis: the visible range's ends and the zoom factor.
    p.setPen(pal.color(QPalette::PlaceholderText));
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * 0.85);
    p.setFont(f);
    const QRectF axis(r.left(), r.bottom() + 1, r.width(), kAxisBand - 1);
    p.drawText(axis, Qt::AlignLeft | Qt::AlignVCenter, QString::number(viewFirst()));
    p.drawText(axis, Qt::AlignRight | Qt::AlignVCenter, QString::number(viewLast()));
    const double zoomFactor = double(data_.last() - data_.first()) / std::max(1.0, last_ - first_);
    if (zoomFactor > 1.01)
        p.drawText(axis, Qt::AlignHCenter | Qt::AlignVCenter,
                   tr("zoom ×%1").arg(zoomFactor, 0, 'f', 1));
}

void TimelineWidget::paintEvent(QPaintEvent*) {
    // Everything but the playhead is cached: while scrubbing only the playhead moves, and the
    // sparkline costs one pass over the depth profile per repaint otherwise.
    const qreal dpr = devicePixelRatioF();
    const LayerKey key{first_, last_, size(), dpr, generation_, palette().cacheKey()};
    if (!(key == layerKey_) || layer_.isNull()) {
        layer_ = QPixmap((QSizeF(size()) * dpr).toSize());
        layer_.setDevicePixelRatio(dpr);
        QPainter lp(&layer_);
        paintLayer(lp);
        layerKey_ = key;
    }
    QPainter p(this);
    p.drawPixmap(0, 0, layer_);
    const QPalette pal = palette();
    const QRectF r = plotRect();
    // Playhead.
    if (session_.isOpen()) {
        const double x = xOf(session_.position());
        if (x >= r.left() - 1 && x <= r.right() + 1) {
            const QColor c = pal.color(QPalette::Highlight);
            p.setPen(QPen(c, 2));
            p.drawLine(QPointF(x, 0), QPointF(x, r.bottom()));
            p.setRenderHint(QPainter::Antialiasing);
            QPainterPath knob;
            knob.addRoundedRect(QRectF(x - 4, r.bottom() - 2, 8, 8), 2, 2);
            p.fillPath(knob, c);
        }
    }
    if (hasFocus()) {
        p.setPen(QPen(pal.color(QPalette::Highlight), 1, Qt::DotLine));
        p.setBrush(Qt::NoBrush);
        p.drawRect(rect().adjusted(0, 0, -1, -1));
    }
}

void TimelineWidget::mousePressEvent(QMouseEvent* e) {
    if (!session_.isOpen()) return;
    const double x = e->position().x();
    if (e->button() == Qt::MiddleButton ||
        (e->button() == Qt::LeftButton && e->modifiers() & Qt::ShiftModifier)) {
        panning_ = true;
        panAnchorX_ = x;
        panAnchorFirst_ = first_;
        return;
    }
    if (e->button() != Qt::LeftButton) return;
    if (const TimelineMarker* m = markerAtX(x); m && e->position().y() <= kMarkerBand + 2) {
        session_.goTo(m->event);
        return;
    }
    dragging_ = true;
    scrubTo(x);
}

void TimelineWidget::mouseMoveEvent(QMouseEvent* e) {
    const double x = e->position().x();
    if (panning_) {
        const double perPixel = (last_ - first_) / plotRect().width();
        const double span = last_ - first_;
        const double f = panAnchorFirst_ - (x - panAnchorX_) * perPixel;
        setView(f, f + span);
    } else if (dragging_) {
        scrubTo(x);
    }
}

void TimelineWidget::mouseReleaseEvent(QMouseEvent* e) {
    if (dragging_) scrubTo(e->position().x());
    dragging_ = panning_ = false;
}

void TimelineWidget::mouseDoubleClickEvent(QMouseEvent*) {
    resetZoom();
}

void TimelineWidget::wheelEvent(QWheelEvent* e) {
    const double steps = e->angleDelta().y() / 120.0;
    if (e->modifiers() & Qt::ShiftModifier) {
        const double span = last_ - first_;
        setView(first_ - steps * span / 10, last_ - steps * span / 10);
    } else {
        zoom(std::pow(1.25, steps), double(eventAt(e->position().x())));
    }
    e->accept();
}

void TimelineWidget::keyPressEvent(QKeyEvent* e) {
    switch (e->key()) {
        case Qt::Key_Plus:
        case Qt::Key_Equal:
            zoom(2, double(session_.position()));
            break;
        case Qt::Key_Minus:
            zoom(0.5, double(session_.position()));
            break;
        case Qt::Key_0:
            resetZoom();
            break;
        case Qt::Key_Left:
            session_.stepInto(replayer::Direction::Backward);
            break;
        case Qt::Key_Right:
            session_.stepInto(replayer::Direction::Forward);
            break;
        default:
            QWidget::keyPressEvent(e);
    }
}

bool TimelineWidget::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip) {
        auto* he = static_cast<QHelpEvent*>(e);
        if (!data_.events()) return true;
        if (const TimelineMarker* m = markerAtX(he->pos().x()))
            QToolTip::showText(he->globalPos(),
                               QStringLiteral("Event %1: %2").arg(m->event).arg(data_.tip(*m, session_)),
                               this);
        else
            QToolTip::showText(he->globalPos(), tr("Event %1").arg(eventAt(he->pos().x())), this);
        return true;
    }
    return QWidget::event(e);
}

}  // namespace reel::gui
