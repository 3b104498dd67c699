#include "panels/head_stats_panel.h"
#include "attnviz/ui/window/theme.h"

#include "attnviz/ui/views/analysis_kind.h"
#include "attnviz/ui/export/exporters.h"
#include "attnviz/ui/panels/head_stats_model.h"

#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTimer>
#include <QMessageBox>
#include <QPushButton>
#include <QSet>
#include <QStandardPaths>
#include <QStyle>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

namespace attnviz::ui {

HeadStatsPanel::HeadStatsPanel(QWidget* parent) : QWidget(parent) {
    m_search = new LatestJob(QStringLiteral("attnviz-similarity"), this);
    m_model = new HeadStatsModel(this);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("headStatsTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(HeadStatsModel::kHeadColumn, Qt::AscendingOrder);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    // fitColumns sizes the columns to their texts and shares out the rest of
    // the width (titles are short; their tooltips hold the formulas).
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->horizontalHeader()->setMinimumSectionSize(16);
    m_table->horizontalHeader()->setTextElideMode(Qt::ElideRight);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->setAlternatingRowColors(false);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->setMouseTracking(true);

    m_find = new QPushButton(tr("Find heads like L0 H0"), this);
    m_find->setObjectName(QStringLiteral("findSimilarButton"));
    m_find->setToolTip(wrapToolTip(tr("Rank every head by how alike its attention is to the current head's:\n%1")
                                       .arg(toQString(core::kHeadSimilarityFormula))));
    m_clear = new QPushButton(tr("Clear"), this);
    m_clear->setToolTip(tr("Remove the similarity column"));
    m_export = new QPushButton(tr("Export..."), this);
    m_export->setToolTip(tr("The table as CSV (in this order), or every analysis of the run as JSON with the formulas"));
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("headStatsStatus"));
    m_status->setWordWrap(true);
    setTextRole(m_status, TextRole::Muted);

    auto* row = new QHBoxLayout;
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(m_find, 1);
    row->addWidget(m_clear);
    row->addWidget(m_export);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 4);
    layout->setSpacing(4);
    layout->addLayout(row);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_status);

    m_table->viewport()->installEventFilter(this);
    const auto fit = [this] { scheduleFit(); };
    connect(m_model, &QAbstractItemModel::modelReset, this, fit);
    connect(m_model, &QAbstractItemModel::columnsInserted, this, fit);
    connect(m_model, &QAbstractItemModel::columnsRemoved, this, fit);
    connect(m_model, &QAbstractItemModel::dataChanged, this, fit);
    connect(m_model, &QAbstractItemModel::headerDataChanged, this, fit);
    connect(m_table->horizontalHeader(), &QHeaderView::sortIndicatorChanged, this, fit);
    connect(m_find, &QPushButton::clicked, this, [this] { findSimilar(m_current); });
    connect(m_clear, &QPushButton::clicked, this, &HeadStatsPanel::clearSimilar);
    connect(m_export, &QPushButton::clicked, this, &HeadStatsPanel::exportDialog);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (m_updatingSelection || !current.isValid()) return;
                const HeadRef head = m_model->headAt(current.row());
                if (head.layer < 0) return;
                m_current = head;
                updateControls();
                emit headSelected(head);
            });
    // Sorting keeps the selected head in view.
    connect(m_model, &QAbstractItemModel::layoutChanged, this, [this] {
        const int row = m_model->rowOf(m_current);
        if (row >= 0) m_table->scrollTo(m_model->index(row, 0));
    });
    updateControls();
}

void HeadStatsPanel::setResult(std::shared_ptr<const SessionResult> result) {
    m_result = std::move(result);
    if (!m_result) return;
    m_settingResult = true;
    const auto reference = m_model->similarityReference();
    m_model->setStats(m_result->headStats, m_result->trace->nHeads());
    m_model->setInductionState(!m_result->induction && m_result->inductionProblem.isEmpty(), m_result->inductionProblem);
    // A new run: rank again against the same reference head.
    if (reference && m_model->similarityReference() && !m_result->isCross()) {
        startSearch(*reference, false);
    } else {
        m_searching = false;
    }
    syncSortIndicator();
    m_settingResult = false;
    fitColumns();
    setCurrentHead(m_current);
    updateControls();
}

void HeadStatsPanel::syncSortIndicator() {
    QHeaderView* header = m_table->horizontalHeader();
    if (header->sortIndicatorSection() != m_model->sortColumn() || header->sortIndicatorOrder() != m_model->sortOrder()) {
        header->setSortIndicator(m_model->sortColumn(), m_model->sortOrder());
    }
}

void HeadStatsPanel::setCurrentHead(HeadRef head) {
    m_current = head;
    const int row = m_model->rowOf(head);
    m_updatingSelection = true;
    if (row < 0) {
        m_table->clearSelection();
    } else {
        const QModelIndex index = m_model->index(row, 0);
        m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_table->scrollTo(index);
    }
    m_updatingSelection = false;
    updateControls();
}

void HeadStatsPanel::setHoveredHead(HeadRef head) {
    m_model->setHoveredHead(head);
    const int row = m_model->rowOf(head);
    if (row >= 0) m_table->scrollTo(m_model->index(row, 0));
}

void HeadStatsPanel::findSimilar(HeadRef head) {
    if (!m_result || head.isMean() || head.layer < 0 || head.layer >= m_result->trace->nLayers() ||
        head.head >= m_result->trace->nHeads()) {
        return;
    }
    startSearch(head, true);
}

void HeadStatsPanel::clearSimilar() {
    m_search->cancel();
    m_searching = false;
    m_model->clearSimilarity();
    syncSortIndicator();
    updateControls();
}

void HeadStatsPanel::startSearch(HeadRef head, bool sortBySimilarity) {
    m_searching = true;
    // On a long lazy trace the ranking computes every head: the status line
    // shows how far it is.
    m_searchProgress = std::make_shared<std::atomic<int>>(0);
    if (!m_searchTimer) {
        m_searchTimer = new QTimer(this);
        m_searchTimer->setInterval(250);
        connect(m_searchTimer, &QTimer::timeout, this, [this] {
            if (!m_searching) m_searchTimer->stop();
            updateControls();
        });
    }
    m_searchTimer->start();
    updateControls();
    using Ranking = std::shared_ptr<const std::vector<core::HeadScore>>;
    m_search->submit<Ranking>(
        [trace = m_result->trace, head, progress = m_searchProgress](const std::atomic<bool>& cancel)
            -> core::Result<Ranking> {
            return std::make_shared<const std::vector<core::HeadScore>>(
                core::rankHeadsBySimilarity(*trace, head.layer, head.head, {&cancel, progress.get()}));
        },
        [this, head, sortBySimilarity](core::Result<Ranking> ranking) {
            m_searching = false;
            if (!ranking) {
                m_searchProblem = QString::fromStdString(ranking.error());
                updateControls();
                return;
            }
            m_searchProblem.clear();
            m_model->setSimilarity(head, **ranking);
            if (sortBySimilarity) m_table->sortByColumn(HeadStatsModel::kSimilarityColumn, Qt::DescendingOrder);
            updateControls();
            emit similarityReady();
        });
}

bool HeadStatsPanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_table->viewport() && event->type() == QEvent::Resize) scheduleFit();
    return QWidget::eventFilter(watched, event);
}

// A new run changes the stats, the induction state and the sort at once:
// setResult fits the columns once, after all of it.
void HeadStatsPanel::scheduleFit() {
    if (m_settingResult) return;
    fitColumns();
}

void HeadStatsPanel::fitColumns() {
    QHeaderView* header = m_table->horizontalHeader();
    const int columns = m_model->columnCount();
    if (columns < 2 || header->count() != columns) return;
    // What a column needs: its widest cell (measured bold: the hovered row)
    // with the view's text margins, and its title with the header's margins
    // and, on the sorted column, the arrow (half the header's height wide).
    QFont bold = m_table->font();
    bold.setBold(true);
    const QFontMetrics cellMetrics(bold);
    // Cells differ mostly in their digits: each column measures every
    // distinct text once with all its digits made the widest digit, which
    // bounds the real widths (a few patterns instead of a text per head).
    QChar widestDigit = QLatin1Char('0');
    for (char c = '1'; c <= '9'; ++c) {
        if (cellMetrics.horizontalAdvance(QLatin1Char(c)) > cellMetrics.horizontalAdvance(widestDigit)) widestDigit = QLatin1Char(c);
    }
    const QFontMetrics titleMetrics(header->font());
    const int cellPadding = 2 * (m_table->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, m_table) + 1);
    const int margin = header->style()->pixelMetric(QStyle::PM_HeaderMargin, nullptr, header);
    const int arrow = std::max(header->height(), header->sizeHint().height()) / 2 + 2 * margin;
    const auto n = static_cast<std::size_t>(columns);
    std::vector<int> widths(n);
    std::vector<int> titleExcess(n);
    int total = 0;
    for (std::size_t c = 0; c < n; ++c) {
        const int column = static_cast<int>(c);
        int cells = 0;
        QSet<QString> patterns;
        for (int row = 0; row < m_model->rowCount(); ++row) {
            QString text = m_model->index(row, column).data().toString();
            for (QChar& ch : text) {
                if (ch.isDigit()) ch = widestDigit;
            }
            if (patterns.contains(text)) continue;
            cells = std::max(cells, cellMetrics.horizontalAdvance(text));
            patterns.insert(text);
        }
        cells += cellPadding;
        const bool sorted = header->isSortIndicatorShown() && header->sortIndicatorSection() == column;
        const int title = titleMetrics.horizontalAdvance(m_model->headerData(column, Qt::Horizontal).toString()) +
                          4 * margin + 2 + (sorted ? arrow : 0);
        widths[c] = cells;
        titleExcess[c] = std::max(0, title - cells);
        total += cells;
    }
    // The numbers always get their room. Then the titles that want more,
    // the smallest wish first, so that as many as possible show whole (the
    // others elide; their tooltips name them). Narrower still, the table scrolls.
    int spare = m_table->viewport()->width() - total;
    std::vector<std::size_t> byExcess(n);
    std::iota(byExcess.begin(), byExcess.end(), std::size_t{0});
    std::stable_sort(byExcess.begin(), byExcess.end(),
                     [&](std::size_t a, std::size_t b) { return titleExcess[a] < titleExcess[b]; });
    for (std::size_t c : byExcess) {
        const int extra = std::min(titleExcess[c], std::max(0, spare));
        widths[c] += extra;
        spare -= extra;
    }
    // What is left goes to the statistics, evenly (the head names keep theirs).
    if (spare > 0) {
        const int shared = columns - 1;
        for (int c = 1; c < columns; ++c) {
            widths[static_cast<std::size_t>(c)] += spare / shared + (c - 1 < spare % shared ? 1 : 0);
        }
    }
    for (std::size_t c = 0; c < n; ++c) {
        if (header->sectionSize(static_cast<int>(c)) != widths[c]) header->resizeSection(static_cast<int>(c), widths[c]);
    }
}

QString HeadStatsPanel::statusText() const { return m_status->text(); }

void HeadStatsPanel::updateControls() {
    // Similarity compares square self-attention maps (none for cross-attention).
    const bool usable = m_result && !m_current.isMean() && m_current.layer >= 0 && !m_result->isCross();
    m_find->setEnabled(usable);
    m_find->setText(m_current.isMean() ? tr("Find heads like ... (pick a head)")
                                       : tr("Find heads like %1").arg(m_current.label()));
    m_clear->setEnabled(m_model->similarityReference().has_value() || m_searching);
    m_export->setEnabled(m_result != nullptr);
    if (!m_result) {
        m_status->setText(tr("Head statistics appear with the first run."));
        return;
    }
    if (m_result->isCross()) {
        m_status->setText(tr("No statistics for cross-attention: they describe square self-attention (diagonal, "
                             "previous token, ...). Choose encoder or decoder attention to see them."));
        return;
    }
    QStringList parts;
    if (m_result->kind) {
        parts << tr("%n head(s), statistics of the %1 (mask: %2)", nullptr, static_cast<int>(m_result->headStats.size()))
                     .arg(attentionKindTitle(*m_result->kind), maskLabel(m_result->trace->mask()));
    } else {
        parts << tr("%n head(s), statistics of this run (mask: %1)", nullptr, static_cast<int>(m_result->headStats.size()))
                     .arg(maskLabel(m_result->trace->mask()));
    }
    if (m_result->induction) {
        parts << tr("induction on [BOS]+r+r, n = %1, seed %2")
                     .arg(m_result->induction->sequence.repeatLength)
                     .arg(m_result->induction->sequence.seed);
    } else if (!m_result->inductionProblem.isEmpty()) {
        parts << tr("induction not measured: %1").arg(m_result->inductionProblem);
    } else {
        parts << tr("measuring induction...");
    }
    if (m_searching) {
        const int permille = m_searchProgress ? m_searchProgress->load() : 0;
        parts << (permille > 0 ? tr("ranking by similarity... %1 %").arg(permille / 10) : tr("ranking by similarity..."));
    }
    if (!m_searchProblem.isEmpty()) parts << m_searchProblem;
    parts << tr("hover a column title for its formula");
    m_status->setText(parts.join(QStringLiteral(" · ")));
}

core::Status HeadStatsPanel::exportTo(const QString& path) const {
    if (!m_result) return core::makeError(core::ErrorCode::InvalidInput, "there is nothing to export yet: open a model and type a sentence");
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("csv")) return exportHeadStatsCsv(m_model->orderedStats(), path);
    if (suffix == QLatin1String("json")) return exportAnalysisJson(*m_result, path);
    return core::makeError(core::ErrorCode::InvalidInput, "the head statistics export as .csv (the table) or .json (every analysis), not '" +
                           QFileInfo(path).fileName().toStdString() + "'");
}

void HeadStatsPanel::exportDialog() {
    if (!m_result) return;
    QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (dir.isEmpty() || !QFileInfo(dir).isDir()) dir = QDir::homePath();
    const QString suggested = QDir(dir).filePath(m_result->modelName + QStringLiteral("-head-stats.csv"));
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export the head statistics"), suggested,
        tr("CSV, the table in its order (*.csv);;JSON, every analysis with formulas (*.json)"));
    if (path.isEmpty()) return;
    if (const core::Status s = exportTo(path); !s) {
        QMessageBox::warning(this, tr("Export failed"), QString::fromStdString(s.error()));
    }
}

}  // namespace attnviz::ui
