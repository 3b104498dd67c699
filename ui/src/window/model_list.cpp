#include "window/model_list.h"

#include <QApplication>
#include <QDir>
#include <QPalette>

namespace attnviz::ui {

namespace {

QString fromStd(const std::string& s) { return QString::fromStdString(s); }

QVariant optionalInt(const std::optional<int>& v) { return v ? QVariant(*v) : QVariant(); }

}  // namespace

ModelList::ModelList(QObject* parent) : QAbstractTableModel(parent) {}

void ModelList::setModels(std::vector<core::DiscoveredModel> models) {
    beginResetModel();
    m_models = std::move(models);
    endResetModel();
}

int ModelList::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_models.size());
}

int ModelList::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ModelList::display(const core::DiscoveredModel& m, int column) const {
    switch (column) {
    case Name: return fromStd(m.name);
    case Source: return fromStd(m.source);
    case Architecture: return fromStd(m.architecture);
    case Parameters: return m.parameters ? fromStd(core::parameterCountText(*m.parameters)) : QString();
    case Layers: return optionalInt(m.layers);
    case Heads: return optionalInt(m.heads);
    case KvHeads: return optionalInt(m.kvHeads);
    case Type: return fromStd(m.dtype);
    case Size: return fromStd(core::fileSizeText(m.bytes));
    case Supported: return m.supported ? tr("yes") : tr("no");
    case Reason: return fromStd(m.reason);
    case Path: return QDir::toNativeSeparators(fromStd(m.path.string()));
    }
    return {};
}

QVariant ModelList::sortKey(const core::DiscoveredModel& m, int column) const {
    switch (column) {
    case Parameters: return m.parameters ? QVariant(static_cast<qulonglong>(*m.parameters)) : QVariant(qulonglong{0});
    case Layers: return m.layers.value_or(-1);
    case Heads: return m.heads.value_or(-1);
    case KvHeads: return m.kvHeads.value_or(-1);
    case Size: return static_cast<qulonglong>(m.bytes);
    case Supported: return m.supported ? 1 : 0;
    default: return display(m, column).toString().toLower();
    }
}

QVariant ModelList::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const core::DiscoveredModel& m = at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole: return display(m, column);
    case SortRole: return sortKey(m, column);
    case Qt::ForegroundRole:
        if (!m.supported) return QApplication::palette().brush(QPalette::Disabled, QPalette::Text);
        return {};
    case Qt::ToolTipRole: {
        QString tip = QStringLiteral("<b>%1</b><br>%2").arg(fromStd(m.name).toHtmlEscaped(),
                                                            QDir::toNativeSeparators(fromStd(m.path.string())).toHtmlEscaped());
        if (!m.supported) {
            tip += QStringLiteral("<br><br>") + tr("attnviz cannot open it: %1").arg(fromStd(m.reason).toHtmlEscaped());
        } else if (!m.reason.empty()) {
            tip += QStringLiteral("<br><br>") + fromStd(m.reason).toHtmlEscaped();
        }
        return tip;
    }
    case Qt::TextAlignmentRole:
        switch (column) {
        case Parameters: case Layers: case Heads: case KvHeads: case Size:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default: return {};
        }
    default: return {};
    }
}

QVariant ModelList::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Name: return tr("Name");
    case Source: return tr("Source");
    case Architecture: return tr("Architecture");
    case Parameters: return tr("Parameters");
    case Layers: return tr("Layers");
    case Heads: return tr("Heads");
    case KvHeads: return tr("KV heads");
    case Type: return tr("Type");
    case Size: return tr("Size");
    case Supported: return tr("Supported");
    case Reason: return tr("Reason / note");
    case Path: return tr("Path");
    }
    return {};
}

}  // namespace attnviz::ui
