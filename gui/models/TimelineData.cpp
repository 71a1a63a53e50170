#include "models/TimelineData.h"

#include <algorithm>

#include "models/Session.h"

namespace reel::gui {

void TimelineData::clear() {
    *this = TimelineData{};
}

void TimelineData::build(Session& session) {
    clear();
    if (!session.isOpen()) return;
    replayer::Replayer& r = session.replayer();
    events_ = r.eventCount();
    first_ = r.firstEvent();
    if (first_ >= events_) {  // no events at all: nothing to draw
        events_ = first_ = 0;
        return;
    }
    const replayer::DepthProfile& depth = r.depthProfile();
    bucketSize_ = depth.bucketSize;
    depthMax_ = depth.maxDepth;
    depthMin_ = depth.minDepth;
    if (!depthMax_.empty()) maxDepth_ = *std::max_element(depthMax_.begin(), depthMax_.end());
    using Outcome = replayer::ExceptionInfo::Outcome;
    const auto& exceptions = r.exceptions();
    for (size_t i = 0; i < exceptions.size(); ++i) {
        const auto& e = exceptions[i];
        // Exceptions that stayed inside library code (importlib's probes) would cover an
        // import-heavy run's timeline with marks of nothing the program did; the Exceptions pane
        // lists them on request.
        if (!e.concernsProgram()) continue;
        // Red only for exceptions that ended the thread (or the trace) still propagating; one
        // replaced by another exception is marked like a handled one (the run went on).
        const bool fatal = e.outcome == Outcome::Uncaught || e.outcome == Outcome::InFlightAtEnd;
        markers_.push_back({fatal ? TimelineMarker::Kind::ExceptionUncaught
                                  : TimelineMarker::Kind::ExceptionHandled,
                            e.raisedAt, QString(), i});
    }
    for (const auto& h : r.asyncGenHookCalls())
        markers_.push_back({TimelineMarker::Kind::AsyncGenHook, h.event,
                            h.hook == 0 ? QStringLiteral("asyncgen firstiter")
                                        : QStringLiteral("asyncgen finalizer"),
                            0});
    if (events_ && r.threadIds().size() > 1) {
        auto spans = r.threadSpans(first_, events_ - 1, kMaxThreadSwitches + 1);
        switchesTruncated_ = spans.size() > kMaxThreadSwitches;
        for (size_t i = 1; i < spans.size() && i <= kMaxThreadSwitches; ++i)
            markers_.push_back(
                {TimelineMarker::Kind::ThreadSwitch, spans[i].first,
                 QStringLiteral("switch to %1").arg(session.threadName(spans[i].thread)), 0});
    }
    std::stable_sort(
        markers_.begin(), markers_.end(),
        [](const TimelineMarker& a, const TimelineMarker& b) { return a.event < b.event; });
}

QString TimelineData::tip(const TimelineMarker& m, Session& session) const {
    if (m.kind != TimelineMarker::Kind::ExceptionHandled &&
        m.kind != TimelineMarker::Kind::ExceptionUncaught)
        return m.tip;
    if (!session.isOpen() || m.exception >= session.replayer().exceptions().size()) return {};
    using Outcome = replayer::ExceptionInfo::Outcome;
    const auto& e = session.replayer().exceptions()[m.exception];
    const char* outcome = e.outcome == Outcome::Handled    ? "handled"
                          : e.outcome == Outcome::Replaced ? "replaced by another exception"
                          : e.outcome == Outcome::Uncaught ? "not handled"
                                                           : "still in flight at the end";
    const format::CodeObject* c = session.codeById(e.raiseCodeId);
    return QStringLiteral("%1 raised in %2 line %3 (%4)")
        .arg(session.render(e.value), c ? QString::fromStdString(c->qualname) : QString())
        .arg(e.raiseLine)
        .arg(QLatin1String(outcome));
}

const TimelineMarker* TimelineData::markerNear(uint64_t event, uint64_t tolerance) const {
    auto it = std::lower_bound(markers_.begin(), markers_.end(),
                               event > tolerance ? event - tolerance : 0,
                               [](const TimelineMarker& m, uint64_t e) { return m.event < e; });
    const TimelineMarker* best = nullptr;
    uint64_t bestDist = tolerance + 1;
    for (; it != markers_.end() && it->event <= event + tolerance; ++it) {
        const uint64_t d = it->event > event ? it->event - event : event - it->event;
        // Exceptions win ties: they are what a user clicks for.
        if (d < bestDist ||
            (d == bestDist && best && best->kind == TimelineMarker::Kind::ThreadSwitch)) {
            best = &*it;
            bestDist = d;
        }
    }
    return best;
}

}  // namespace reel::gui
