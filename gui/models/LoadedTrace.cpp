#include "models/LoadedTrace.h"

#include <chrono>

namespace reel::gui {

QString recoveryText(const replayer::Replayer& r) {
    auto& reader = const_cast<replayer::Replayer&>(r).reader();
    const format::RecoveryReport& rep = reader.recovery();
    if (!rep.recovered) return {};
    return QStringLiteral(
               "This trace was recovered: %1. Kept %2 complete chunks (%3 of %4 bytes); "
               "%5 bytes at the end were discarded. The recording stops early.")
        .arg(QString::fromStdString(rep.reason))
        .arg(rep.chunksKept)
        .arg(rep.bytesKept)
        .arg(rep.fileSize)
        .arg(rep.bytesDiscarded);
}

LoadedTrace loadTrace(const QString& path, const replayer::Replayer::Progress& progress) {
    const auto start = std::chrono::steady_clock::now();
    LoadedTrace t;
    t.path = path;
    // Large traces keep their index (checkpoints read on demand) in <trace>.idx: bounded memory,
    // and the next open skips indexing.
    replayer::Replayer::Options options;
    options.sidecarFromEvents = 20'000'000;
    t.replayer = std::make_shared<replayer::Replayer>(std::filesystem::path(path.toStdString()),
                                                      options, progress);
    t.recoveryMessage = recoveryText(*t.replayer);
    t.recovered = !t.recoveryMessage.isEmpty();
    t.indexSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return t;
}

}  // namespace reel::gui
