#include "attnviz/ui/views/compare_view.h"

#include "attnviz/ui/views/analysis_kind.h"
#include "plot/heatmap_panels.h"
#include "plot/panel_columns.h"
#include "plot/plot_canvas.h"
#include "plot/qcp_style.h"
#include "plot/stretch.h"
#include "plot/token_ticker.h"
#include "plot/view_data.h"

namespace attnviz::ui {

struct CompareView::Impl {
    std::vector<HeadRef> shownHeads;
    QCPColorScale* scale = nullptr;
    QCPMarginGroup* margins = nullptr;
    int columns = 0;
};

CompareView::CompareView(QWidget* parent) : PlotView(parent), d(std::make_unique<Impl>()) {
    d->margins = new QCPMarginGroup(canvas());
    canvas()->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    setPlaceholder(tr("Open a model and type a sentence, then add heads to compare."));
}

CompareView::~CompareView() = default;

int CompareView::panelCount() const { return message().isEmpty() ? panels().size() : 0; }

QCPColorMap* CompareView::colorMap(int panel) const {
    return panel >= 0 && panel < panelCount() ? panels().at(panel)->colorMap() : nullptr;
}

bool CompareView::layoutOutdated() const {
    return !panels().empty() && panelColumnsFor(panels().size(), layoutArea()) != d->columns;
}

void CompareView::setHeads(const std::vector<HeadRef>& heads) {
    m_heads = heads;
    if (m_heads.size() > kMaxHeads) m_heads.resize(kMaxHeads);
    redraw();
}

void CompareView::rebuild() {
    const auto& r = result();
    if (!r) return;
    const core::AttentionTrace& trace = *r->trace;
    std::vector<HeadRef> heads;
    for (const HeadRef& h : m_heads) {
        if (h.layer >= 0 && h.layer < trace.nLayers() && h.head >= -1 && h.head < trace.nHeads()) heads.push_back(h);
    }
    if (heads.empty()) {
        setMessage(tr("Pick heads to compare: type them above as layer:head (0-based, e.g. 0:1, 2:3), "
                      "press \"Add current head\", or Ctrl+click thumbnails in the overview."));
        return;
    }

    const int n = static_cast<int>(heads.size());
    const int columns = panelColumnsFor(n, layoutArea());
    if (panels().size() != n || d->columns != columns) {
        body()->clear();
        panels().clear();
        auto* grid = new QCPLayoutGrid;
        grid->setColumnSpacing(18);
        grid->setRowSpacing(12);
        body()->addElement(0, 0, makeSpacer(canvas()));
        body()->addElement(0, 1, grid);
        for (int i = 0; i < n; ++i) {
            HeatmapPanel* panel = panels().add(canvas(), grid, i / columns, i % columns);
            panel->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, d->margins);
        }
        d->scale = makeColorScale(canvas(), QStringLiteral("attention"));
        d->scale->setMarginGroup(QCP::msTop | QCP::msBottom, d->margins);
        body()->addElement(0, 2, d->scale);
        body()->addElement(0, 3, makeSpacer(canvas()));
        body()->setColumnStretchFactors(stretchFactors(
            {Stretch::Margin, Stretch::Fill, Stretch::Fixed, Stretch::Margin}));
        d->columns = columns;
    }
    d->shownHeads = heads;

    const ViewStyle& style = viewStyle();
    const std::vector<int> keep = shownTokens(*r, style);
    const QStringList labels = r->labels(keep);
    std::vector<Matrix> matrices;
    float ownMax = 0.0f;
    for (const HeadRef& h : heads) {
        matrices.push_back(shownAttention(*r, trace, h, style));
        ownMax = std::max(ownMax, maxFinite(matrices.back()));
    }
    // One range for every panel: the largest value among the compared heads
    // (or 0..1 when fixed).
    const auto [lo, hi] = attentionRange(style.range == RangeMode::Fixed ? RangeMode::Fixed : RangeMode::Head, ownMax, ownMax);
    d->scale->setGradient(makeGradient(style.colormap));
    d->scale->setDataRange(QCPRange(lo, hi));
    for (int i = 0; i < n; ++i) {
        HeatmapPanel* p = panels().at(i);
        setShownData(*p, *r, matrices[i], style);
        p->setColorScale(d->scale);
        p->setTitle(heads[i].isMean() ? QStringLiteral("L%1 mean").arg(heads[i].layer) : heads[i].label());
        p->setAxisTitles(false);
        p->axisRect()->axis(QCPAxis::atLeft)->setTickLabels(i % columns == 0);
    }
    d->scale->setDataRange(QCPRange(lo, hi));
    QStringList names;
    for (const HeadRef& h : heads) names << h.label();
    setTitles(QStringLiteral("%1 · %2%3").arg(r->modelName, r->kindPrefix(), names.join(QStringLiteral(", "))),
              standardNotes(true) + (r->isCross() ? QStringLiteral("   ·   rows: target tokens, columns: source tokens; one colour scale")
                                                  : QStringLiteral("   ·   rows: query, columns: key; one colour scale")));
    const bool anyMean = std::any_of(heads.begin(), heads.end(), [](const HeadRef& h) { return h.isMean(); });
    setFormula(anyMean ? QStringLiteral("Layer mean: %1").arg(analysisFormula(AnalysisKind::MeanOverHeads)) : QString());
    applyHighlight();
}

QString CompareView::cellText(int row, int col) const {
    if (panels().empty()) return {};
    const HeatmapPanel& first = *panels().at(0);
    if (row < 0 || col < 0 || row >= first.matrix().rows() || col >= first.matrix().cols()) return {};
    QString text = QStringLiteral("query '%1' -> key '%2':").arg(first.labels().value(row), first.colLabels().value(col));
    for (int i = 0; i < panels().size(); ++i) {
        text += QStringLiteral("\n%1: %2").arg(d->shownHeads[i].label()).arg(panels().at(i)->matrix().at(row, col), 0, 'f', 4);
    }
    return text;
}

void CompareView::hover(const QPointF& pos) {
    const auto hit = panels().hitCell(pos);
    if (!hit) {
        endHover();
        return;
    }
    const QString text = cellText(hit->row, hit->col);
    showHover(pos, text, QString(text).replace(QLatin1Char('\n'), QStringLiteral("  ")));
}

QSize CompareView::figureSize() const {
    const auto& r = result();
    const int n = std::max(1, panels().size());
    const int columns = panelColumnsFor(n, QSize());
    const int rows = (n + columns - 1) / columns;
    const int tokens = r ? static_cast<int>(shownTokens(*r, viewStyle()).size()) : 10;
    const int labels = r ? TokenTicker::labelRoom(r->labels(shownTokens(*r, viewStyle()))) : 60;
    const int side = std::clamp(tokens * 15, 220, columns > 2 ? 420 : 560);
    return {columns * (side + 24) + labels + 110 + 60,
            rows * (side + labels + 40) + 90 + (figureFormula().isEmpty() ? 0 : 36)};
}

}  // namespace attnviz::ui
