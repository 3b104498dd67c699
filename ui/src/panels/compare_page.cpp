#include "panels/compare_page.h"
#include "attnviz/ui/window/theme.h"

#include "attnviz/ui/views/compare_view.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace attnviz::ui {

ComparePage::ComparePage(QWidget* parent) : QWidget(parent) {
    m_view = new CompareView(this);
    m_edit = new QLineEdit(this);
    m_edit->setObjectName(QStringLiteral("compareHeadsEdit"));
    m_edit->setPlaceholderText(tr("layer:head, 0-based, e.g. 0:1, 2:3, 4:mean"));
    m_edit->setToolTip(tr("Up to %1 heads from any layers, on one colour scale").arg(CompareView::kMaxHeads));
    auto* add = new QPushButton(tr("Add current head"), this);
    add->setObjectName(QStringLiteral("addCurrentHead"));
    auto* clear = new QPushButton(tr("Clear"), this);
    m_problem = new QLabel(this);
    setTextRole(m_problem, TextRole::Error);
    auto* row = new QHBoxLayout;
    row->setContentsMargins(6, 4, 6, 0);
    row->addWidget(new QLabel(tr("Heads:"), this));
    row->addWidget(m_edit, 1);
    row->addWidget(add);
    row->addWidget(clear);
    row->addWidget(m_problem);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(row);
    layout->addWidget(m_view, 1);

    connect(m_edit, &QLineEdit::editingFinished, this, &ComparePage::parseEdit);
    connect(add, &QPushButton::clicked, this, &ComparePage::addCurrentRequested);
    connect(clear, &QPushButton::clicked, this, [this] { setHeads({}); });
}

void ComparePage::setModelShape(int nLayers, int nHeads) {
    m_nLayers = nLayers;
    m_nHeads = nHeads;
    std::vector<HeadRef> kept;
    for (const HeadRef& h : m_heads) {
        if (h.layer < nLayers && h.head < nHeads) kept.push_back(h);
    }
    if (kept.size() != m_heads.size()) setHeads(kept);
}

void ComparePage::setHeads(const std::vector<HeadRef>& heads) {
    m_heads = heads;
    if (m_heads.size() > CompareView::kMaxHeads) m_heads.resize(CompareView::kMaxHeads);
    m_edit->setText(formatHeadList(m_heads));
    m_problem->clear();
    m_view->setHeads(m_heads);
    emit headsChanged(m_heads);
}

void ComparePage::addHead(HeadRef head) {
    std::vector<HeadRef> next = m_heads;
    if (std::find(next.begin(), next.end(), head) != next.end()) return;
    if (next.size() >= CompareView::kMaxHeads) {
        m_problem->setText(tr("at most %1 heads").arg(CompareView::kMaxHeads));
        return;
    }
    next.push_back(head);
    setHeads(next);
}

void ComparePage::parseEdit() {
    auto parsed = parseHeadList(m_edit->text(), m_nLayers, m_nHeads);
    if (!parsed) {
        m_problem->setText(QString::fromStdString(parsed.error()));
        return;
    }
    if (parsed->size() > CompareView::kMaxHeads) {
        m_problem->setText(tr("at most %1 heads: keeping the first %1").arg(CompareView::kMaxHeads));
        parsed->resize(CompareView::kMaxHeads);
    }
    if (parsed.value() != m_heads) setHeads(parsed.value());
}

}  // namespace attnviz::ui
