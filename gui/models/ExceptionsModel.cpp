#include "models/ExceptionsModel.h"

#include <QColor>
#include <QFileInfo>
#include <QPalette>

#include "models/Session.h"

namespace reel::gui {

ExceptionsModel::ExceptionsModel(Session& session, QObject* parent)
    : QAbstractItemModel(parent), session_(session) {
    connect(&session_, &Session::opened, this, &ExceptionsModel::reload);
    connect(&session_, &Session::closed, this, &ExceptionsModel::reload);
    connect(&session_, &Session::positionChanged, this, [this] {
        if (rows_)
            Q_EMIT dataChanged(index(0, 0), index(rows_ - 1, ColumnCount - 1),
                               {Qt::ForegroundRole, HappenedRole});
    });
    reload();
}

void ExceptionsModel::reload() {
    beginResetModel();
    texts_.clear();
    shown_.clear();
    rows_ = 0;
    const int libraryBefore = library_;
    library_ = 0;
    if (session_.isOpen()) {
        const auto& ex = session_.replayer().exceptions();
        shown_.reserve(ex.size());
        for (size_t i = 0; i < ex.size(); ++i) {
            const bool library = !ex[i].concernsProgram();
            library_ += library ? 1 : 0;
            if (showLibrary_ || !library) shown_.push_back(static_cast<uint32_t>(i));
        }
        texts_.resize(shown_.size());
        rows_ = static_cast<int>(shown_.size());
    }
    endResetModel();
    if (library_ != libraryBefore) Q_EMIT libraryCountChanged(library_);
}

void ExceptionsModel::setShowLibrary(bool on) {
    if (on == showLibrary_) return;
    showLibrary_ = on;
    reload();
}

QModelIndex ExceptionsModel::index(int row, int column, const QModelIndex& parent) const {
    if (parent.isValid() || row < 0 || row >= rows_ || column < 0 || column >= ColumnCount)
        return {};
    return createIndex(row, column);
}
QModelIndex ExceptionsModel::parent(const QModelIndex&) const {
    return {};
}
int ExceptionsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : rows_;
}
int ExceptionsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

static QString outcomeText(replayer::ExceptionInfo::Outcome o) {
    using O = replayer::ExceptionInfo::Outcome;
    switch (o) {
        case O::Handled:
            return QStringLiteral("handled");
        case O::Uncaught:
            return QStringLiteral("uncaught");
        case O::Replaced:
            return QStringLiteral("replaced");
        case O::InFlightAtEnd:
            return QStringLiteral("in flight at end");
    }
    return {};
}

QVariant ExceptionsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || !session_.isOpen()) return {};
    const uint32_t number = shown_[static_cast<size_t>(index.row())];
    const auto& e = session_.replayer().exceptions()[number];
    const bool happened = e.raisedAt <= session_.position();
    auto where = [&](uint32_t codeId, int32_t line) {
        const format::CodeObject* c = session_.codeById(codeId);
        if (!c) return QString();
        return QStringLiteral("%1 (%2:%3)")
            .arg(QString::fromStdString(c->qualname),
                 QFileInfo(QString::fromStdString(c->filename)).fileName())
            .arg(line);
    };
    switch (role) {
        case Qt::DisplayRole:
            switch (index.column()) {
                case EventColumn:
                    return QVariant::fromValue<qulonglong>(e.raisedAt);
                case ExceptionColumn: {
                    auto& text = texts_[static_cast<size_t>(index.row())];
                    if (!text) text = session_.render(e.value);
                    return *text;
                }
                case RaisedColumn:
                    return where(e.raiseCodeId, e.raiseLine);
                case OutcomeColumn:
                    if (e.endEvent == replayer::kNoEvent) return outcomeText(e.outcome);
                    return QStringLiteral("%1 in %2 at event %3")
                        .arg(outcomeText(e.outcome), where(e.endCodeId, e.endLine))
                        .arg(e.endEvent);
            }
            return {};
        case Qt::ForegroundRole:
            if (!happened) return QColor(128, 128, 128);
            if (index.column() == OutcomeColumn &&
                e.outcome == replayer::ExceptionInfo::Outcome::Uncaught)
                return QColor(220, 50, 50);
            return {};
        case RaisedEventRole:
            return QVariant::fromValue<qulonglong>(e.raisedAt);
        case EndEventRole:
            return QVariant::fromValue<qulonglong>(e.endEvent);
        case HappenedRole:
            return happened;
        case OutcomeRole:
            return static_cast<int>(e.outcome);
        case IndexRole:
            return QVariant::fromValue<qulonglong>(number);
        case LibraryRole:
            return !e.concernsProgram();
    }
    return {};
}

QVariant ExceptionsModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case EventColumn:
            return QStringLiteral("Event");
        case ExceptionColumn:
            return QStringLiteral("Exception");
        case RaisedColumn:
            return QStringLiteral("Raised in");
        case OutcomeColumn:
            return QStringLiteral("Outcome");
    }
    return {};
}

}  // namespace reel::gui
