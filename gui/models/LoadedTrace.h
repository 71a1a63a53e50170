#pragma once
// What the loading worker hands to the UI thread: an indexed Replayer plus what the window shows
// about the file. A value type (the Replayer is shared, not copied) so it can travel in a queued
// signal between threads.

#include <QMetaType>
#include <QString>

#include <cstdint>
#include <memory>

#include "reel/replayer/Replayer.h"

namespace reel::gui {

struct LoadedTrace {
    QString path;
    std::shared_ptr<replayer::Replayer> replayer;
    // Set when the file had no usable footer and the reader kept only its complete chunks: the
    // window shows it in a banner (a crash-recovered recording is still worth reading).
    bool recovered = false;
    QString recoveryMessage;
    double indexSeconds = 0;
    bool valid() const { return replayer != nullptr; }
};

// Recovery details as one sentence for the banner; empty when the file was intact.
QString recoveryText(const replayer::Replayer& r);

// Opens and indexes `path` on the calling thread. Throws what Replayer throws
// (TraceFormatError, std::system_error, IndexingCancelled).
LoadedTrace loadTrace(const QString& path, const replayer::Replayer::Progress& progress = {});

}  // namespace reel::gui

Q_DECLARE_METATYPE(reel::gui::LoadedTrace)
