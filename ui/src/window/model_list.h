// The rows of the Models window: core's discovered models as a Qt table,
// one column per field, sortable by value (numbers as numbers), rows of
// models attnviz cannot open greyed with the reason as their tooltip.
#pragma once

#include "attnviz/core/model_discovery.h"

#include <QAbstractTableModel>

#include <vector>

namespace attnviz::ui {

class ModelList : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Name, Source, Architecture, Parameters, Layers, Heads, KvHeads, Type, Size, Supported, Reason, Path, ColumnCount };
    // data(index, SortRole): the value the column sorts by.
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit ModelList(QObject* parent = nullptr);

    void setModels(std::vector<core::DiscoveredModel> models);
    const std::vector<core::DiscoveredModel>& models() const { return m_models; }
    const core::DiscoveredModel& at(int row) const { return m_models.at(static_cast<std::size_t>(row)); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVariant display(const core::DiscoveredModel& m, int column) const;
    QVariant sortKey(const core::DiscoveredModel& m, int column) const;

    std::vector<core::DiscoveredModel> m_models;
};

}  // namespace attnviz::ui
