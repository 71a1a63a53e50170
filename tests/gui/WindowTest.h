#pragma once
// What the window-level QtTest suites share: isolated settings, opening a trace in a MainWindow
// and waiting for the loader, and reading a pane's model as text to compare with expectations.

#include <QAbstractItemModel>
#include <QCoreApplication>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStringList>

#include <memory>

#include "models/LocalsModel.h"
#include "widgets/MainWindow.h"

namespace reel::test {

// Settings go to a test location under `appName` and start empty, so docks, recent files and
// palettes saved by a real session (or another suite) cannot change what a test sees.
inline void isolateSettings(const char* appName) {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("Reel");
    QCoreApplication::setApplicationName(appName);
    QSettings().clear();
}

// A shown 1280x800 window with `path` loaded; nullptr when loading did not end within
// `timeoutMs` or ended with a result other than `expectOk`.
inline std::unique_ptr<gui::MainWindow> openWindow(const QString& path, bool expectOk = true,
                                                   int timeoutMs = 20000) {
    auto w = std::make_unique<gui::MainWindow>();
    w->resize(1280, 800);
    w->show();
    QSignalSpy done(w.get(), &gui::MainWindow::loadFinished);
    w->openFile(path);
    if (!done.wait(timeoutMs)) return nullptr;
    if (done.at(0).at(0).toBool() != expectOk) return nullptr;
    return w;
}

inline QStringList column(const QAbstractItemModel* m, int col) {
    QStringList out;
    for (int r = 0; r < m->rowCount(); ++r) out << m->data(m->index(r, col)).toString();
    return out;
}

// name=value per top-level local; with `markChanged`, a '*' when the local was written at this
// event (the highlight).
inline QStringList localsText(const QAbstractItemModel* m, bool markChanged = false) {
    QStringList out;
    for (int r = 0; r < m->rowCount(); ++r)
        out << m->data(m->index(r, 0)).toString() + "=" + m->data(m->index(r, 1)).toString() +
                   (markChanged && m->data(m->index(r, 0), gui::LocalsModel::ChangedRole).toBool()
                        ? "*"
                        : "");
    return out;
}

}  // namespace reel::test
