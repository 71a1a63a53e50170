#include "models/TraceLoader.h"

#include <QElapsedTimer>

#include <system_error>

#include "reel/format/TraceFormatError.h"

namespace reel::gui {

TraceLoader::TraceLoader(QObject* parent) : QObject(parent) {
    qRegisterMetaType<reel::gui::LoadedTrace>();
}

void TraceLoader::load(const QString& path) {
    cancel_.store(false);
    Q_EMIT started(path);
    QElapsedTimer clock;
    clock.start();
    qint64 lastReport = -1000;
    auto onProgress = [&](uint64_t done, uint64_t total) {
        if (clock.elapsed() - lastReport >= 20) {
            lastReport = clock.elapsed();
            Q_EMIT progress(done, total);
        }
        return !cancel_.load();
    };
    try {
        LoadedTrace t = loadTrace(path, onProgress);
        const uint64_t kept = t.replayer->eventCount() - t.replayer->firstEvent();
        Q_EMIT progress(kept, kept);  // counted from the first event, as the Replayer reports
        Q_EMIT loaded(t);
        t = {};  // the UI thread owns the Replayer from now on
    } catch (const replayer::IndexingCancelled&) {
        Q_EMIT cancelled(path);
    } catch (const format::TraceFormatError& e) {
        Q_EMIT failed(path, QStringLiteral("The trace is damaged and cannot be opened:\n%1")
                                .arg(QString::fromUtf8(e.what())));
    } catch (const std::system_error& e) {
        Q_EMIT failed(path,
                      QStringLiteral("Cannot read the file:\n%1").arg(QString::fromUtf8(e.what())));
    } catch (const std::exception& e) {
        Q_EMIT failed(
            path, QStringLiteral("Cannot open the trace:\n%1").arg(QString::fromUtf8(e.what())));
    }
}

}  // namespace reel::gui
