#include "attnviz/ui/panels/head_stats_model.h"

#include "attnviz/ui/views/analysis_kind.h"

#include <QColor>
#include <QFont>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace attnviz::ui {
namespace {

constexpr int kStatCount = static_cast<int>(core::kAllHeadStatistics.size());

// Cells are tinted by their value within the column: the pattern of a
// statistic over the heads shows at a glance.
const QColor kTint(52, 120, 246);
const QColor kHoverColor(255, 226, 122);

QString headerText(int column) {
    if (column == HeadStatsModel::kHeadColumn) return QStringLiteral("head");
    if (column == HeadStatsModel::kSimilarityColumn) return QStringLiteral("similarity");
    switch (core::kAllHeadStatistics[column - 1]) {
    case core::HeadStatistic::Entropy: return QStringLiteral("entr.");
    case core::HeadStatistic::MeanDistance: return QStringLiteral("dist.");
    case core::HeadStatistic::Sink: return QStringLiteral("sink");
    case core::HeadStatistic::PrevToken: return QStringLiteral("prev");
    case core::HeadStatistic::Diagonal: return QStringLiteral("diag.");
    case core::HeadStatistic::Induction: return QStringLiteral("induct.");
    }
    return {};
}

// The statistic's own name (the JSON key), for tooltips.
QString fullName(int column) {
    if (column == HeadStatsModel::kSimilarityColumn) return QStringLiteral("similarity");
    return toQString(core::statisticName(core::kAllHeadStatistics[column - 1]));
}

}  // namespace

HeadStatsModel::HeadStatsModel(QObject* parent) : QAbstractTableModel(parent) {}

std::optional<core::HeadStatistic> HeadStatsModel::columnStatistic(int column) {
    if (column < 1 || column > kStatCount) return std::nullopt;
    return core::kAllHeadStatistics[column - 1];
}

int HeadStatsModel::statisticColumn(core::HeadStatistic statistic) {
    for (int i = 0; i < kStatCount; ++i) {
        if (core::kAllHeadStatistics[i] == statistic) return i + 1;
    }
    return -1;
}

void HeadStatsModel::setStats(std::vector<core::HeadStats> stats, int nHeads) {
    // Another model: start over (no similarity column, rows in head order).
    const bool reset = stats.size() != m_stats.size() || std::max(1, nHeads) != m_nHeads;
    if (reset) beginResetModel();
    m_stats = std::move(stats);
    m_nHeads = std::max(1, nHeads);
    m_similarity.clear();
    if (reset) {
        m_reference.reset();
        m_order.resize(m_stats.size());
        std::iota(m_order.begin(), m_order.end(), 0);
        if (m_sortColumn == kSimilarityColumn) {
            m_sortColumn = kHeadColumn;
            m_sortOrder = Qt::AscendingOrder;
        }
        endResetModel();
    }
    updateColumnRanges();
    applySort();
}

void HeadStatsModel::setInductionState(bool measuring, const QString& problem) {
    m_inductionMeasuring = measuring;
    m_inductionProblem = problem;
    const int column = statisticColumn(core::HeadStatistic::Induction);
    if (rowCount() > 0) emit dataChanged(index(0, column), index(rowCount() - 1, column));
    emit headerDataChanged(Qt::Horizontal, column, column);
}

void HeadStatsModel::setSimilarity(HeadRef reference, const std::vector<core::HeadScore>& ranking) {
    const bool newColumn = !m_reference;
    if (newColumn) beginInsertColumns({}, kSimilarityColumn, kSimilarityColumn);
    m_reference = reference;
    m_similarity.assign(m_stats.size(), std::numeric_limits<double>::quiet_NaN());
    for (const core::HeadScore& s : ranking) {
        const std::size_t i = static_cast<std::size_t>(s.layer) * m_nHeads + s.head;
        if (i < m_similarity.size()) m_similarity[i] = s.value;
    }
    if (newColumn) endInsertColumns();
    emit headerDataChanged(Qt::Horizontal, kSimilarityColumn, kSimilarityColumn);
    updateColumnRanges();
    applySort();
    if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

void HeadStatsModel::clearSimilarity() {
    if (!m_reference) return;
    beginRemoveColumns({}, kSimilarityColumn, kSimilarityColumn);
    m_reference.reset();
    m_similarity.clear();
    endRemoveColumns();
    if (m_sortColumn == kSimilarityColumn) {
        m_sortColumn = kHeadColumn;
        m_sortOrder = Qt::AscendingOrder;
    }
    updateColumnRanges();
    applySort();
}

HeadRef HeadStatsModel::headAt(int row) const {
    if (row < 0 || row >= rowCount()) return {-1, -1};
    const int i = m_order[static_cast<std::size_t>(row)];
    return {m_stats[static_cast<std::size_t>(i)].layer, m_stats[static_cast<std::size_t>(i)].head};
}

int HeadStatsModel::rowOf(HeadRef head) const {
    for (int row = 0; row < rowCount(); ++row) {
        if (headAt(row) == head) return row;
    }
    return -1;
}

std::vector<core::HeadStats> HeadStatsModel::orderedStats() const {
    std::vector<core::HeadStats> out;
    for (int i : m_order) out.push_back(m_stats[static_cast<std::size_t>(i)]);
    return out;
}

void HeadStatsModel::setHoveredHead(HeadRef head) {
    if (head == m_hovered) return;
    const int before = rowOf(m_hovered);
    m_hovered = head;
    const int after = rowOf(m_hovered);
    for (int row : {before, after}) {
        if (row >= 0) emit dataChanged(index(row, 0), index(row, columnCount() - 1));
    }
}

int HeadStatsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_stats.size());
}

int HeadStatsModel::columnCount(const QModelIndex& parent) const {
    if (parent.isValid()) return 0;
    return 1 + kStatCount + (m_reference ? 1 : 0);
}

double HeadStatsModel::value(int statIndex, int column) const {
    if (column == kSimilarityColumn) {
        return static_cast<std::size_t>(statIndex) < m_similarity.size() ? m_similarity[static_cast<std::size_t>(statIndex)]
                                                                        : std::numeric_limits<double>::quiet_NaN();
    }
    return m_stats[static_cast<std::size_t>(statIndex)].value(*columnStatistic(column));
}

QVariant HeadStatsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount()) return {};
    const int i = m_order[static_cast<std::size_t>(index.row())];
    const core::HeadStats& s = m_stats[static_cast<std::size_t>(i)];
    const int column = index.column();
    const HeadRef head{s.layer, s.head};
    if (role == Qt::BackgroundRole) {
        if (head == m_hovered) return kHoverColor;
        if (column == kHeadColumn) return {};
        const double v = value(i, column);
        const auto [lo, hi] = m_ranges[static_cast<std::size_t>(column)];
        if (std::isnan(v) || !(hi > lo)) return {};
        QColor c = kTint;
        c.setAlphaF(static_cast<float>(0.05 + 0.35 * (v - lo) / (hi - lo)));
        return c;
    }
    if (role == Qt::FontRole && head == m_hovered) {
        QFont f;
        f.setBold(true);
        return f;
    }
    if (role == Qt::TextAlignmentRole) {
        return QVariant::fromValue(column == kHeadColumn ? Qt::AlignLeft | Qt::AlignVCenter : Qt::AlignRight | Qt::AlignVCenter);
    }
    if (column == kHeadColumn) {
        if (role == Qt::DisplayRole) return head.label();
        if (role == kValueRole) return s.layer * m_nHeads + s.head;
        if (role == Qt::ToolTipRole) return tr("Layer %1, head %2 (0-based): click to show it").arg(s.layer).arg(s.head);
        return {};
    }
    const double v = value(i, column);
    const bool induction = columnStatistic(column) == core::HeadStatistic::Induction;
    if (role == kValueRole) return v;
    if (role == Qt::DisplayRole) {
        if (std::isnan(v)) {
            if (induction && m_inductionMeasuring) return QStringLiteral("…");
            return QStringLiteral("\u2014");
        }
        // Few digits keep the columns narrow; the tooltip has them all.
        const auto stat = columnStatistic(column);
        const bool unbounded = stat == core::HeadStatistic::Entropy || stat == core::HeadStatistic::MeanDistance;
        return QString::number(v, 'f', unbounded ? 2 : 3);
    }
    if (role == Qt::ToolTipRole) {
        if (std::isnan(v)) {
            if (induction && m_inductionMeasuring) return tr("Measuring: one more run of the model on a repeated random sequence");
            if (induction && !m_inductionProblem.isEmpty()) return m_inductionProblem;
            if (column == kSimilarityColumn) return tr("Computing the similarity...");
            return tr("Undefined for this input (e.g. prev_token of a one-token text)");
        }
        return QStringLiteral("%1 of %2: %3").arg(fullName(column), head.label()).arg(v, 0, 'g', 9);
    }
    return {};
}

QVariant HeadStatsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return QAbstractTableModel::headerData(section, orientation, role);
    if (section < 0 || section >= columnCount()) return {};
    if (role == Qt::DisplayRole) {
        if (section == kSimilarityColumn && m_reference) return QStringLiteral("~%1").arg(m_reference->label());
        return headerText(section);
    }
    if (role == Qt::ToolTipRole) {
        if (section == kHeadColumn) return tr("Layer and head, numbered from 0");
        if (section == kSimilarityColumn) {
            return wrapToolTip(tr("Similarity to %1: %2").arg(m_reference ? m_reference->label() : QString(),
                                                              toQString(core::kHeadSimilarityFormula)));
        }
        QString tip = toQString(core::statisticFormula(*columnStatistic(section)));
        if (columnStatistic(section) == core::HeadStatistic::Induction && !m_inductionProblem.isEmpty()) {
            tip += QStringLiteral("\n\n") + m_inductionProblem;
        }
        return wrapToolTip(tip);
    }
    if (role == Qt::InitialSortOrderRole) {
        return section == kHeadColumn ? Qt::AscendingOrder : Qt::DescendingOrder;
    }
    return {};
}

void HeadStatsModel::sort(int column, Qt::SortOrder order) {
    if (column < 0 || column >= columnCount()) return;
    m_sortColumn = column;
    m_sortOrder = order;
    applySort();
}

void HeadStatsModel::applySort() {
    if (m_sortColumn >= columnCount()) {
        m_sortColumn = kHeadColumn;
        m_sortOrder = Qt::AscendingOrder;
    }
    std::vector<int> order(m_stats.size());
    std::iota(order.begin(), order.end(), 0);  // layer-major: (layer, head) order
    const auto indexOf = [this](const core::HeadScore& s) { return s.layer * m_nHeads + s.head; };
    if (m_sortColumn == kHeadColumn) {
        if (m_sortOrder == Qt::DescendingOrder) std::reverse(order.begin(), order.end());
    } else if (m_sortColumn == kSimilarityColumn) {
        if (!m_similarity.empty()) {
            // Descending is rankHeadsBySimilarity's order; ascending keeps
            // ties in (layer, head) order too.
            std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
                const double va = m_similarity[static_cast<std::size_t>(a)];
                const double vb = m_similarity[static_cast<std::size_t>(b)];
                if (std::isnan(va) || std::isnan(vb)) return !std::isnan(va) && std::isnan(vb);
                return m_sortOrder == Qt::DescendingOrder ? va > vb : va < vb;
            });
        }
    } else {
        const auto ranking = core::rankHeadsByStatistic(
            m_stats, *columnStatistic(m_sortColumn),
            m_sortOrder == Qt::DescendingOrder ? core::SortOrder::Descending : core::SortOrder::Ascending);
        order.clear();
        for (const core::HeadScore& s : ranking) order.push_back(indexOf(s));
    }
    if (order == m_order) return;
    emit layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    const QModelIndexList before = persistentIndexList();
    std::vector<HeadRef> heads;
    for (const QModelIndex& i : before) heads.push_back(headAt(i.row()));
    m_order = std::move(order);
    QModelIndexList after;
    for (int k = 0; k < before.size(); ++k) after << index(rowOf(heads[static_cast<std::size_t>(k)]), before[k].column());
    changePersistentIndexList(before, after);
    emit layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

void HeadStatsModel::updateColumnRanges() {
    m_ranges.assign(static_cast<std::size_t>(1 + kStatCount + 1), {0.0, 0.0});
    for (int column = 1; column < columnCount(); ++column) {
        double lo = std::numeric_limits<double>::infinity();
        double hi = -lo;
        for (std::size_t i = 0; i < m_stats.size(); ++i) {
            const double v = value(static_cast<int>(i), column);
            if (std::isnan(v)) continue;
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        if (lo <= hi) m_ranges[static_cast<std::size_t>(column)] = {lo, hi};
    }
    if (rowCount() > 0) emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
}

}  // namespace attnviz::ui
