#include "models/LocalsModel.h"

#include <QColor>

#include "models/Session.h"

namespace reel::gui {

LocalsModel::LocalsModel(Session& session, QObject* parent)
    : QAbstractItemModel(parent), session_(session) {
    connect(&session_, &Session::selectionChanged, this, &LocalsModel::refresh);
    connect(&session_, &Session::closed, this, &LocalsModel::refresh);
    refresh();
}

void LocalsModel::setShowDunder(bool on) {
    showDunder_ = on;
    refresh();
}

int LocalsModel::addNode(Node n) const {
    nodes_.push_back(std::move(n));
    return static_cast<int>(nodes_.size()) - 1;
}

void LocalsModel::refresh() {
    beginResetModel();
    nodes_.clear();
    top_.clear();
    const replayer::Frame* f = session_.isOpen() ? session_.frame() : nullptr;
    if (f) {
        const uint64_t now = session_.state().event;
        auto add = [&](replayer::LocalKey key, format::ValueRef ref, uint64_t changedAt) {
            Node n;
            n.name = session_.localName(*f, key);
            if (!showDunder_ && n.name.size() > 4 && n.name.startsWith(QLatin1String("__")) &&
                n.name.endsWith(QLatin1String("__")))
                return;
            n.row = static_cast<int>(top_.size());
            n.path = n.name;
            n.key = key;
            n.changed = changedAt == now;
            try {
                n.value = session_.renderer().node(ref);
                n.text = QString::fromStdString(n.value.text);
            } catch (const std::exception& e) {
                n.value = {};
                n.text = QStringLiteral("<damaged: %1>").arg(QString::fromUtf8(e.what()));
            }
            top_.push_back(addNode(std::move(n)));
        };
        // At a RETURN/YIELD/EXCEPTION event the frame's outgoing value (or the exception that
        // reached it) comes first, like a debugger's "return value" row; it is not a local, so
        // it has no watchpoint.
        const auto& st = session_.state();
        const char* pseudo = st.kind == format::RecordKind::Return      ? "(return)"
                             : st.kind == format::RecordKind::Yield     ? "(yield)"
                             : st.kind == format::RecordKind::Exception ? "(exception)"
                                                                        : nullptr;
        if (pseudo && f == st.eventFrame()) {
            Node n;
            n.name = QLatin1String(pseudo);
            n.path = n.name;
            n.pseudo = true;
            n.changed = true;
            n.row = 0;
            try {
                n.value = session_.renderer().node(st.value);
                n.text = QString::fromStdString(n.value.text);
            } catch (const std::exception& e) {
                n.text = QStringLiteral("<damaged: %1>").arg(QString::fromUtf8(e.what()));
            }
            top_.push_back(addNode(std::move(n)));
        }
        for (size_t s = 0; s < f->slots.size(); ++s)
            if (f->slots[s].bound())
                add(replayer::LocalKey::slot(static_cast<uint32_t>(s)), f->slots[s].value,
                    f->slots[s].changedAt);
        for (const auto& nl : f->names)
            add(replayer::LocalKey::name(nl.nameId), nl.value, nl.changedAt);
    }
    endResetModel();
}

void LocalsModel::fetchChildren(int node) const {
    if (nodes_[static_cast<size_t>(node)].fetched) return;
    nodes_[static_cast<size_t>(node)].fetched = true;
    if (!nodes_[static_cast<size_t>(node)].value.expandable) return;
    std::vector<replayer::ValueChild> kids;
    try {
        kids = session_.renderer().children(nodes_[static_cast<size_t>(node)].value);
    } catch (const std::exception& e) {
        Node n;
        n.parent = node;
        n.name = QStringLiteral("<damaged>");
        n.text = QString::fromUtf8(e.what());
        n.fetched = true;
        const int id = addNode(std::move(n));
        nodes_[static_cast<size_t>(node)].children.push_back(id);
        return;
    }
    const QString base = nodes_[static_cast<size_t>(node)].path;
    for (auto& k : kids) {
        Node n;
        n.parent = node;
        n.row = static_cast<int>(nodes_[static_cast<size_t>(node)].children.size());
        n.name = QString::fromStdString(k.label);
        n.path = base + QLatin1Char('/') + n.name;
        n.text = QString::fromStdString(k.node.text);
        n.value = std::move(k.node);
        const int id = addNode(std::move(n));
        nodes_[static_cast<size_t>(node)].children.push_back(id);
    }
}

QModelIndex LocalsModel::index(int row, int column, const QModelIndex& parent) const {
    if (column < 0 || column >= ColumnCount || row < 0) return {};
    if (!parent.isValid()) {
        if (row >= static_cast<int>(top_.size())) return {};
        return createIndex(row, column, quintptr(top_[static_cast<size_t>(row)]));
    }
    const int p = static_cast<int>(parent.internalId());
    fetchChildren(p);
    const auto& ch = nodes_[static_cast<size_t>(p)].children;
    if (row >= static_cast<int>(ch.size())) return {};
    return createIndex(row, column, quintptr(ch[static_cast<size_t>(row)]));
}

QModelIndex LocalsModel::parent(const QModelIndex& child) const {
    if (!child.isValid()) return {};
    const Node& n = nodes_[child.internalId()];
    if (n.parent < 0) return {};
    return createIndex(nodes_[static_cast<size_t>(n.parent)].row, 0, quintptr(n.parent));
}

int LocalsModel::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid()) return static_cast<int>(top_.size());
    if (parent.column() != 0) return 0;
    const int p = static_cast<int>(parent.internalId());
    fetchChildren(p);
    return static_cast<int>(nodes_[static_cast<size_t>(p)].children.size());
}

bool LocalsModel::hasChildren(const QModelIndex& parent) const {
    if (!parent.isValid()) return !top_.empty();
    if (parent.column() != 0) return false;
    return nodes_[parent.internalId()].value.expandable;
}

int LocalsModel::columnCount(const QModelIndex&) const {
    return ColumnCount;
}

QVariant LocalsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const Node& n = nodes_[index.internalId()];
    switch (role) {
        case Qt::DisplayRole:
            switch (index.column()) {
                case NameColumn:
                    return n.name;
                case ValueColumn:
                    return n.text;
                case TypeColumn:
                    return QString::fromStdString(n.value.typeName);
            }
            return {};
        case Qt::ToolTipRole:
            if (index.column() == ValueColumn) return n.text;
            return {};
        case Qt::BackgroundRole:
            // Translucent so it reads on the light and the dark palette alike.
            if (n.pseudo) return QColor(80, 160, 255, 70);
            if (n.changed) return QColor(255, 190, 0, 90);
            return {};
        case ChangedRole:
            return n.changed;
        case LocalKeyRole:
            return n.parent < 0 && !n.pseudo ? QVariant(packKey(n.key)) : QVariant();
        case TopLevelRole:
            return n.parent < 0;
        case ExpandableRole:
            return n.value.expandable;
        case PathRole:
            return n.path;
    }
    return {};
}

QVariant LocalsModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case NameColumn:
            return QStringLiteral("Name");
        case ValueColumn:
            return QStringLiteral("Value");
        case TypeColumn:
            return QStringLiteral("Type");
    }
    return {};
}

int LocalsModel::rowOf(const QString& name) const {
    for (size_t i = 0; i < top_.size(); ++i)
        if (nodes_[static_cast<size_t>(top_[i])].name == name) return static_cast<int>(i);
    return -1;
}

}  // namespace reel::gui
