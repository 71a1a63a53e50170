#pragma once
// The locals pane: a tree over LocalsModel that keeps what the user expanded while they step
// (by value path, e.g. "items/[1]"), with a context menu for the reverse watchpoint ("Go to
// previous change" / "Go to next change" of a local), "Watch" (to the Watches pane) and "Copy
// value".

#include <QSet>
#include <QTreeView>

namespace reel::gui {

class Session;
class LocalsModel;

class LocalsTree : public QTreeView {
    Q_OBJECT
  public:
    LocalsTree(Session& session, LocalsModel& model, QWidget* parent = nullptr);

    // The context menu's actions, for a row (tests call these directly).
    void goToChange(const QModelIndex& index, bool forward);
    void copyValue(const QModelIndex& index);

  Q_SIGNALS:
    // "Watch NAME" in the context menu: keep this local in the Watches pane.
    void watchRequested(const QString& expression);

  protected:
    void contextMenuEvent(QContextMenuEvent* e) override;

  private:
    void remember();
    void restore(const QModelIndex& parent);

    Session& session_;
    LocalsModel& model_;
    QSet<QString> expanded_;
};

}  // namespace reel::gui
