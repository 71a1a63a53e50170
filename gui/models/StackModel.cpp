#include "models/StackModel.h"

#include <QFileInfo>
#include <QFont>

#include "models/Session.h"
#include "reel/replayer/FrameLine.h"

namespace reel::gui {

StackModel::StackModel(Session& session, QObject* parent)
    : QAbstractItemModel(parent), session_(session) {
    connect(&session_, &Session::selectionChanged, this, &StackModel::refresh);
    connect(&session_, &Session::closed, this, &StackModel::refresh);
    refresh();
}

void StackModel::refresh() {
    // A step usually changes the depth by at most one and the frames' lines: a reset is cheap at
    // these sizes and keeps the view's selection logic simple.
    beginResetModel();
    const replayer::ThreadState* t = session_.isOpen() ? session_.threadState() : nullptr;
    rows_ = t ? static_cast<int>(t->stack.size()) : 0;
    endResetModel();
}

QModelIndex StackModel::index(int row, int column, const QModelIndex& parent) const {
    if (parent.isValid() || row < 0 || row >= rows_ || column < 0 || column >= ColumnCount)
        return {};
    return createIndex(row, column);
}
QModelIndex StackModel::parent(const QModelIndex&) const {
    return {};
}
int StackModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : rows_;
}
int StackModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant StackModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !session_.isOpen()) return {};
    const replayer::ThreadState* t = session_.threadState();
    const int si = stackIndexOfRow(index.row());
    if (!t || si < 0 || si >= static_cast<int>(t->stack.size())) return {};
    const replayer::Frame& f = t->stack[static_cast<size_t>(si)];
    const format::CodeObject* code = session_.codeById(f.codeId);
    switch (role) {
        case Qt::DisplayRole:
            if (index.column() == FunctionColumn)
                return code ? QString::fromStdString(code->qualname)
                            : QStringLiteral("<code %1>").arg(f.codeId);
            if (index.column() == LocationColumn) {
                const QString file =
                    code ? QFileInfo(QString::fromStdString(code->filename)).fileName() : QString();
                // At an instruction without a line number: the last line the frame ran, marked
                // (Frame::shownLine, as `reel replay` shows it); none before its first line.
                if (!f.lineless()) return QStringLiteral("%1:%2").arg(file).arg(f.line);
                if (f.shownLine() >= 1)
                    return QStringLiteral("%1:%2 (after)").arg(file).arg(f.shownLine());
                if (code && replayer::displayLine(f, *code) >= 1)  // about to start there
                    return QStringLiteral("%1:%2").arg(file).arg(replayer::displayLine(f, *code));
                return QStringLiteral("%1 (no line)").arg(file);
            }
            return {};
        case Qt::ToolTipRole:
            return QStringLiteral("%1\n%2:%3\nframe %4%5%6")
                .arg(code ? QString::fromStdString(code->qualname) : QString())
                .arg(code ? QString::fromStdString(code->filename) : QString())
                .arg(f.shownLine())
                .arg(f.id)
                .arg(f.exiting ? QStringLiteral(" (returning)") : QString())
                .arg(!f.lineless() ? QString()
                     : f.shownLine() >= 1
                         ? QStringLiteral("\nNo line number at this instruction (an exception "
                                          "handler's cleanup, for one): line %1 ran last")
                               .arg(f.shownLine())
                         : QStringLiteral("\nNo line number at this instruction"));
        case Qt::FontRole:
            if (si == session_.selectedFrame()) {
                QFont bold;
                bold.setBold(true);
                return bold;
            }
            return {};
        case StackIndexRole:
            return si;
        case FrameIdRole:
            return QVariant::fromValue<qulonglong>(f.id);
        case LineRole:
            return code ? replayer::displayLine(f, *code) : f.shownLine();
        case LinelessRole:
            return f.lineless();
        case FileRole:
            return code ? QString::fromStdString(code->filename) : QString();
        case SelectedRole:
            return si == session_.selectedFrame();
    }
    return {};
}

QVariant StackModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    return section == FunctionColumn ? QStringLiteral("Function") : QStringLiteral("Location");
}

}  // namespace reel::gui
