#include "panels/difference_page.h"

#include "attnviz/ui/export/exporters.h"
#include "panels/elided_label.h"
#include "attnviz/ui/session/pinned_run.h"
#include "attnviz/ui/views/difference_view.h"
#include "attnviz/ui/window/theme.h"
#include "window/app_settings.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <cmath>

namespace attnviz::ui {

DifferencePage::DifferencePage(QWidget* parent) : QWidget(parent) {
    m_view = new DifferenceView(this);
    m_source = new QComboBox(this);
    m_source->setObjectName(QStringLiteral("differenceSource"));
    m_source->addItem(tr("current head: chosen mask \u2212 the model's own mask"),
                      static_cast<int>(DifferenceView::Source::MaskVsDefault));
    m_source->addItem(tr("first compared head \u2212 second compared head"),
                      static_cast<int>(DifferenceView::Source::TwoHeads));
    m_source->addItem(tr("current head: live run \u2212 pinned run"), static_cast<int>(DifferenceView::Source::PinnedRun));
    m_pin = new QPushButton(tr("Pin This Run"), this);
    m_pin->setObjectName(QStringLiteral("pinRun"));
    m_pin->setToolTip(tr("Keep the run on screen to compare the next one with: change the sentence, the mask or the "
                         "model (Ctrl+P)"));
    m_unpin = new QPushButton(tr("Unpin"), this);
    m_unpin->setVisible(false);
    // On its own line under the controls (shown while a run is pinned); a
    // long one ends in an ellipsis rather than widen the window.
    m_pinned = new ElidedLabel(this, 16);
    m_pinned->setObjectName(QStringLiteral("pinnedLabel"));
    m_pinned->setContentsMargins(8, 0, 8, 0);
    m_pinned->setVisible(false);
    setTextRole(m_pinned, TextRole::Muted);
    auto* row = new QHBoxLayout;
    row->setContentsMargins(6, 4, 6, 0);
    row->addWidget(new QLabel(tr("Difference:"), this));
    row->addWidget(m_source);
    row->addSpacing(12);
    row->addWidget(m_pin);
    row->addWidget(m_unpin);
    row->addStretch(1);

    m_ranking = new QTreeWidget(this);
    m_ranking->setObjectName(QStringLiteral("headChanges"));
    m_ranking->setColumnCount(2);
    m_ranking->setHeaderLabels({tr("head"), tr("mean JSD")});
    m_ranking->setRootIsDecorated(false);
    m_ranking->setToolTip(headChangeFormula());
    m_ranking->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_exportRanking = new QPushButton(tr("Export CSV..."), this);
    m_exportRanking->setObjectName(QStringLiteral("exportHeadChanges"));
    m_exportRanking->setToolTip(tr("Save the ranking as CSV: rank, layer, head, mean JSD"));
    m_rankingPane = new QWidget(this);
    auto* pane = new QVBoxLayout(m_rankingPane);
    pane->setContentsMargins(0, 0, 0, 0);
    pane->setSpacing(2);
    pane->addWidget(m_ranking, 1);
    pane->addWidget(m_exportRanking);
    m_rankingPane->setVisible(false);
    m_rankingPane->setMinimumWidth(120);
    m_rankingPane->setMaximumWidth(170);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_view);
    split->addWidget(m_rankingPane);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 0);
    split->setCollapsible(0, false);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(row);
    layout->addWidget(m_pinned);
    layout->addWidget(split, 1);
    connect(m_source, &QComboBox::currentIndexChanged, this, [this] {
        const auto source = static_cast<DifferenceView::Source>(m_source->currentData().toInt());
        m_view->setSource(source);
        m_rankingPane->setVisible(source == DifferenceView::Source::PinnedRun);
        updateRanking();
    });
    connect(m_pin, &QPushButton::clicked, this, &DifferencePage::pinRequested);
    connect(m_unpin, &QPushButton::clicked, this, [this] { setPinned(nullptr); });
    connect(m_ranking, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) {
        emit headChosen(HeadRef{item->data(0, Qt::UserRole).toInt(), item->data(0, Qt::UserRole + 1).toInt()});
    });
    connect(m_exportRanking, &QPushButton::clicked, this, [this] {
        AppSettings settings;
        QString dir = settings.exportDir();
        if (dir.isEmpty() || !QFileInfo(dir).isDir()) dir = QDir::homePath();
        const QString path = QFileDialog::getSaveFileName(this, tr("Export the Ranking of Changed Heads"),
                                                          QDir(dir).filePath(QStringLiteral("head-changes.csv")),
                                                          tr("CSV (*.csv)"));
        if (path.isEmpty()) return;
        settings.setExportDir(QFileInfo(path).absolutePath());
        if (const core::Status written = exportRanking(path); !written) {
            QMessageBox::warning(this, tr("Export failed"), QString::fromStdString(written.error()));
        }
    });
    connect(m_view, &PlotView::redrawn, this, &DifferencePage::updateRanking);
}

core::Status DifferencePage::exportRanking(const QString& path) const {
    if (!m_ranked || m_ranked->ranking.empty()) {
        return core::makeError(core::ErrorCode::InvalidInput, "there is no ranking yet: pin a run, then change the "
                                                              "sentence, the mask or the model");
    }
    return exportHeadChangesCsv(m_ranked->ranking, path);
}

void DifferencePage::setPinned(const PinnedRun* pinned) {
    m_view->setPinned(pinned);
    m_unpin->setVisible(pinned != nullptr);
    m_pinned->setFullText(pinned ? tr("Pinned: %1").arg(pinned->label()) : QString());
    m_pinned->setVisible(pinned != nullptr);
    if (pinned) showSource(static_cast<int>(DifferenceView::Source::PinnedRun));
    updateRanking();
}

void DifferencePage::showSource(int source) {
    const int index = m_source->findData(source);
    if (index >= 0) m_source->setCurrentIndex(index);
}

void DifferencePage::updateRanking() {
    const auto c = m_view->source() == DifferenceView::Source::PinnedRun ? m_view->comparison() : nullptr;
    if (c == m_ranked) return;
    m_ranked = c;
    m_ranking->clear();
    m_exportRanking->setEnabled(c != nullptr && !c->ranking.empty());
    if (!c) return;
    for (const core::HeadChange& h : c->ranking) {
        auto* item = new QTreeWidgetItem(m_ranking);
        item->setText(0, HeadRef{h.layer, h.head}.label());
        item->setText(1, std::isnan(h.meanJsd) ? QStringLiteral("-") : QString::number(h.meanJsd, 'f', 4));
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        item->setData(0, Qt::UserRole, h.layer);
        item->setData(0, Qt::UserRole + 1, h.head);
        item->setToolTip(1, QString::number(h.meanJsd, 'g', 9));
    }
}

}  // namespace attnviz::ui
