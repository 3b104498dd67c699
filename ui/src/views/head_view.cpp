#include "attnviz/ui/views/head_view.h"

#include "attnviz/core/model.h"
#include "attnviz/ui/views/analysis_kind.h"
#include "plot/heatmap_panels.h"
#include "plot/plot_canvas.h"
#include "plot/qcp_style.h"
#include "plot/stretch.h"
#include "plot/token_ticker.h"
#include "plot/triptych_layout.h"
#include "plot/view_data.h"

#include <QKeyEvent>

namespace attnviz::ui {
// panels(): with the steps raw scores, masked scores and probabilities; else
// the probabilities alone. The probabilities are always the last panel.
struct HeadView::Impl {
    QCPColorScale* probScale = nullptr;
    QCPColorScale* scoreScale = nullptr;
    QCPMarginGroup* margins = nullptr;
    int layoutKind = -1;  // 0: single, 1: steps
    int columns = 0;      // of the steps (triptych_layout.h); 0 for a single panel
    QString title;
    QString subtitle;  // without the note of the LOD image, added after each layout
};

HeadView::HeadView(QWidget* parent) : PlotView(parent), d(std::make_unique<Impl>()) {
    d->margins = new QCPMarginGroup(canvas());
    canvas()->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    setPlaceholder(tr("Open a model and type a sentence to see one head's attention."));
    // After the panels' own fitting (square, labels, LOD images): the
    // subtitle says how a large matrix is drawn at the size it got.
    canvas()->setLayoutHooks([this] { panels().clearSizeLimits(); },
                             [this] {
                                 const bool changed = panels().fitLayout();
                                 return noteLod(d->title, d->subtitle) || changed;
                             });
}

HeadView::~HeadView() = default;

bool HeadView::layoutOutdated() const {
    return d->layoutKind == 1 && d->columns != triptychColumns(layoutArea());
}

QCPColorMap* HeadView::colorMap() const { return panels().back() ? panels().back()->colorMap() : nullptr; }

QCPColorMap* HeadView::stepMap(int step) const {
    if (d->layoutKind != 1 || step < 0 || step >= panels().size()) return nullptr;
    return panels().at(step)->colorMap();
}

QString HeadView::cellText(int row, int col) const {
    return panels().back() ? panels().back()->cellText(row, col) : QString();
}

void HeadView::setHead(HeadRef head) {
    if (head == m_head) return;
    m_head = head;
    redraw();
}

void HeadView::setShowSteps(bool show) {
    if (show == m_showSteps) return;
    m_showSteps = show;
    redraw();
}

void HeadView::rebuild() {
    const auto& r = result();
    if (!r) return;
    const core::AttentionTrace& trace = *r->trace;
    m_head.layer = std::clamp(m_head.layer, 0, trace.nLayers() - 1);
    m_head.head = std::clamp(m_head.head, -1, trace.nHeads() - 1);
    // Cross-attention keeps no scores: the probabilities alone.
    const bool steps = m_showSteps && !m_head.isMean() && trace.hasScores() && !r->isCross();

    const int columns = steps ? triptychColumns(layoutArea()) : 0;
    if (d->layoutKind != (steps ? 1 : 0) || d->columns != columns) {
        if (steps) {
            const TriptychScales scales = buildTriptych(canvas(), body(), panels(), d->margins, columns,
                                                        QStringLiteral("score"), QStringLiteral("attention"));
            d->scoreScale = scales.pair;
            d->probScale = scales.third;
        } else {
            body()->clear();
            panels().clear();
            body()->addElement(0, 0, makeSpacer(canvas()));
            HeatmapPanel* panel = panels().add(canvas(), body(), 0, 1);
            panel->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, d->margins);
            d->probScale = makeColorScale(canvas(), QStringLiteral("attention"));
            d->probScale->setMarginGroup(QCP::msTop | QCP::msBottom, d->margins);
            body()->addElement(0, 2, d->probScale);
            body()->addElement(0, 3, makeSpacer(canvas()));
            body()->setColumnStretchFactors(
                stretchFactors({Stretch::Margin, Stretch::Fill, Stretch::Fixed, Stretch::Margin}));
            d->scoreScale = nullptr;
        }
        d->layoutKind = steps ? 1 : 0;
        d->columns = columns;
    }

    const ViewStyle& style = viewStyle();
    const std::vector<int> keep = shownTokens(*r, style);
    const QStringList labels = r->labels(keep);
    const Matrix probs = shownAttention(*r, trace, m_head, style);
    const auto [lo, hi] = attentionRange(style.range, maxFinite(probs), sharedMaximum(*r, trace, style));
    HeatmapPanel* probPanel = panels().back();
    probPanel->setAxisTitles(!steps);
    for (const auto& p : panels()) p->setLodMode(style.lodMean ? LodMode::Mean : LodMode::Max);
    setShownData(*probPanel, *r, probs, style);
    probPanel->setColorScale(d->probScale);
    d->probScale->setGradient(makeGradient(style.colormap));
    d->probScale->setDataRange(QCPRange(lo, hi));

    QString subtitle = standardNotes(true);
    if (r->isCross()) subtitle += QStringLiteral("   ·   ") + attentionKindAxes(AttentionKind::Cross);
    // Local layers: say which keys this layer lets a query see.
    if (r->layersDiffer()) subtitle += QStringLiteral("   ·   ") + r->layerDescription(m_head.layer);
    if (m_showSteps && trace.isLazy() && !m_head.isMean()) {
        subtitle += QStringLiteral("   ·   no steps: a long input keeps no scores (each head is computed when shown)");
    }
    if (steps) {
        // Raw and masked scores share one colour range (that of the raw scores).
        const Matrix raw = shownScores(*r, m_head, style, false);
        const Matrix masked = shownScores(*r, m_head, style, true);
        const double sLo = minFinite(raw);
        const double sHi = std::max(maxFinite(raw), minFinite(raw) + 1e-6f);
        for (int i = 0; i < 2; ++i) {
            HeatmapPanel* p = panels().at(i);
            p->setData(i == 0 ? raw : masked, labels, keep);
            QCPColorGradient g = makeGradient(style.colormap);
            g.setNanColor(figureColors().minusInfinity);  // masked scores are -inf
            p->setGradient(g);
            p->setDataRange(sLo, sHi);
            p->setAxisTitles(false);
        }
        // The scale belongs to the masked-score panel; the raw panel shares it.
        panels().at(1)->setColorScale(d->scoreScale);
        d->scoreScale->setGradient(makeGradient(style.colormap));
        d->scoreScale->setDataRange(QCPRange(sLo, sHi));
        {
            QCPColorGradient g = makeGradient(style.colormap);
            g.setNanColor(figureColors().minusInfinity);  // masked scores are -inf
            d->scoreScale->setGradient(g);
        }
        panels().at(0)->setTitle(QStringLiteral("1 · scores QK\u1d40/\u221ad"));
        panels().at(1)->setTitle(QStringLiteral("2 · masked scores (dark: \u2212\u221e)"));
        panels().at(2)->setTitle(QStringLiteral("3 · softmax: attention"));
    } else {
        probPanel->setTitle(QString());
    }
    QString headText = m_head.isMean() ? QStringLiteral("layer %1 mean over heads").arg(m_head.layer) : m_head.label();
    if (r->model) {
        const QString kv = kvGroupText(m_head.head, r->model->config().nHeads, r->model->config().nKvHeads);
        if (!kv.isEmpty()) headText += QStringLiteral(" · ") + kv;
    }
    d->title = QStringLiteral("%1 · %2%3").arg(r->modelName, r->kindPrefix(), headText);
    d->subtitle = subtitle;
    setTitles(d->title, subtitle);
    setFormula(m_head.isMean() ? QStringLiteral("Layer mean: %1").arg(analysisFormula(AnalysisKind::MeanOverHeads))
                               : QString());
    applyHighlight();
}

void HeadView::hover(const QPointF& pos) {
    const auto hit = panels().hitCell(pos);
    if (!hit) {
        endHover();
        return;
    }
    const HeatmapPanel* probs = panels().back();
    QString text = hit->panel->cellText(hit->row, hit->col);
    if (d->layoutKind == 1 && hit->panel != probs) {
        text += QStringLiteral("  (attention %1)").arg(probs->matrix().at(hit->row, hit->col), 0, 'f', 4);
    }
    const QString tip = figureFormula().isEmpty() ? text : text + QLatin1Char('\n') + wrapToolTip(figureFormula());
    showHover(pos, tip, text);
}

bool HeadView::handleKey(QKeyEvent* event) {
    const auto& r = result();
    if (!r) return false;
    HeadRef next = m_head;
    switch (event->key()) {
    case Qt::Key_Left: --next.head; break;
    case Qt::Key_Right: ++next.head; break;
    case Qt::Key_Up:
    case Qt::Key_PageUp: --next.layer; break;
    case Qt::Key_Down:
    case Qt::Key_PageDown: ++next.layer; break;
    default: return false;
    }
    next.layer = std::clamp(next.layer, 0, r->trace->nLayers() - 1);
    next.head = std::clamp(next.head, -1, r->trace->nHeads() - 1);
    if (next != m_head) {
        setHead(next);
        emit headChanged(next);
    }
    return true;
}

QSize HeadView::figureSize() const {
    const auto& r = result();
    const int n = r ? static_cast<int>(shownTokens(*r, viewStyle()).size()) : 10;
    const int labels = r ? TokenTicker::labelRoom(r->labels(shownTokens(*r, viewStyle()))) : 60;
    const int titles = 80 + (figureFormula().isEmpty() ? 0 : 36);
    if (d->layoutKind == 1) {
        const int side = std::clamp(n * 16, 240, 640);
        return {3 * side + labels + 2 * 110 + 60, titles + side + labels + 40};
    }
    const int side = std::clamp(n * 22, 360, 1000);
    return {side + labels + 30 + 110 + 40, titles + side + labels + 50};
}

std::optional<LabeledMatrix> HeadView::csvMatrix() const {
    const auto& r = result();
    const HeatmapPanel* probs = panels().back();
    if (!r || !probs) return std::nullopt;
    LabeledMatrix m;
    m.title = figureTitle();
    m.matrix = probs->matrix();
    m.rowLabels = probs->labels();
    m.colLabels = probs->colLabels();
    return m;
}

}  // namespace attnviz::ui
