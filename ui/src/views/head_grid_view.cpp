#include "attnviz/ui/views/head_grid_view.h"

#include "attnviz/ui/views/analysis_kind.h"
#include "plot/lod_image.h"
#include "plot/plot_canvas.h"
#include "plot/qcp_style.h"
#include "plot/stretch.h"
#include "plot/thumbnail.h"
#include "plot/view_data.h"

#include "attnviz/core/lazy_attention.h"

#include <QCheckBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QScrollBar>
#include <QToolButton>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace attnviz::ui {
namespace {

constexpr double kGap = 0.08;       // between thumbnails, in thumbnail sizes
constexpr double kMeanGap = 0.25;   // extra room before the mean column
constexpr double kGroupGap = 0.22;  // extra room between KV groups (grouped by KV head)
constexpr double kZoomStep = 1.25;
// A lazy trace's thumbnails are drawn as they are.
static_assert(HeadGridView::kMaxThumbnailCells == core::LazyAttention::kThumbnailCells);

}  // namespace

struct HeadGridView::Impl {
    QCPAxisRect* rect = nullptr;
    QCPColorScale* scale = nullptr;
    QCPItemRect* currentBox = nullptr;
    QCPItemRect* hoverBox = nullptr;
    std::vector<QCPColorMap*> maps;  // (layer, column) row-major; column nHeads is the mean
    std::vector<Thumbnail> thumbs;   // (layer, column) as maps: what each thumbnail draws
    int nLayers = 0;
    int nHeads = 0;
    int nKvHeads = 0;       // the model's KV heads (0: unknown)
    bool grouped = false;   // columns grouped by KV head (drawn so only when the model has GQA)
    QStringList labels;     // the rows the thumbnails index (thumbnailTokens)
    QStringList rowLabels;  // the layers' tick labels
    QStringList colLabels;  // the columns they index (source tokens of cross-attention)

    // Zoom and scroll: pixels per thumbnail (0: the default) and the plot
    // coordinates at the top-left corner of the plot area.
    double zoomPx = 0;
    QPointF scroll;
    bool exporting = false;  // exports show the whole grid
    double shownPx = 0;      // the thumbnail size of the last layout
    int xLabelStep = 0;
    int yLabelStep = 0;
    QCPLayoutElement* barRoom = nullptr;
    QWidget* controls = nullptr;
    QScrollBar* hBar = nullptr;
    QScrollBar* vBar = nullptr;
    QCheckBox* groupBox = nullptr;
    QPointF dragFrom;  // where a left-button drag started (pixels), with the scroll then
    QPointF dragScroll;
    bool dragging = false;

    bool gqa() const { return nKvHeads > 0 && nKvHeads < nHeads && nHeads % nKvHeads == 0; }
    bool groupedNow() const { return grouped && gqa(); }
    // The KV head query head `head` reads (attention_kernel.h: h / (nHeads / nKvHeads)).
    int kvOf(int head) const { return gqa() ? head / (nHeads / nKvHeads) : head; }
    double columnX(int col) const {
        double x = col * (1 + kGap);
        if (groupedNow()) x += kGroupGap * (col == nHeads ? nKvHeads - 1 : kvOf(col));
        return x + (col == nHeads ? kMeanGap : 0.0);
    }
    double rowY(int layer) const { return layer * (1 + kGap); }
    int columnOf(HeadRef h) const { return h.isMean() ? nHeads : h.head; }
    // Tick labels on every xStep-th column and yStep-th layer.
    void setTickers(int xStep, int yStep) {
        QSharedPointer<QCPAxisTickerText> xt(new QCPAxisTickerText);
        for (int c = 0; c <= nHeads; ++c) {
            if (c % xStep == 0 || c == nHeads) xt->addTick(columnX(c) + 0.5, columnLabel(c));
        }
        rect->axis(QCPAxis::atTop)->setTicker(xt);
        QSharedPointer<QCPAxisTickerText> yt(new QCPAxisTickerText);
        for (int l = 0; l < nLayers; l += yStep) yt->addTick(rowY(l) + 0.5, rowLabels.value(l));
        rect->axis(QCPAxis::atLeft)->setTicker(yt);
        xLabelStep = xStep;
        yLabelStep = yStep;
    }
    // The grid's extent in plot coordinates.
    double width() const { return columnX(nHeads) + 1 + 2 * kGap; }
    double height() const { return rowY(std::max(1, nLayers) - 1) + 1 + 2 * kGap; }
    QString columnLabel(int c) const {
        if (c == nHeads) return QStringLiteral("mean");
        return groupedNow() ? QStringLiteral("H%1\nKV %2").arg(c).arg(kvOf(c)) : QStringLiteral("H%1").arg(c);
    }
};

HeadGridView::HeadGridView(QWidget* parent) : PlotView(parent), d(std::make_unique<Impl>()) {
    setPlaceholder(tr("Open a model and type a sentence to see every head at once."));
    canvas()->setLayoutHooks([] {}, [this] { return fitView(); });
    // Scroll bars and the zoom buttons float over the canvas: the figure
    // keeps its layout, and exports (which draw the canvas alone) leave them out.
    d->hBar = new QScrollBar(Qt::Horizontal, canvas());
    d->vBar = new QScrollBar(Qt::Vertical, canvas());
    d->hBar->setObjectName(QStringLiteral("overviewHScroll"));
    d->vBar->setObjectName(QStringLiteral("overviewVScroll"));
    for (QScrollBar* bar : {d->hBar, d->vBar}) {
        bar->hide();
        connect(bar, &QScrollBar::valueChanged, this, [this, bar](int value) {
            if (d->shownPx <= 0) return;
            if (bar == d->hBar) d->scroll.setX(value / d->shownPx - kGap);
            else d->scroll.setY(value / d->shownPx - kGap);
            refresh();
        });
    }
    auto* controls = new QWidget(canvas());
    controls->setObjectName(QStringLiteral("overviewControls"));
    controls->setAutoFillBackground(true);
    auto* row = new QHBoxLayout(controls);
    row->setContentsMargins(4, 2, 4, 2);
    row->setSpacing(2);
    const auto button = [&](const QString& text, const QString& tip, auto action) {
        auto* b = new QToolButton(controls);
        b->setText(text);
        b->setToolTip(tip);
        b->setAutoRaise(true);
        connect(b, &QToolButton::clicked, this, action);
        row->addWidget(b);
    };
    button(QStringLiteral("−"), tr("Zoom out (-, Ctrl+wheel)"), [this] { zoomBy(1 / kZoomStep); });
    button(QStringLiteral("+"), tr("Zoom in (+, Ctrl+wheel)"), [this] { zoomBy(kZoomStep); });
    button(tr("Reset"), tr("Default zoom (0 or double-click): fit, thumbnails of at least %1 px").arg(kMinThumbnailPx),
           [this] { resetZoom(); refresh(); });
    d->groupBox = new QCheckBox(tr("Group by KV head"), controls);
    d->groupBox->setObjectName(QStringLiteral("groupByKvBox"));
    d->groupBox->setToolTip(tr("Models with grouped-query attention: query heads that share a KV head side by side, "
                               "groups apart"));
    d->groupBox->setEnabled(false);
    connect(d->groupBox, &QCheckBox::toggled, this, [this](bool on) {
        if (on == d->grouped) return;
        setGroupByKv(on);
        emit groupByKvChanged(on);
    });
    row->addSpacing(6);
    row->addWidget(d->groupBox);
    controls->adjustSize();
    controls->move(2, 2);
    d->controls = controls;
    connect(canvas(), &QCustomPlot::mouseWheel, this, [this](QWheelEvent* e) { wheel(e); });
    connect(canvas(), &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        d->dragging = e->button() == Qt::LeftButton;
        d->dragFrom = e->position();
        d->dragScroll = d->scroll;
    });
    connect(canvas(), &QCustomPlot::mouseRelease, this, [this](QMouseEvent*) { d->dragging = false; });
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
        for (QCPAxis* a : {x, y}) {
            a->grid()->setVisible(false);
            a->setSubTicks(false);
            a->setTickLength(0, 0);
            a->setBasePen(Qt::NoPen);
            a->setTickPen(Qt::NoPen);
            a->setTickLabelPadding(6);
            a->setTickLabelFont(PlotCanvas::font(12));
            a->setLabelFont(PlotCanvas::font(12));
        }
        x->setLabel(QStringLiteral("head (0-based)"));
        y->setLabel(QStringLiteral("layer (0-based)"));
        y->setRangeReversed(true);  // ranges: fitView, after each layout
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
        d->currentBox->setPen(QPen(figureColors().accent, 2.5));
        d->hoverBox->setPen(QPen(figureColors().hover, 1.5, Qt::DashLine));
        d->scale = makeColorScale(canvas(), QStringLiteral("attention"));
        // Once per grid: the maps follow the scale's range and gradient from now on.
        for (QCPColorMap* map : d->maps) map->setColorScale(d->scale);
        auto* group = new QCPMarginGroup(canvas());
        d->rect->setMarginGroup(QCP::msTop | QCP::msBottom, group);
        d->scale->setMarginGroup(QCP::msTop | QCP::msBottom, group);
        // Room for the vertical scroll bar between the grid and the scale (fitView).
        d->barRoom = new QCPLayoutElement(canvas());
        body()->addElement(0, 2, d->barRoom);
        body()->addElement(0, 3, d->scale);
        body()->addElement(0, 4, makeSpacer(canvas()));
        body()->setColumnStretchFactors(stretchFactors(
            {Stretch::Margin, Stretch::Fill, Stretch::Fixed, Stretch::Fixed, Stretch::Margin}));
    }

    // The tick labels are rebuilt by fitView every time: the layer kinds (and
    // global tokens) can change with the model while the shape stays.
    d->rowLabels.clear();
    for (int l = 0; l < d->nLayers; ++l) {
        const QString kind = r->layersDiffer() ? QStringLiteral(" \u00b7 %1").arg(r->layerKindShort(l)) : QString();
        d->rowLabels << QStringLiteral("L%1").arg(l) + kind;
    }
    d->nKvHeads = r->model ? r->model->config().nKvHeads : 0;
    {
        const QSignalBlocker block(d->groupBox);
        d->groupBox->setEnabled(d->gqa());
        d->groupBox->setChecked(d->grouped);
        d->groupBox->setToolTip(d->gqa() ? tr("%1 query heads share %2 KV heads (%3 each): show each group side by side, groups apart")
                                               .arg(d->nHeads).arg(d->nKvHeads).arg(d->nHeads / d->nKvHeads)
                                         : tr("Only for models with grouped-query attention (fewer KV heads than query heads)"));
    }
    d->setTickers(std::max(1, d->xLabelStep), std::max(1, d->yLabelStep));
    d->thumbs.assign(d->maps.size(), Thumbnail());
    bool lazy = false;
    bool meanOfMeans = false;
    for (int l = 0; l < d->nLayers; ++l) {
        for (int c = 0; c <= d->nHeads; ++c) {
            const std::size_t i = static_cast<std::size_t>(l) * (d->nHeads + 1) + c;
            const HeadRef ref{l, c == d->nHeads ? -1 : c};
            // Longer inputs: the max (or mean, as the heatmap) of each block,
            // at most kMaxThumbnailCells a side; only that much is kept.
            Thumbnail& thumb = d->thumbs[i];
            thumb = headThumbnail(*r, trace, ref, style, kMaxThumbnailCells);
            lazy = lazy || thumb.lazy;
            meanOfMeans = meanOfMeans || thumb.meanOfMeans;
            QCPColorMapData* data = d->maps[i]->data();
            // (rows, cols): square for self-attention, target x source for cross.
            const int nr = thumb.values.rows();
            const int nc = thumb.values.cols();
            data->setSize(nc, nr);
            const double x0 = d->columnX(c);
            const double y0 = d->rowY(l);
            const double halfX = 0.5 / nc;
            const double halfY = 0.5 / nr;
            data->setRange(nc > 1 ? QCPRange(x0 + halfX, x0 + 1 - halfX) : QCPRange(x0, x0 + 1),
                           nr > 1 ? QCPRange(y0 + halfY, y0 + 1 - halfY) : QCPRange(y0, y0 + 1));
            for (int q = 0; q < thumb.values.rows(); ++q) {
                for (int k = 0; k < thumb.values.cols(); ++k) data->setCell(k, q, thumb.values.at(q, k));
            }
        }
    }
    const ThumbnailTokens tokens = thumbnailTokens(*r, trace, style);
    d->labels = r->labels(tokens.rows);
    d->colLabels = r->colLabels(tokens.cols);
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
    if (lazy) {
        // A lazy trace (long inputs): the forward pass's block thumbnails.
        subtitle += QStringLiteral("   ·   long input: thumbnails from the forward pass, every token");
        if (style.hideSpecial) subtitle += QStringLiteral(" (special tokens included)");
        if (meanOfMeans) subtitle += QStringLiteral("; mean column: block means");
    }
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
    if (d->dragging && (QGuiApplication::mouseButtons() & Qt::LeftButton) &&
        (pos - d->dragFrom).manhattanLength() > 4 && d->shownPx > 0) {
        d->scroll = d->dragScroll - (pos - d->dragFrom) / d->shownPx;
        refresh();
        return;
    }
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
    if (!h.isMean() && d->gqa()) text += QStringLiteral(" \u00b7 KV %1").arg(d->kvOf(h.head));
    const std::size_t i = static_cast<std::size_t>(h.layer) * (d->nHeads + 1) + d->columnOf(h);
    const Thumbnail& t = d->thumbs[i];
    const Matrix& m = t.values;
    if (!m.empty()) {
        const double x = d->rect->axis(QCPAxis::atTop)->pixelToCoord(pos.x());
        const double y = d->rect->axis(QCPAxis::atLeft)->pixelToCoord(pos.y());
        const int k = std::clamp(static_cast<int>((x - x0) * m.cols()), 0, m.cols() - 1);
        const int q = std::clamp(static_cast<int>((y - y0) * m.rows()), 0, m.rows() - 1);
        const auto span = [](const QStringList& labels, const std::vector<int>& starts, int cell) {
            const int first = starts[static_cast<std::size_t>(cell)];
            const int last = starts[static_cast<std::size_t>(cell) + 1] - 1;
            if (last <= first) return QStringLiteral("'%1'").arg(labels.value(first));
            return QStringLiteral("'%1'..'%2' (%3-%4)").arg(labels.value(first), labels.value(last)).arg(first).arg(last);
        };
        if (!t.pooled) {
            text += QStringLiteral(": query '%1' -> key '%2': %3")
                        .arg(d->labels.value(q), d->colLabels.value(k))
                        .arg(m.at(q, k), 0, 'f', 4);
        } else {
            const bool mean = viewStyle().lodMean || t.meanOfMeans;
            text += QStringLiteral(": queries %1 -> keys %2: %3 %4")
                        .arg(span(d->labels, t.rowStarts, q), span(d->colLabels, t.colStarts, k),
                             mean ? QStringLiteral("mean") : QStringLiteral("max"))
                        .arg(m.at(q, k), 0, 'f', 4);
        }
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
    d->exporting = true;
    if (d->currentBox) d->currentBox->setVisible(false);
}

void HeadGridView::endExport() {
    d->exporting = false;
    setCurrentHead(m_current);
}

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
    const int w = static_cast<int>(thumb * d->width()) + 60 + 110 + 40;
    const int h = static_cast<int>(thumb * d->height()) + 80 + 60 + 36 + (d->groupedNow() ? 16 : 0);
    return {std::max(w, 560), h};
}

double HeadGridView::thumbnailPx() const { return d->shownPx; }

bool HeadGridView::groupByKvAvailable() const { return d->gqa(); }

bool HeadGridView::groupByKv() const { return d->grouped; }

void HeadGridView::setGroupByKv(bool grouped) {
    if (grouped == d->grouped) return;
    d->grouped = grouped;
    {
        const QSignalBlocker block(d->groupBox);
        d->groupBox->setChecked(grouped);
    }
    redraw();
}

int HeadGridView::kvHeadOf(int head) const { return d->kvOf(head); }

double HeadGridView::columnPosition(int column) const { return d->columnX(column); }

QString HeadGridView::columnLabel(int column) const { return d->columnLabel(column); }

QCPRange HeadGridView::visibleColumns() const {
    return d->rect ? d->rect->axis(QCPAxis::atTop)->range() : QCPRange();
}

QCPRange HeadGridView::visibleRows() const {
    return d->rect ? d->rect->axis(QCPAxis::atLeft)->range() : QCPRange();
}

QPoint HeadGridView::labelSteps() const { return {d->xLabelStep, d->yLabelStep}; }

void HeadGridView::zoomBy(double factor, std::optional<QPointF> anchor) {
    if (!d->rect || d->shownPx <= 0) return;
    const double px = std::clamp(d->shownPx * factor, static_cast<double>(kMinZoomPx), static_cast<double>(kMaxZoomPx));
    const QRect area = d->rect->rect();
    const QPointF at = anchor.value_or(QPointF(area.center())) - QPointF(area.topLeft());
    // The point under the anchor stays where it is.
    const QPointF coord(d->rect->axis(QCPAxis::atTop)->range().lower + at.x() / d->shownPx,
                        d->rect->axis(QCPAxis::atLeft)->range().lower + at.y() / d->shownPx);
    d->zoomPx = px;
    d->scroll = coord - at / px;
    refresh();
}

void HeadGridView::scrollBy(double columns, double rows) {
    d->scroll += QPointF(columns, rows);
    refresh();
}

void HeadGridView::resetZoom() {
    d->zoomPx = 0;
    d->scroll = QPointF(-kGap, -kGap);
}

bool HeadGridView::handleKey(QKeyEvent* event) {
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal: zoomBy(kZoomStep); return true;
    case Qt::Key_Minus: zoomBy(1 / kZoomStep); return true;
    case Qt::Key_0: resetZoom(); refresh(); return true;
    default: return false;
    }
}

void HeadGridView::wheel(QWheelEvent* event) {
    const QPoint delta = event->angleDelta();
    if (event->modifiers() & Qt::ControlModifier) {
        zoomBy(std::pow(kZoomStep, delta.y() / 120.0), event->position());
    } else if ((event->modifiers() & Qt::ShiftModifier) && delta.x() == 0) {
        scrollBy(-delta.y() / 120.0, 0);
    } else {
        scrollBy(-delta.x() / 120.0, -delta.y() / 120.0);
    }
    event->accept();
}

bool HeadGridView::fitView() {
    if (!d->rect || d->nLayers == 0) return false;
    // On screen: room for the zoom buttons above the title, for the scroll
    // bars right of the grid and below it; exports need none.
    const int hh = d->hBar->sizeHint().height();
    const int vw = d->vBar->sizeHint().width();
    bool roomChanged = false;
    QCPLayoutGrid* root = canvas()->plotLayout();
    for (auto [element, want] : {std::pair{root->element(0, 0), QSize(1, d->exporting ? 0 : d->controls->height() + 2)},
                                 std::pair{root->element(root->rowCount() - 1, 0), QSize(1, d->exporting ? 0 : hh)},
                                 std::pair{static_cast<QCPLayoutElement*>(d->barRoom), QSize(d->exporting ? 0 : vw, 1)}}) {
        if (element && element->minimumSize() != want) {
            element->setMinimumSize(want);
            roomChanged = true;
        }
    }
    if (roomChanged) return true;
    const QRect area = d->rect->rect();
    if (area.width() <= 0 || area.height() <= 0) return false;
    const double fit = std::min(area.width() / d->width(), area.height() / d->height());
    double px = fit;
    if (!d->exporting) px = d->zoomPx > 0 ? d->zoomPx : std::clamp(fit, static_cast<double>(kMinThumbnailPx), static_cast<double>(kMaxThumbnailPx));
    d->shownPx = px;
    // Each axis shows the grid centred when it fits, else the scrolled-to part of it.
    const auto place = [](double scroll, double units, double extent) {
        if (units >= extent) return -kGap - (units - extent) / 2;
        return std::clamp(scroll, -kGap, -kGap + extent - units);
    };
    const double unitsX = area.width() / px;
    const double unitsY = area.height() / px;
    const double x0 = place(d->scroll.x(), unitsX, d->width());
    const double y0 = place(d->scroll.y(), unitsY, d->height());
    if (unitsX < d->width()) d->scroll.setX(x0);
    if (unitsY < d->height()) d->scroll.setY(y0);
    bool changed = false;
    QCPAxis* x = d->rect->axis(QCPAxis::atTop);
    QCPAxis* y = d->rect->axis(QCPAxis::atLeft);
    const auto setRange = [&changed](QCPAxis* axis, double lower, double size) {
        const QCPRange r = axis->range();
        if (std::abs(r.lower - lower) > 1e-9 || std::abs(r.size() - size) > 1e-9) {
            axis->setRange(lower, lower + size);
            changed = true;
        }
    };
    setRange(x, x0, unitsX);
    setRange(y, y0, unitsY);

    // Labels: every step-th one, so that neighbours never overlap.
    const QFontMetrics fm(x->tickLabelFont());
    int widest = 0;
    for (int c = 0; c <= d->nHeads; ++c) {
        for (const QString& line : d->columnLabel(c).split(QLatin1Char('\n'))) widest = std::max(widest, fm.horizontalAdvance(line));
    }
    const int xStep = std::max(1, static_cast<int>(std::ceil((widest + 8) / ((1 + kGap) * px))));
    const int yStep = std::max(1, static_cast<int>(std::ceil((fm.height() + 2) / ((1 + kGap) * px))));
    if (xStep != d->xLabelStep || yStep != d->yLabelStep) {
        d->setTickers(xStep, yStep);
        changed = true;
    }

    // Scroll bars over the canvas's bottom and right edges, for the part not shown.
    const bool needH = !d->exporting && unitsX < d->width() - 1e-6;
    const bool needV = !d->exporting && unitsY < d->height() - 1e-6;
    const QSize canvasSize = canvas()->size();
    for (auto [bar, need, units, extent, lower] : {std::tuple{d->hBar, needH, unitsX, d->width(), x0},
                                                  std::tuple{d->vBar, needV, unitsY, d->height(), y0}}) {
        const QSignalBlocker block(bar);
        bar->setVisible(need);
        if (!need) continue;
        bar->setRange(0, static_cast<int>(std::lround((extent - units) * px)));
        bar->setPageStep(static_cast<int>(std::lround(units * px)));
        bar->setSingleStep(static_cast<int>(std::lround(px)));
        bar->setValue(static_cast<int>(std::lround((lower + kGap) * px)));
    }
    d->hBar->setGeometry(area.left(), canvasSize.height() - hh, area.width(), hh);
    d->vBar->setGeometry(d->barRoom->outerRect().left(), area.top(), vw, area.height());
    return changed;
}

}  // namespace attnviz::ui
