#pragma once
// The selected frame's locals as a tree: one top-level row per bound local (fast slots in slot
// order, or the namespace in insertion order for module/class/exec frames), children fetched
// lazily from the trace's value records through the replayer's ValueRenderer (items of
// containers, dict entries, attributes, exception args). Values that changed at the current
// event are flagged (ChangedRole) and highlighted. At a RETURN/YIELD/EXCEPTION event of the
// frame, a first row "(return)"/"(yield)"/"(exception)" shows the value leaving (or reaching) it.

#include <QAbstractItemModel>

#include <vector>

#include "reel/replayer/ProgramState.h"
#include "reel/replayer/ValueRenderer.h"

namespace reel::gui {

class Session;

class LocalsModel : public QAbstractItemModel {
    Q_OBJECT
  public:
    enum Columns { NameColumn, ValueColumn, TypeColumn, ColumnCount };
    enum Roles {
        ChangedRole = Qt::UserRole + 1,  // a top-level local written at the current event
        LocalKeyRole,                    // top-level rows: LocalKey packed as (isName << 32 | id)
        TopLevelRole,                    // true for a local (watchpoints apply to those)
        ExpandableRole,                  // the value has children
        PathRole,  // "items/[1]/[0]": stable across steps, for restoring expansion
    };

    explicit LocalsModel(Session& session, QObject* parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    bool hasChildren(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

    // Dunder names (__name__, __builtins__, ...) of module frames; hidden by default like the
    // state export does.
    void setShowDunder(bool on);

    static qulonglong packKey(replayer::LocalKey k) { return (qulonglong(k.isName) << 32) | k.id; }
    static replayer::LocalKey unpackKey(qulonglong v) {
        return {bool(v >> 32), uint32_t(v & 0xFFFFFFFFu)};
    }

    // Top-level row of the local named `name`, -1 when not shown.
    int rowOf(const QString& name) const;

  private:
    struct Node {
        int parent = -1;  // node index, -1 for top level
        int row = 0;
        QString name;
        QString path;
        replayer::ValueNode value;
        QString text;  // cached rendering
        bool changed = false;
        bool pseudo = false;  // the "(return)"/"(yield)"/"(exception)" row
        replayer::LocalKey key;
        bool fetched = false;
        std::vector<int> children;
    };
    void refresh();
    void fetchChildren(int node) const;
    int addNode(Node n) const;

    Session& session_;
    bool showDunder_ = false;
    mutable std::vector<Node> nodes_;
    std::vector<int> top_;
};

}  // namespace reel::gui
