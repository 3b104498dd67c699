#include "panels/analysis_page.h"
#include "attnviz/ui/window/theme.h"

#include "attnviz/ui/views/analysis_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

namespace attnviz::ui {

AnalysisPage::AnalysisPage(QWidget* parent) : QWidget(parent) {
    m_view = new AnalysisView(this);
    m_kind = new QComboBox(this);
    m_kind->setObjectName(QStringLiteral("analysisKind"));
    for (AnalysisKind k : kAllAnalysisKinds) {
        m_kind->addItem(analysisKindLabel(k), static_cast<int>(k));
        m_kind->setItemData(m_kind->count() - 1, wrapToolTip(analysisFormula(k)), Qt::ToolTipRole);
    }
    m_rolloutLabel = new QLabel(tr("through layer"), this);
    m_rolloutLayers = new QSpinBox(this);
    m_rolloutLayers->setObjectName(QStringLiteral("rolloutLayers"));
    m_rolloutLayers->setPrefix(QStringLiteral("L"));
    m_rolloutLayers->setToolTip(tr("Rollout and flow chain the layers 0..L (the last layer: the whole model)"));
    m_usesHead = new QLabel(this);
    setTextRole(m_usesHead, TextRole::Muted);

    auto* row = new QHBoxLayout;
    row->setContentsMargins(6, 4, 6, 0);
    row->addWidget(new QLabel(tr("Aggregate:"), this));
    row->addWidget(m_kind);
    row->addWidget(m_rolloutLabel);
    row->addWidget(m_rolloutLayers);
    row->addSpacing(12);
    row->addWidget(m_usesHead);
    row->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(row);
    layout->addWidget(m_view, 1);

    connect(m_kind, &QComboBox::currentIndexChanged, this, [this] {
        const auto kind = static_cast<AnalysisKind>(m_kind->currentData().toInt());
        m_view->setKind(kind);
        updateControls();
        emit kindChanged(kind);
    });
    connect(m_rolloutLayers, &QSpinBox::valueChanged, this, [this](int layer) {
        m_view->setRolloutLastLayer(layer == m_rolloutLayers->maximum() ? -1 : layer);
    });
    m_view->setKind(static_cast<AnalysisKind>(m_kind->currentData().toInt()));
    updateControls();
}

void AnalysisPage::setKind(AnalysisKind kind) {
    m_kind->setCurrentIndex(std::max(0, m_kind->findData(static_cast<int>(kind))));
}

void AnalysisPage::setLayerCount(int nLayers) {
    QSignalBlocker block(m_rolloutLayers);
    m_rolloutLayers->setRange(0, std::max(0, nLayers - 1));
    m_rolloutLayers->setValue(m_rolloutLayers->maximum());
    m_view->setRolloutLastLayer(-1);
}

void AnalysisPage::updateControls() {
    const auto kind = static_cast<AnalysisKind>(m_kind->currentData().toInt());
    const bool rollout = analysisChainsLayers(kind);
    m_rolloutLabel->setVisible(rollout);
    m_rolloutLayers->setVisible(rollout);
    m_kind->setToolTip(wrapToolTip(analysisFormula(kind)));
    if (analysisUsesHead(kind)) {
        m_usesHead->setText(tr("for the head chosen above (layer and head)"));
    } else if (analysisUsesLayer(kind) && !rollout) {
        m_usesHead->setText(tr("for the layer chosen above"));
    } else {
        m_usesHead->clear();
    }
}

}  // namespace attnviz::ui
