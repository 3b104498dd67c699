// The head statistics of a run as a table model: one row per (layer, head),
// a column per statistic (core/head_stats.h) and, after "find heads like
// this one", the similarity to a reference head. Sorting uses the core's
// rankings (rankHeadsByStatistic, rankHeadsBySimilarity), so the table's
// order is the one attnviz-cli analyze --sort prints: undefined values last,
// ties in (layer, head) order.
#pragma once

#include "attnviz/core/head_search.h"
#include "attnviz/core/head_stats.h"
#include "attnviz/ui/session/head_ref.h"

#include <QAbstractTableModel>

#include <optional>
#include <vector>

namespace attnviz::ui {

class HeadStatsModel : public QAbstractTableModel {
    Q_OBJECT

public:
    // Column 0 names the head; 1..6 are kAllHeadStatistics in order; 7 is the
    // similarity, present only after setSimilarity.
    static constexpr int kHeadColumn = 0;
    static constexpr int kSimilarityColumn = 1 + static_cast<int>(core::kAllHeadStatistics.size());
    // The raw number of a cell (double; NaN when undefined or not measured).
    static constexpr int kValueRole = Qt::UserRole + 1;

    explicit HeadStatsModel(QObject* parent = nullptr);

    // Layer-major statistics of a new run. The sort order and the
    // similarity column stay; their values are those of the new run (the
    // similarity is cleared until setSimilarity brings the new ranking).
    void setStats(std::vector<core::HeadStats> stats, int nHeads);
    const std::vector<core::HeadStats>& stats() const { return m_stats; }
    // Induction not measured yet: the column says "measuring"; or why it failed.
    void setInductionState(bool measuring, const QString& problem);

    // The ranking of every head by similarity to `reference` (rankHeadsBySimilarity).
    void setSimilarity(HeadRef reference, const std::vector<core::HeadScore>& ranking);
    void clearSimilarity();
    std::optional<HeadRef> similarityReference() const { return m_reference; }

    // The statistic of a column (nullopt for the head and similarity columns).
    static std::optional<core::HeadStatistic> columnStatistic(int column);
    static int statisticColumn(core::HeadStatistic statistic);

    HeadRef headAt(int row) const;
    int rowOf(HeadRef head) const;  // -1 when absent
    // The rows' statistics in table order (for the CSV export).
    std::vector<core::HeadStats> orderedStats() const;

    // Rows of this head get the hover colour ({-1, -1}: none).
    void setHoveredHead(HeadRef head);
    HeadRef hoveredHead() const { return m_hovered; }

    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

private:
    double value(int statIndex, int column) const;
    void applySort();
    void updateColumnRanges();

    std::vector<core::HeadStats> m_stats;  // layer-major
    int m_nHeads = 1;
    std::vector<int> m_order;              // row -> index into m_stats
    std::vector<double> m_similarity;      // layer-major, empty until set
    std::optional<HeadRef> m_reference;
    std::vector<std::pair<double, double>> m_ranges;  // per column: min, max of defined values
    bool m_inductionMeasuring = false;
    QString m_inductionProblem;
    HeadRef m_hovered{-1, -1};
    int m_sortColumn = kHeadColumn;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
};

}  // namespace attnviz::ui
