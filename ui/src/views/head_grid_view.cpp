#include "attnviz/ui/views/head_grid_view.h"

#include "attnviz/ui/views/analysis_kind.h"
#include "plot/plot_canvas.h"
#include "plot/qcp_style.h"
#include "plot/stretch.h"
#include "plot/view_data.h"

#include <QToolTip>

#include <cmath>

namespace attnviz::ui {
namespace {

constexpr double kGap = 0.08;       // between thumbnails, in thumbnail sizes
constexpr double kMeanGap = 0.25;   // extra room before the mean column

}  // namespace

struct HeadGridView::Impl {
    QCPAxisRect* rect = nullptr;
    QCPColorScale* scale = nullptr;
    QCPItemRect* currentBox = nullptr;
    QCPItemRect* hoverBox = nullptr;
    std::vector<QCPColorMap*> maps;  // (layer, column) row-major; column nHeads is the mean
    std::vector<Matrix> shown;       // the full-resolution matrices behind the thumbnails
    std::vector<bool> pooled;
    int nLayers = 0;
    int nHeads = 0;
    QStringList labels;     // the shown rows
    QStringList colLabels;  // the shown columns (source tokens of cross-attention)

    double columnX(int col) const { return col * (1 + kGap) + (col == nHeads ? kMeanGap : 0.0); }
    double rowY(int layer) const { return layer * (1 + kGap); }
    int columnOf(HeadRef h) const { return h.isMean() ? nHeads : h.head; }
};

HeadGridView::HeadGridView(QWidget* parent) : PlotView(parent), d(std::make_unique<Impl>()) {
    setPlaceholder(tr("Open a model and type a sentence to see every head at once."));
    canvas()->setLayoutHooks([this] { if (d->rect) d->rect->setMaximumSize(QWIDGETSIZE_MAX, QWIDGETSIZE_MAX); },
                             [this] {
                                 if (!d->rect || d->nLayers == 0) return false;
                                 // Square thumbnails: cap the long side of the plot area.
                                 const double wantAspect = (d->columnX(d->nHeads) + 1 + kGap) / (d->rowY(d->nLayers - 1) + 1 + 2 * kGap);
                                 const QRect r = d->rect->rect();
                                 if (r.width() <= 0 || r.height() <= 0) return false;
                                 const double aspect = static_cast<double>(r.width()) / r.height();
                                 if (std::abs(aspect - wantAspect) * r.height() <= 2) return false;
                                 if (aspect > wantAspect) {
                                     d->rect->setMaximumSize(static_cast<int>(r.height() * wantAspect), QWIDGETSIZE_MAX);
                                 } else {
                                     d->rect->setMaximumSize(QWIDGETSIZE_MAX, static_cast<int>(r.width() / wantAspect));
                                 }
                                 return true;
                             });
}

HeadGridView::~HeadGridView() = default;

QCPColorMap* HeadGridView::colorMap(HeadRef head) const {
    if (head.layer < 0 || head.layer >= d->nLayers || head.head >= d->nHeads || head.head < -1) return nullptr;
    return d->maps[static_cast<std::size_t>(head.layer) * (d->nHeads + 1) + d->columnOf(head)];
}

void HeadGridView::setCurrentHead(HeadRef head) {
    m_current = head;
    if (!d->currentBox || d->nLayers == 0) return;
    const bool valid = head.layer >= 0 && head.layer < d->nLayers && head.head < d->nHeads;
    d->currentBox->setVisible(valid);
    if (valid) {
        const double x = d->columnX(d->columnOf(head));
        const double y = d->rowY(head.layer);
        d->currentBox->topLeft->setCoords(x - kGap / 3, y - kGap / 3);
        d->currentBox->bottomRight->setCoords(x + 1 + kGap / 3, y + 1 + kGap / 3);
    }
    refresh();
}

void HeadGridView::rebuild() {
    const auto& r = result();
    if (!r) return;
    const core::AttentionTrace& trace = *r->trace;
    const ViewStyle& style = viewStyle();

    if (!d->rect || d->nLayers != trace.nLayers() || d->nHeads != trace.nHeads()) {
        body()->clear();
        d->maps.clear();
        d->nLayers = trace.nLayers();
        d->nHeads = trace.nHeads();
        d->rect = new QCPAxisRect(canvas(), true);
        body()->addElement(0, 0, makeSpacer(canvas()));
        body()->addElement(0, 1, d->rect);
        d->rect->setRangeDrag(Qt::Orientations());
        d->rect->setRangeZoom(Qt::Orientations());
        QCPAxis* x = d->rect->axis(QCPAxis::atTop);
        QCPAxis* y = d->rect->axis(QCPAxis::atLeft);
        d->rect->axis(QCPAxis::atBottom)->setVisible(false);
        x->setVisible(true);
        QSharedPointer<QCPAxisTickerText> xt(new QCPAxisTickerText);
        for (int c = 0; c <= d->nHeads; ++c) {
            xt->addTick(d->columnX(c) + 0.5, c == d->nHeads ? QStringLiteral("mean") : QStringLiteral("H%1").arg(c));
        }
        x->setTicker(xt);
        for (QCPAxis* a : {x, y}) {
            a->grid()->setVisible(false);
            a->setSubTicks(false);
            a->setTickLength(0, 0);
            a->setBasePen(Qt::NoPen);
            a->setTickPen(Qt::NoPen);
            a->setTickLabelPadding(6);
            a->setTickLabelFont(PlotCanvas::font(12));
            a->setLabelFont(PlotCanvas::font(12));
            a->setLabelColor(QColor(80, 80, 80));
        }
        x->setLabel(QStringLiteral("head (0-based)"));
        y->setLabel(QStringLiteral("layer (0-based)"));
        x->setRange(-kGap, d->columnX(d->nHeads) + 1 + kGap);
        y->setRange(-kGap, d->rowY(d->nLayers - 1) + 1 + kGap);
        y->setRangeReversed(true);
        for (int l = 0; l < d->nLayers; ++l) {
            for (int c = 0; c <= d->nHeads; ++c) {
                auto* map = new QCPColorMap(x, y);
                map->setInterpolate(false);
                map->setTightBoundary(false);
                map->setAntialiased(false);
                d->maps.push_back(map);
            }
        }
        d->currentBox = new QCPItemRect(canvas());
        d->hoverBox = new QCPItemRect(canvas());
        for (QCPItemRect* box : {d->currentBox, d->hoverBox}) {
            box->setClipAxisRect(d->rect);
            for (QCPItemPosition* p : {box->topLeft, box->bottomRight}) {
                p->setType(QCPItemPosition::ptPlotCoords);
                p->setAxes(x, y);
            }
            box->setBrush(Qt::NoBrush);
            box->setSelectable(false);
            box->setVisible(false);
        }
        d->currentBox->setPen(QPen(QColor(255, 59, 48), 2.5));
        d->hoverBox->setPen(QPen(QColor(60, 60, 60), 1.5, Qt::DashLine));
        d->scale = makeColorScale(canvas(), QStringLiteral("attention"));
        // Once per grid: the maps follow the scale's range and gradient from now on.
        for (QCPColorMap* map : d->maps) map->setColorScale(d->scale);
        auto* group = new QCPMarginGroup(canvas());
        d->rect->setMarginGroup(QCP::msTop | QCP::msBottom, group);
        d->scale->setMarginGroup(QCP::msTop | QCP::msBottom, group);
        body()->addElement(0, 2, d->scale);
        body()->addElement(0, 3, makeSpacer(canvas()));
        body()->setColumnStretchFactors(stretchFactors(
            {Stretch::Margin, Stretch::Fill, Stretch::Fixed, Stretch::Margin}));
    }

    {
        // Rebuilt every time: the layer kinds (and global tokens) can change
        // with the model while the shape stays.
        QSharedPointer<QCPAxisTickerText> yt(new QCPAxisTickerText);
        for (int l = 0; l < d->nLayers; ++l) {
            const QString kind = r->layersDiffer() ? QStringLiteral(" \u00b7 %1").arg(r->layerKindShort(l)) : QString();
            yt->addTick(d->rowY(l) + 0.5, QStringLiteral("L%1").arg(l) + kind);
        }
        d->rect->axis(QCPAxis::atLeft)->setTicker(yt);
    }
    const std::vector<int> keep = shownTokens(*r, style);
    d->labels = r->labels(keep);
    d->colLabels = r->colLabels(shownColTokens(*r, style));
    d->shown.assign(d->maps.size(), Matrix());
    d->pooled.assign(d->maps.size(), false);
    for (int l = 0; l < d->nLayers; ++l) {
        for (int c = 0; c <= d->nHeads; ++c) {
            const std::size_t i = static_cast<std::size_t>(l) * (d->nHeads + 1) + c;
            const HeadRef ref{l, c == d->nHeads ? -1 : c};
            d->shown[i] = shownAttention(*r, trace, ref, style);
            const Matrix thumb = poolBlocks(d->shown[i], kMaxThumbnailCells);
            d->pooled[i] = thumb.rows() != d->shown[i].rows() || thumb.cols() != d->shown[i].cols();
            QCPColorMapData* data = d->maps[i]->data();
            // (rows, cols): square for self-attention, target x source for cross.
            const int nr = thumb.rows();
            const int nc = thumb.cols();
            data->setSize(nc, nr);
            const double x0 = d->columnX(c);
            const double y0 = d->rowY(l);
            const double halfX = 0.5 / nc;
            const double halfY = 0.5 / nr;
            data->setRange(nc > 1 ? QCPRange(x0 + halfX, x0 + 1 - halfX) : QCPRange(x0, x0 + 1),
                           nr > 1 ? QCPRange(y0 + halfY, y0 + 1 - halfY) : QCPRange(y0, y0 + 1));
            for (int q = 0; q < nr; ++q) {
                for (int k = 0; k < nc; ++k) data->setCell(k, q, thumb.at(q, k));
            }
        }
    }
    d->scale->setGradient(makeGradient(style.colormap));
    const float shared = sharedMaximum(*r, trace, style);
    const auto [lo, hi] = attentionRange(style.range == RangeMode::Fixed ? RangeMode::Fixed : RangeMode::Shared,
                                         shared, shared);
    d->scale->setDataRange(QCPRange(lo, hi));

    QString subtitle = standardNotes(true);
    subtitle += QStringLiteral("   ·   one colour scale for all heads");
    if (r->layersDiffer()) subtitle += QStringLiteral("   ·   rows: each layer's reach (local N: a window of N keys; +g: global tokens)");
    if (style.range == RangeMode::Head) subtitle += QStringLiteral(" (per-head ranges apply to the head view)");
    if (r->isCross()) subtitle += QStringLiteral("   ·   each thumbnail: target rows x source columns");
    setTitles(QStringLiteral("%1 · %2all %3 layers x %4 heads").arg(r->modelName, r->kindPrefix()).arg(d->nLayers).arg(d->nHeads),
              subtitle);
    setFormula(QStringLiteral("Column \u201cmean\u201d: %1").arg(analysisFormula(AnalysisKind::MeanOverHeads)));
    setCurrentHead(m_current);
}

HeadRef HeadGridView::headAt(const QPointF& pos, bool* ok) const {
    *ok = false;
    if (!d->rect || d->nLayers == 0 || !d->rect->rect().contains(pos.toPoint())) return {};
    const double x = d->rect->axis(QCPAxis::atTop)->pixelToCoord(pos.x());
    const double y = d->rect->axis(QCPAxis::atLeft)->pixelToCoord(pos.y());
    for (int c = 0; c <= d->nHeads; ++c) {
        const double x0 = d->columnX(c);
        if (x < x0 || x > x0 + 1) continue;
        for (int l = 0; l < d->nLayers; ++l) {
            const double y0 = d->rowY(l);
            if (y < y0 || y > y0 + 1) continue;
            *ok = true;
            return {l, c == d->nHeads ? -1 : c};
        }
    }
    return {};
}

void HeadGridView::hover(const QPointF& pos) {
    bool ok = false;
    const HeadRef h = headAt(pos, &ok);
    if (!ok) {
        clearHover();
        QToolTip::hideText();
        emit hoverText(QString());
        emit headHovered({-1, -1});
        refresh();
        return;
    }
    const double x0 = d->columnX(d->columnOf(h));
    const double y0 = d->rowY(h.layer);
    d->hoverBox->topLeft->setCoords(x0, y0);
    d->hoverBox->bottomRight->setCoords(x0 + 1, y0 + 1);
    d->hoverBox->setVisible(true);
    QString text = h.isMean() ? QStringLiteral("layer %1, mean over heads").arg(h.layer) : h.label();
    const std::size_t i = static_cast<std::size_t>(h.layer) * (d->nHeads + 1) + d->columnOf(h);
    const Matrix& m = d->shown[i];
    if (!m.empty()) {
        const double x = d->rect->axis(QCPAxis::atTop)->pixelToCoord(pos.x());
        const double y = d->rect->axis(QCPAxis::atLeft)->pixelToCoord(pos.y());
        const int k = std::clamp(static_cast<int>((x - x0) * m.cols()), 0, m.cols() - 1);
        const int q = std::clamp(static_cast<int>((y - y0) * m.rows()), 0, m.rows() - 1);
        text += QStringLiteral(": query '%1' -> key '%2': %3")
                    .arg(d->labels.value(q), d->colLabels.value(k))
                    .arg(m.at(q, k), 0, 'f', 4);
    }
    emit hoverText(text + QStringLiteral("  (click: open, Ctrl+click: add to Compare)"));
    emit headHovered(h);
    const QString tip = h.isMean() ? text + QLatin1Char('\n') + wrapToolTip(analysisFormula(AnalysisKind::MeanOverHeads)) : text;
    QToolTip::showText(canvas()->mapToGlobal(pos.toPoint()), tip, canvas());
    refresh();
}

void HeadGridView::click(const QPointF& pos, Qt::KeyboardModifiers modifiers) {
    bool ok = false;
    const HeadRef h = headAt(pos, &ok);
    if (!ok) return;
    if (modifiers & Qt::ControlModifier) {
        emit headAddedToCompare(h);
    } else {
        setCurrentHead(h);
        emit headActivated(h);
    }
}

void HeadGridView::beginExport() {
    if (d->currentBox) d->currentBox->setVisible(false);
}

void HeadGridView::endExport() { setCurrentHead(m_current); }

void HeadGridView::clearHover() {
    if (d->hoverBox && d->hoverBox->visible()) {
        d->hoverBox->setVisible(false);
        emit headHovered({-1, -1});
    }
}

QSize HeadGridView::figureSize() const {
    const int cols = d->nHeads + 1;
    const int rows = std::max(1, d->nLayers);
    const int thumb = std::clamp(std::min(1100 / std::max(cols, 1), 800 / rows), 44, 120);
    const int w = static_cast<int>(thumb * (d->columnX(d->nHeads) + 1 + 2 * kGap)) + 60 + 110 + 40;
    const int h = static_cast<int>(thumb * (d->rowY(rows - 1) + 1 + 2 * kGap)) + 80 + 60 + 36;
    return {std::max(w, 560), h};
}

}  // namespace attnviz::ui
