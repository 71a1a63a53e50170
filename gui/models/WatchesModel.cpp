#include "models/WatchesModel.h"

#include <QColor>
#include <QFont>

#include "models/Session.h"

namespace reel::gui {

WatchesModel::WatchesModel(Session& session, QObject* parent)
    : QAbstractItemModel(parent), session_(session) {
    // selectionChanged follows every move and every change of the shown thread or frame.
    connect(&session_, &Session::selectionChanged, this, &WatchesModel::refresh);
    connect(&session_, &Session::closed, this, &WatchesModel::refresh);
    // Another trace: what was shown belongs to the old one, no "change" to report.
    connect(&session_, &Session::opened, this, [this] {
        position_ = ~uint64_t{0};
        for (auto& w : watches_) w.shown = false;
    });
}

void WatchesModel::evaluate(Watch& w, bool moved) {
    QString error;
    const QString value = session_.isOpen() ? session_.evaluate(w.expression, &error) : QString();
    if (!session_.isOpen()) error = tr("no trace is open");
    const QString before = w.error.isEmpty() ? w.value : QString();
    const QString now = error.isEmpty() ? value : QString();
    // Changed only by a move (a step, a scrub), not by selecting another frame, and only between
    // two values: appearing or going out of scope is no change of value.
    w.changed = moved && w.shown && w.error.isEmpty() && error.isEmpty() && before != now;
    w.previous = w.changed ? before : QString();
    w.value = value;
    w.error = error;
    w.shown = true;
}

void WatchesModel::refresh() {
    if (watches_.empty()) return;
    const uint64_t pos = session_.isOpen() ? session_.position() : ~uint64_t{0};
    const bool moved = pos != position_;
    position_ = pos;
    for (auto& w : watches_) evaluate(w, moved);
    Q_EMIT dataChanged(index(0, 0), index(static_cast<int>(watches_.size()) - 1, ColumnCount - 1));
}

int WatchesModel::addWatch(const QString& expression) {
    const QString text = expression.trimmed();
    if (text.isEmpty()) return -1;
    const int row = static_cast<int>(watches_.size());
    beginInsertRows({}, row, row);
    Watch w;
    w.expression = text;
    evaluate(w, false);
    watches_.push_back(std::move(w));
    endInsertRows();
    position_ = session_.isOpen() ? session_.position() : ~uint64_t{0};
    return row;
}

bool WatchesModel::removeWatch(int row) {
    if (row < 0 || row >= static_cast<int>(watches_.size())) return false;
    beginRemoveRows({}, row, row);
    watches_.erase(watches_.begin() + row);
    endRemoveRows();
    return true;
}

void WatchesModel::clear() {
    beginResetModel();
    watches_.clear();
    endResetModel();
}

QStringList WatchesModel::expressions() const {
    QStringList out;
    for (const auto& w : watches_) out << w.expression;
    return out;
}

QModelIndex WatchesModel::index(int row, int column, const QModelIndex& parent) const {
    if (parent.isValid() || row < 0 || row >= static_cast<int>(watches_.size()) || column < 0 ||
        column >= ColumnCount)
        return {};
    return createIndex(row, column);
}
QModelIndex WatchesModel::parent(const QModelIndex&) const {
    return {};
}
int WatchesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(watches_.size());
}
int WatchesModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant WatchesModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= static_cast<int>(watches_.size())) return {};
    const Watch& w = watches_[static_cast<size_t>(index.row())];
    const bool value = index.column() == ValueColumn;
    switch (role) {
        case Qt::DisplayRole:
            if (!value) return w.expression;
            return w.error.isEmpty() ? w.value : QStringLiteral("<%1>").arg(w.error);
        case Qt::EditRole:
            return value ? QVariant() : QVariant(w.expression);
        case Qt::ToolTipRole:
            if (!value) return tr("Double-click to edit; Delete removes the watch");
            if (!w.error.isEmpty()) return tr("Cannot be evaluated here: %1").arg(w.error);
            if (w.changed) return tr("%1\n(was %2 before this step)").arg(w.value, w.previous);
            return w.value;
        case Qt::ForegroundRole:
            if (value && !w.error.isEmpty()) return QColor(128, 128, 128);
            return {};
        case Qt::FontRole:
            if (value && !w.error.isEmpty()) {
                QFont f;
                f.setItalic(true);
                return f;
            }
            return {};
        case Qt::BackgroundRole:
            // The Locals pane's colour for a value written at this step.
            if (value && w.changed) return QColor(255, 190, 0, 90);
            return {};
        case ChangedRole:
            return w.changed;
        case ErrorRole:
            return w.error;
        case PreviousRole:
            return w.previous;
        default:
            return {};
    }
}

bool WatchesModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid() || index.column() != ExpressionColumn || role != Qt::EditRole)
        return false;
    const QString text = value.toString().trimmed();
    if (text.isEmpty()) return removeWatch(index.row());
    Watch& w = watches_[static_cast<size_t>(index.row())];
    w = Watch{};
    w.expression = text;
    evaluate(w, false);
    Q_EMIT dataChanged(this->index(index.row(), 0), this->index(index.row(), ColumnCount - 1));
    return true;
}

Qt::ItemFlags WatchesModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (index.column() == ExpressionColumn) f |= Qt::ItemIsEditable;
    return f;
}

QVariant WatchesModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    return section == ExpressionColumn ? tr("Expression") : tr("Value");
}

}  // namespace reel::gui
