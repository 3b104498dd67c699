#include "window/view_tabs.h"

#include "attnviz/ui/views/analysis_view.h"
#include "attnviz/ui/views/compare_view.h"
#include "attnviz/ui/views/difference_view.h"
#include "attnviz/ui/views/explain_view.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"
#include "panels/analysis_page.h"
#include "panels/compare_page.h"
#include "panels/difference_page.h"
#include "attnviz/ui/views/alignment_view.h"
#include "window/app_settings.h"
#include "window/generation_panel.h"

namespace attnviz::ui {

ViewTabs::ViewTabs(QWidget* parent, SessionModel* session) : QTabWidget(parent) {
    setObjectName(QStringLiteral("viewTabs"));
    setDocumentMode(true);
    m_headView = new HeadView(this);
    m_overview = new HeadGridView(this);
    m_overview->setGroupByKv(AppSettings().groupByKv());
    connect(m_overview, &HeadGridView::groupByKvChanged, this, [](bool grouped) { AppSettings().setGroupByKv(grouped); });
    m_compare = new ComparePage(this);
    m_difference = new DifferencePage(this);
    m_analysis = new AnalysisPage(this);
    addTab(m_headView, tr("Head"));
    addTab(m_overview, tr("Overview"));
    addTab(m_compare, tr("Compare"));
    addTab(m_difference, tr("Difference"));
    addTab(m_analysis, tr("Aggregates"));
    m_alignment = new AlignmentView(this);
    addTab(m_alignment, tr("Alignment"));
    setTabToolTip(5, tr("Encoder-decoder models: source and target tokens joined by their cross-attention"));
    setTabVisible(5, false);
    if (session != nullptr) {
        m_generation = new GenerationPanel(session, this);
        addTab(m_generation, tr("Generation"));
        setTabToolTip(6, tr("Generate step by step and see what each new token attended to"));
    }
    m_explain = new ExplainView(this);
    addTab(m_explain, tr("Explain"));
    setTabToolTip(indexOf(m_explain), tr("One row of one head computed step by step from q, k and v: scores, "
                                         "scale, mask, softmax, the weighted sum of the values"));
    setTabToolTip(4, tr("Attention rollout, value-weighted norms, means and maxima over heads and layers, "
                        "each with its formula"));
}

QStringList ViewTabs::menuNames() {
    return {tr("&Head"), tr("&Overview"), tr("&Compare"), tr("&Difference"), tr("&Aggregates"), tr("A&lignment"),
            tr("&Generation"), tr("E&xplain")};
}

void ViewTabs::setEncoderDecoder(bool encoderDecoder) {
    setTabVisible(5, encoderDecoder);
    if (!encoderDecoder && currentIndex() == 5) setCurrentIndex(0);
}

std::vector<PlotView*> ViewTabs::views() const {
    return {m_headView, m_overview, m_compare->view(), m_difference->view(), m_analysis->view()};
}

PlotView* ViewTabs::currentView() const {
    QWidget* w = currentWidget();
    if (w == m_compare) return m_compare->view();
    if (w == m_difference) return m_difference->view();
    if (w == m_analysis) return m_analysis->view();
    return qobject_cast<PlotView*>(w);
}

void ViewTabs::setPlaceholder(const QString& text) {
    for (PlotView* v : views()) v->setPlaceholder(text);
}

bool ViewTabs::currentFollowsHead() const {
    QWidget* tab = currentWidget();
    return tab == m_headView || tab == m_difference ||
           (tab == m_analysis && analysisUsesHead(m_analysis->view()->kind()));
}

}  // namespace attnviz::ui
