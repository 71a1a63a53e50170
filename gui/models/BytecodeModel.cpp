#include "models/BytecodeModel.h"

#include <QColor>
#include <QFont>

#include <algorithm>

#include "models/Session.h"

namespace reel::gui {

BytecodeModel::BytecodeModel(Session& session, QObject* parent)
    : QAbstractItemModel(parent), session_(session) {
    connect(&session_, &Session::selectionChanged, this, &BytecodeModel::refresh);
    connect(&session_, &Session::closed, this, &BytecodeModel::refresh);
    refresh();
}

void BytecodeModel::refresh() {
    const format::CodeObject* code = session_.isOpen() ? session_.code() : nullptr;
    int current = -1;
    if (const replayer::Frame* f = code ? session_.frame() : nullptr; f && f->lasti >= 0) {
        // The instruction containing f_lasti (it may point into an instruction's cache entries).
        const auto& ins = code->instructions;
        auto it = std::upper_bound(
            ins.begin(), ins.end(), uint32_t(f->lasti),
            [](uint32_t off, const format::Instruction& i) { return off < i.offset; });
        if (it != ins.begin()) current = static_cast<int>(std::prev(it) - ins.begin());
    }
    if (code != code_) {
        beginResetModel();
        code_ = code;
        current_ = current;
        endResetModel();
    } else if (current != current_) {
        const int old = current_;
        current_ = current;
        if (old >= 0) Q_EMIT dataChanged(index(old, 0), index(old, ColumnCount - 1));
        if (current >= 0) Q_EMIT dataChanged(index(current, 0), index(current, ColumnCount - 1));
    } else {
        return;
    }
    Q_EMIT currentRowChanged(current_);
}

QModelIndex BytecodeModel::index(int row, int column, const QModelIndex& parent) const {
    if (parent.isValid() || row < 0 || row >= rowCount() || column < 0 || column >= ColumnCount)
        return {};
    return createIndex(row, column);
}
QModelIndex BytecodeModel::parent(const QModelIndex&) const {
    return {};
}
int BytecodeModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !code_ ? 0 : static_cast<int>(code_->instructions.size());
}
int BytecodeModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BytecodeModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !code_) return {};
    const format::Instruction& in = code_->instructions[static_cast<size_t>(index.row())];
    const bool current = index.row() == current_;
    switch (role) {
        case Qt::DisplayRole:
            switch (index.column()) {
                case OffsetColumn:
                    return in.offset;
                case LineColumn:
                    return in.line >= 0 ? QVariant(in.line) : QVariant();
                case OpnameColumn:
                    return QString::fromStdString(in.opname);
                case ArgumentColumn:
                    if (in.arg < 0) return {};
                    if (in.argRepr.empty()) return in.arg;
                    return QStringLiteral("%1 (%2)").arg(in.arg).arg(
                        QString::fromStdString(in.argRepr));
            }
            return {};
        case Qt::FontRole:
            if (current) {
                QFont f;
                f.setBold(true);
                return f;
            }
            return {};
        case Qt::BackgroundRole:
            if (current) return QColor(80, 160, 255, 90);
            return {};
        case Qt::TextAlignmentRole:
            if (index.column() <= LineColumn) return int(Qt::AlignRight | Qt::AlignVCenter);
            return {};
        case CurrentRole:
            return current;
        case OffsetRole:
            return in.offset;
        case LineRole:
            return in.line;
        case JumpTargetRole:
            return in.jumpTarget;
    }
    return {};
}

QVariant BytecodeModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case OffsetColumn:
            return QStringLiteral("Offset");
        case LineColumn:
            return QStringLiteral("Line");
        case OpnameColumn:
            return QStringLiteral("Instruction");
        case ArgumentColumn:
            return QStringLiteral("Argument");
    }
    return {};
}

}  // namespace reel::gui
