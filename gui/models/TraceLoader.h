#pragma once
// Opens and indexes a trace off the UI thread. Lives on a worker QThread; the window talks to it
// only through queued signals carrying values, so the UI never waits on the disk or the
// indexing pass (a 10-million-event trace takes about a second to index).
//
//   auto* loader = new TraceLoader;            // no parent: moved to the thread
//   loader->moveToThread(&thread);
//   connect(this, &X::requestLoad, loader, &TraceLoader::load);
//   connect(loader, &TraceLoader::loaded, this, &X::onLoaded);

#include <QObject>
#include <QString>

#include <atomic>

#include "models/LoadedTrace.h"

namespace reel::gui {

class TraceLoader : public QObject {
    Q_OBJECT
  public:
    explicit TraceLoader(QObject* parent = nullptr);

    // Thread-safe: asks the load in progress (if any) to stop at its next progress report.
    void cancel() { cancel_.store(true); }

  public Q_SLOTS:
    void load(const QString& path);

  Q_SIGNALS:
    void started(const QString& path);
    // Events indexed so far out of `total`; throttled to about 50 per second.
    void progress(quint64 done, quint64 total);
    void loaded(const reel::gui::LoadedTrace& trace);
    // `message` is meant for a dialog: what went wrong, with the file offset when it is damage.
    void failed(const QString& path, const QString& message);
    void cancelled(const QString& path);

  private:
    std::atomic<bool> cancel_{false};
};

}  // namespace reel::gui
