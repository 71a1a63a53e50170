#include "widgets/LocalsTree.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QHeaderView>
#include <QMenu>

#include "models/LocalsModel.h"
#include "models/Session.h"

namespace reel::gui {

LocalsTree::LocalsTree(Session& session, LocalsModel& model, QWidget* parent)
    : QTreeView(parent), session_(session), model_(model) {
    setObjectName("localsView");
    setModel(&model_);
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    header()->setStretchLastSection(false);
    header()->setSectionResizeMode(LocalsModel::NameColumn, QHeaderView::Interactive);
    header()->setSectionResizeMode(LocalsModel::ValueColumn, QHeaderView::Stretch);
    header()->setSectionResizeMode(LocalsModel::TypeColumn, QHeaderView::Interactive);
    setColumnWidth(LocalsModel::NameColumn, 120);
    setColumnWidth(LocalsModel::TypeColumn, 80);
    connect(&model_, &QAbstractItemModel::modelAboutToBeReset, this, &LocalsTree::remember);
    connect(&model_, &QAbstractItemModel::modelReset, this, [this] { restore({}); });
}

void LocalsTree::remember() {
    // Collapsing a node forgets it; paths of rows no longer shown (another frame) are kept so
    // coming back to that frame re-expands them.
    std::function<void(const QModelIndex&)> walk = [&](const QModelIndex& parent) {
        for (int r = 0; r < model_.rowCount(parent); ++r) {
            const QModelIndex i = model_.index(r, 0, parent);
            const QString path = i.data(LocalsModel::PathRole).toString();
            if (isExpanded(i)) {
                expanded_.insert(path);
                walk(i);
            } else {
                expanded_.remove(path);
            }
        }
    };
    walk({});
}

void LocalsTree::restore(const QModelIndex& parent) {
    if (expanded_.isEmpty()) return;
    for (int r = 0; r < model_.rowCount(parent); ++r) {
        const QModelIndex i = model_.index(r, 0, parent);
        if (!i.data(LocalsModel::ExpandableRole).toBool()) continue;
        if (expanded_.contains(i.data(LocalsModel::PathRole).toString())) {
            expand(i);
            restore(i);
        }
    }
}

void LocalsTree::goToChange(const QModelIndex& index, bool forward) {
    QModelIndex top = index.siblingAtColumn(0);
    while (top.parent().isValid()) top = top.parent();
    if (!top.isValid() || !top.data(LocalsModel::LocalKeyRole).isValid()) return;
    const auto key = LocalsModel::unpackKey(top.data(LocalsModel::LocalKeyRole).toULongLong());
    session_.toLocalChange(forward ? replayer::Direction::Forward : replayer::Direction::Backward,
                           key);
}

void LocalsTree::copyValue(const QModelIndex& index) {
    QApplication::clipboard()->setText(
        index.siblingAtColumn(LocalsModel::ValueColumn).data().toString());
}

void LocalsTree::contextMenuEvent(QContextMenuEvent* e) {
    const QModelIndex i = indexAt(e->pos());
    if (!i.isValid()) return;
    QModelIndex top = i.siblingAtColumn(0);
    while (top.parent().isValid()) top = top.parent();
    const QString name = top.data().toString();
    QMenu menu(this);
    // A watchpoint follows the local itself; for an item inside it, its changes are the local's
    // (the recorder snapshots the whole value when it is mutated in place).
    const bool local = top.data(LocalsModel::LocalKeyRole).isValid();
    menu.addAction(tr("Go to previous change of %1").arg(name), this,
                   [this, i] { goToChange(i, false); })
        ->setEnabled(local);
    menu.addAction(tr("Go to next change of %1").arg(name), this,
                   [this, i] { goToChange(i, true); })
        ->setEnabled(local);
    menu.addSeparator();
    menu.addAction(tr("Watch %1").arg(name), this, [this, name] { Q_EMIT watchRequested(name); })
        ->setEnabled(local);
    menu.addAction(tr("Copy value"), this, [this, i] { copyValue(i); });
    menu.exec(e->globalPos());
}

}  // namespace reel::gui
