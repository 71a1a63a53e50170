#include "models/BreakpointsModel.h"

#include "models/Session.h"

namespace reel::gui {

BreakpointsModel::BreakpointsModel(Session& session, QObject* parent)
    : QAbstractItemModel(parent), session_(session) {
    auto reload = [this] {
        const int n = static_cast<int>(session_.breakpoints().size());
        if (n == rows_ && n > 0) {
            // Enabled or condition changed: keep the view's selection and editor.
            Q_EMIT dataChanged(index(0, 0), index(n - 1, ColumnCount - 1));
            return;
        }
        beginResetModel();
        rows_ = n;
        endResetModel();
    };
    connect(&session_, &Session::breakpointsChanged, this, reload);
    // The status column says whether the latest hit's condition failed to evaluate.
    connect(&session_, &Session::positionChanged, this, [this] {
        if (rows_) Q_EMIT dataChanged(index(0, StatusColumn), index(rows_ - 1, StatusColumn));
    });
    reload();
}

QModelIndex BreakpointsModel::index(int row, int column, const QModelIndex& parent) const {
    if (parent.isValid() || row < 0 || row >= rows_ || column < 0 || column >= ColumnCount)
        return {};
    return createIndex(row, column);
}
QModelIndex BreakpointsModel::parent(const QModelIndex&) const {
    return {};
}
int BreakpointsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : rows_;
}
int BreakpointsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BreakpointsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= session_.breakpoints().size()) return {};
    const BreakpointEntry& b = session_.breakpoints()[index.row()];
    switch (role) {
        case BreakpointIndexRole:
            return index.row();
        case LineRole:
            return b.line;
        case FileRole:
            return b.file;
        case FunctionRole:
            return b.function;
        case TemporaryRole:
            return b.temporary;
        case Qt::CheckStateRole:
            if (index.column() == EnabledColumn) return b.enabled ? Qt::Checked : Qt::Unchecked;
            if (index.column() == TemporaryColumn)
                return b.temporary ? Qt::Checked : Qt::Unchecked;
            return {};
        case Qt::ToolTipRole:
            if (index.column() == LocationColumn) {
                if (b.function.isEmpty()) return b.file + ':' + QString::number(b.line);
                const QString places = session_.functionPlaces(index.row());
                return places.isEmpty() ? tr("%1(): no function of that name ran in this trace")
                                              .arg(b.function)
                                        : tr("Stops at the first line of every call of %1")
                                              .arg(places);
            }
            if (index.column() == TemporaryColumn)
                return tr("Temporary: deleted when it first stops a step or continue (tbreak)");
            if (index.column() == ConditionColumn)
                return tr(
                    "Stops only when this holds in the frame that reaches the line, e.g. "
                    "x > 3 and name == 'bolt' (double-click to edit)");
            return {};
        case Qt::DisplayRole:
        case Qt::EditRole:
            switch (index.column()) {
                case LocationColumn:
                    if (!b.function.isEmpty())
                        return b.file.isEmpty() ? QStringLiteral("%1()").arg(b.function)
                                                : QStringLiteral("%1:%2()")
                                                      .arg(b.file.section('/', -1), b.function);
                    return QStringLiteral("%1:%2").arg(b.file.section('/', -1)).arg(b.line);
                case ConditionColumn:
                    return b.condition;
                case StatusColumn:
                    if (!b.lastError->empty())
                        return tr("condition error: %1").arg(QString::fromStdString(*b.lastError));
                    if (!b.function.isEmpty() && b.id <= 0 && session_.isOpen())
                        return tr("no such function in this trace");
                    return b.enabled ? QString() : tr("disabled");
                default:
                    return {};
            }
        default:
            return {};
    }
}

bool BreakpointsModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid()) return false;
    bool ok = false;
    if (index.column() == EnabledColumn && role == Qt::CheckStateRole)
        ok = session_.setBreakpointEnabled(index.row(),
                                           value.value<Qt::CheckState>() == Qt::Checked);
    else if (index.column() == TemporaryColumn && role == Qt::CheckStateRole)
        ok = session_.setBreakpointTemporary(index.row(),
                                             value.value<Qt::CheckState>() == Qt::Checked);
    else if (index.column() == ConditionColumn && role == Qt::EditRole)
        ok = session_.setBreakpointCondition(index.row(), value.toString());
    return ok;  // the Session's breakpointsChanged resets the model
}

Qt::ItemFlags BreakpointsModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (index.column() == EnabledColumn || index.column() == TemporaryColumn)
        f |= Qt::ItemIsUserCheckable;
    if (index.column() == ConditionColumn) f |= Qt::ItemIsEditable;
    return f;
}

QVariant BreakpointsModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case EnabledColumn:
            return tr("On");
        case LocationColumn:
            return tr("Location");
        case ConditionColumn:
            return tr("Condition");
        case TemporaryColumn:
            return tr("Once");
        case StatusColumn:
            return tr("Status");
        default:
            return {};
    }
}

}  // namespace reel::gui
