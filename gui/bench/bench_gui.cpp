// GUI benchmark (issue 5): on a trace of at least 10 million events,
//  - the time from a playhead move to all panes updated and painted (median, p90, p99), for
//    random jumps and for a drag across the timeline one pixel at a time;
//  - how responsive the window stays while the trace is indexed on the loader thread: the longest
//    gap between ticks of a 5 ms UI timer during loading;
//  - indexing time, and the second pass (the fine depth curve) after the window is usable.
// Runs offscreen (QT_QPA_PLATFORM=offscreen is set unless already set). One JSON object per line
// on stdout {"name", "value", "unit"} like the other benchmarks; progress on stderr.
//
//   bench_gui [--iterations N] [--moves N] [--dir DIR] [--keep]
//
// The trace is tests/gui/ProgramTrace.h's program (calls, returns, locals, an exception, output)
// with the loop run N times (17 events per iteration; the default gives 10.2 million events).

#include <QApplication>
#include <QElapsedTimer>
#include <QTimer>

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "gui/ProgramTrace.h"
#include "models/Session.h"
#include "widgets/MainWindow.h"
#include "widgets/SourceView.h"
#include "widgets/TimelineWidget.h"

using namespace reel::gui;
using Clock = std::chrono::steady_clock;

namespace {

void figure(const char* name, double value, const char* unit) {
    std::printf("{\"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\"}\n", name, value, unit);
    std::fflush(stdout);
}

double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

// CPU time of the UI thread, in ms: on a loaded machine the wall-clock figures include time
// the thread waited for a core; this one does not.
double threadCpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

double pct(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const size_t i = std::min(v.size() - 1, size_t(p / 100.0 * double(v.size())));
    return v[i];
}

template <class F>
bool waitFor(F&& done, int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < timeoutMs)
        QApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 5);
    return done();
}

}  // namespace

int main(int argc, char** argv) {
    uint64_t iterations = 600000;
    int moves = 400;
    std::filesystem::path dir = std::filesystem::temp_directory_path();
    bool keep = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--iterations" && i + 1 < argc)
            iterations = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--moves" && i + 1 < argc)
            moves = std::atoi(argv[++i]);
        else if (a == "--dir" && i + 1 < argc)
            dir = argv[++i];
        else if (a == "--keep")
            keep = true;
        else {
            std::fprintf(stderr,
                         "usage: bench_gui [--iterations N] [--moves N] [--dir DIR] [--keep]\n");
            return 2;
        }
    }
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Reel");
    QApplication::setApplicationName("reel-gui-bench");

    const auto path = dir / ("bench_gui_" + std::to_string(::getpid()) + ".reel");
    std::fprintf(stderr, "writing %s...\n", path.c_str());
    auto t0 = Clock::now();
    const uint64_t events =
        reel::test::writeProgramTrace(path, {.iterations = iterations, .eventsPerBatch = 65536});
    std::fprintf(stderr, "%llu events written in %.1f s\n", (unsigned long long)events,
                 ms(Clock::now() - t0) / 1000);
    figure("gui.trace_events", double(events), "events");

    MainWindow w;
    w.resize(1400, 860);
    w.show();
    QApplication::processEvents();

    // Responsiveness while indexing: a 5 ms timer on the UI thread; its longest gap is how long
    // the window could not react.
    QElapsedTimer tick;
    double maxGap = 0;
    int ticks = 0;
    QTimer timer;
    timer.setInterval(5);
    QObject::connect(&timer, &QTimer::timeout, [&] {
        if (ticks++) maxGap = std::max(maxGap, double(tick.nsecsElapsed()) / 1e6);
        tick.restart();
    });
    bool finished = false, ok = false;
    QObject::connect(&w, &MainWindow::loadFinished, [&](bool r) { finished = true, ok = r; });
    tick.start();
    timer.start();
    t0 = Clock::now();
    w.openFile(QString::fromStdString(path.string()));
    if (!waitFor([&] { return finished; }, 600000) || !ok) {
        std::fprintf(stderr, "bench_gui: cannot open the trace: %s\n", qPrintable(w.lastError()));
        return 1;
    }
    const double openMs = ms(Clock::now() - t0);
    timer.stop();
    figure("gui.open_to_first_frame", openMs, "ms");
    figure("gui.ui_max_stall_while_indexing", maxGap, "ms");
    figure("gui.ui_ticks_while_indexing", ticks, "ticks");

    TimelineWidget* tl = w.timeline();
    const double left = tl->xOf(0), right = tl->xOf(events - 1);
    // Time split: the move itself (replayer seek, models and views updated) and painting.
    std::vector<double> moveOnly, paintOnly, cpu;
    auto moveAndPaint = [&](double x) {
        const double c = threadCpuMs();
        const auto s = Clock::now();
        tl->scrubTo(x);
        const auto m = Clock::now();
        w.repaint();  // paints every visible pane now, as the next frame would
        const auto e = Clock::now();
        cpu.push_back(threadCpuMs() - c);
        moveOnly.push_back(ms(m - s));
        paintOnly.push_back(ms(e - m));
        return ms(e - s);
    };

    // Random jumps (a click anywhere on the timeline).
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> pick(left, right);
    std::vector<double> jumps;
    for (int i = 0; i < moves; ++i) jumps.push_back(moveAndPaint(pick(rng)));
    figure("gui.playhead_jump_to_painted_median", pct(jumps, 50), "ms");
    figure("gui.playhead_jump_to_painted_p90", pct(jumps, 90), "ms");
    figure("gui.playhead_jump_to_painted_p99", pct(jumps, 99), "ms");
    figure("gui.playhead_jump_to_painted_cpu_median", pct(cpu, 50), "ms");
    figure("gui.playhead_jump_to_painted_cpu_p99", pct(cpu, 99), "ms");
    cpu.clear();

    // A drag across the whole timeline, one pixel per mouse move.
    std::vector<double> drag;
    for (double x = left; x <= right; x += 1) drag.push_back(moveAndPaint(x));
    figure("gui.drag_step_to_painted_median", pct(drag, 50), "ms");
    figure("gui.drag_step_to_painted_p99", pct(drag, 99), "ms");
    figure("gui.drag_step_to_painted_cpu_median", pct(cpu, 50), "ms");
    figure("gui.drag_events_per_pixel", double(events) / std::max(1.0, right - left), "events");
    figure("gui.move_only_median", pct(moveOnly, 50), "ms");
    figure("gui.paint_only_median", pct(paintOnly, 50), "ms");

    // Single steps (toolbar) near the middle of the run, including painting.
    w.session().goTo(events / 2);
    std::vector<double> steps;
    for (int i = 0; i < moves; ++i) {
        const auto s = Clock::now();
        w.session().stepInto(reel::replayer::Direction::Forward);
        w.repaint();
        steps.push_back(ms(Clock::now() - s));
    }
    figure("gui.step_into_to_painted_median", pct(steps, 50), "ms");

    if (!keep) std::filesystem::remove(path);
    return 0;
}
