#include "panels/difference_page.h"

#include "attnviz/ui/views/difference_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace attnviz::ui {

DifferencePage::DifferencePage(QWidget* parent) : QWidget(parent) {
    m_view = new DifferenceView(this);
    m_source = new QComboBox(this);
    m_source->setObjectName(QStringLiteral("differenceSource"));
    m_source->addItem(tr("current head: chosen mask \u2212 the model's own mask"),
                      static_cast<int>(DifferenceView::Source::MaskVsDefault));
    m_source->addItem(tr("first compared head \u2212 second compared head"),
                      static_cast<int>(DifferenceView::Source::TwoHeads));
    auto* row = new QHBoxLayout;
    row->setContentsMargins(6, 4, 6, 0);
    row->addWidget(new QLabel(tr("Difference:"), this));
    row->addWidget(m_source);
    row->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(row);
    layout->addWidget(m_view, 1);
    connect(m_source, &QComboBox::currentIndexChanged, this, [this] {
        m_view->setSource(static_cast<DifferenceView::Source>(m_source->currentData().toInt()));
    });
}

}  // namespace attnviz::ui
