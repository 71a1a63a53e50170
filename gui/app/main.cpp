// reel-gui [FILE] [--screenshot PNG [--at EVENT | --break FILE:LINE] [--size WxH] [--theme T]]
//
// --screenshot renders the main window to a PNG once the trace is loaded and exits (use with
// QT_QPA_PLATFORM=offscreen; gui/screenshot.sh does). It uses its own settings so the user's
// layout is neither used nor changed.

#include <QApplication>
#include <QCommandLineParser>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSettings>
#include <QTimer>

#include <cstdio>

#include "models/Session.h"
#include "widgets/MainWindow.h"
#include "widgets/SourceView.h"
#include "widgets/Theme.h"
#include "widgets/TimelineWidget.h"

using namespace reel::gui;

namespace {

// Runs the event loop until `done` or `ms` pass.
template <class F>
bool waitFor(F&& done, int ms) {
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < ms)
        QApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 20);
    return done();
}

int screenshot(MainWindow& w, const QString& file, const QCommandLineParser& args) {
    bool finished = false, ok = false;
    QObject::connect(&w, &MainWindow::loadFinished, [&](bool r) { finished = true, ok = r; });
    if (!waitFor([&] { return finished; }, 600000) || !ok) {
        std::fprintf(stderr, "reel-gui: cannot open the trace: %s\n", qPrintable(w.lastError()));
        return 2;
    }
    Session& s = w.session();
    // A picture of some other event than the one asked for would be worse than none: bad
    // arguments, and a breakpoint the run never reaches, are errors (exit 2), not event 0 or the
    // end of the trace.
    if (args.isSet("at")) {
        bool number = false;
        const quint64 at = args.value("at").toULongLong(&number);
        if (!number) {
            std::fprintf(stderr, "reel-gui: --at takes an event number, not \"%s\"\n",
                         qPrintable(args.value("at")));
            return 2;
        }
        if (!s.containsEvent(at)) {  // e.g. an event outside a slice's window
            std::fprintf(stderr, "reel-gui: %s\n", qPrintable(s.outOfRangeText(args.value("at"))));
            return 2;
        }
        s.goTo(at);
    } else if (args.isSet("break")) {
        const QString spec = args.value("break");
        const int colon = int(spec.lastIndexOf(':'));
        bool number = false;
        const int line = colon > 0 ? spec.mid(colon + 1).toInt(&number) : 0;
        if (!number || line <= 0) {
            std::fprintf(stderr, "reel-gui: --break takes FILE:LINE (e.g. prog.py:12), not \"%s\"\n",
                         qPrintable(spec));
            return 2;
        }
        s.toggleBreakpoint(spec.left(colon), line);
        if (s.continueRun(reel::replayer::Direction::Forward).reason !=
            reel::replayer::StopReason::Breakpoint) {
            std::fprintf(stderr, "reel-gui: --break %s: the run never stops there\n",
                         qPrintable(spec));
            return 2;
        }
    }
    QApplication::processEvents();
    if (!w.grab().save(file)) {
        std::fprintf(stderr, "reel-gui: cannot write %s\n", qPrintable(file));
        return 2;
    }
    std::printf("%s\n", qPrintable(file));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Reel");
    QApplication::setApplicationName("reel-gui");
    QApplication::setApplicationVersion(REEL_VERSION);

    QCommandLineParser p;
    p.setApplicationDescription("Reel: scrub backward and forward through a recorded Python run.");
    p.addHelpOption();
    p.addVersionOption();
    p.addPositionalArgument("file", "A .reel trace to open.", "[FILE]");
    p.addOption({"screenshot", "Render the window to PNG and exit.", "png"});
    p.addOption({"at", "With --screenshot: show this event.", "event"});
    p.addOption({"break", "With --screenshot: continue to a breakpoint FILE:LINE.", "file:line"});
    p.addOption({"size", "With --screenshot: window size.", "WxH", "1400x860"});
    p.addOption({"theme", "system, light or dark.", "theme"});
    p.process(app);

    const bool shot = p.isSet("screenshot");
    if (shot) {
        QApplication::setApplicationName("reel-gui-screenshot");
        QSettings().clear();
    }
    if (p.isSet("theme")) QSettings().setValue("theme", p.value("theme"));
    const QStringList files = p.positionalArguments();
    if (shot && files.isEmpty()) {
        std::fprintf(stderr, "reel-gui: --screenshot needs a trace file\n");
        return 2;
    }

    MainWindow w;
    if (shot) {
        const QStringList wh = p.value("size").split('x');
        w.resize(wh.value(0).toInt() > 0 ? wh.value(0).toInt() : 1400,
                 wh.value(1).toInt() > 0 ? wh.value(1).toInt() : 860);
    }
    w.show();
    if (!files.isEmpty()) w.openFile(files.first());
    if (shot) return screenshot(w, p.value("screenshot"), p);
    return app.exec();
}
