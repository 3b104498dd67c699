#include "attnviz/ui/views/analysis_view.h"

#include "attnviz/core/attention_flow.h"
#include "attnviz/core/trace_file.h"

#include "plot/heatmap_panels.h"
#include "plot/plot_canvas.h"
#include "plot/qcp_style.h"
#include "plot/stretch.h"
#include "plot/token_ticker.h"
#include "plot/view_data.h"

#include <QApplication>
#include <QPointer>

#include <atomic>
#include <thread>

namespace attnviz::ui {
namespace {

Matrix shownPart(const Matrix& full, const std::vector<int>& keep, AnalysisKind kind) {
    if (static_cast<int>(keep.size()) == full.rows()) return full;
    return selectTokens(full, keep, analysisRowsSumToOne(kind));
}

}  // namespace

// panels(): one panel, made by the first rebuild that has a matrix.
struct AnalysisView::Impl {
    QCPColorScale* scale = nullptr;
    // The largest shown value over every layer / head of the current kind,
    // remembered per (trace, kind, hideSpecial).
    mutable std::shared_ptr<const core::AttentionTrace> sharedTrace;
    mutable AnalysisKind sharedKind = AnalysisKind::Rollout;
    mutable bool sharedHide = false;
    mutable float sharedValue = 0.0f;

    // Attention flow solves seqLen^2 maximum flows, too slow for the GUI
    // thread past a few dozen tokens: a worker thread computes it, the view
    // says so meanwhile and redraws when it is done.
    std::shared_ptr<const core::AttentionTrace> flowTrace;  // what `flow` / the running job is of
    int flowLayer = -1;
    std::optional<Matrix> flow;
    QString flowError;
    std::shared_ptr<std::atomic<bool>> flowCancel;  // of the running job, null when none runs

    ~Impl() {
        if (flowCancel) flowCancel->store(true);
    }
};

void AnalysisView::startFlow(const std::shared_ptr<const core::AttentionTrace>& trace, int lastLayer) {
    if (d->flowCancel) d->flowCancel->store(true);  // a job for another run or layer
    d->flowTrace = trace;
    d->flowLayer = lastLayer;
    d->flow.reset();
    d->flowError.clear();
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    d->flowCancel = cancel;
    QPointer<AnalysisView> self(this);
    std::thread([self, trace, lastLayer, cancel] {
        auto flow = core::attentionFlow(*trace, lastLayer, cancel.get());
        if (cancel->load()) return;
        QMetaObject::invokeMethod(qApp, [self, trace, lastLayer, cancel, flow = std::move(flow)]() mutable {
            if (!self || cancel->load() || self->d->flowTrace != trace || self->d->flowLayer != lastLayer) return;
            self->d->flowCancel.reset();
            if (flow) {
                Matrix m(static_cast<int>(flow->rows()), static_cast<int>(flow->cols()));
                for (int i = 0; i < m.rows(); ++i) {
                    for (int j = 0; j < m.cols(); ++j) m.at(i, j) = (*flow)(i, j);
                }
                self->d->flow = std::move(m);
            } else {
                self->d->flowError = QString::fromStdString(flow.error());
            }
            self->redraw();
        }, Qt::QueuedConnection);
    }).detach();
}

bool AnalysisView::flowPending() const { return d->flowCancel != nullptr; }

AnalysisView::AnalysisView(QWidget* parent) : PlotView(parent), d(std::make_unique<Impl>()) {
    canvas()->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    setPlaceholder(tr("Open a model and type a sentence to see attention rollout, value-weighted norms and the "
                      "means over heads and layers."));
}

AnalysisView::~AnalysisView() = default;

QCPColorMap* AnalysisView::colorMap() const {
    return panels().back() && message().isEmpty() ? panels().back()->colorMap() : nullptr;
}

QString AnalysisView::cellText(int row, int col) const {
    return panels().back() && message().isEmpty() ? panels().back()->cellText(row, col) : QString();
}

QString AnalysisView::cellToolTip(int row, int col) const {
    const QString text = cellText(row, col);
    if (text.isEmpty()) return {};
    return text + QLatin1Char('\n') + wrapToolTip(QStringLiteral("%1: %2").arg(analysisKindLabel(m_kind), analysisFormula(m_kind)));
}

void AnalysisView::setKind(AnalysisKind kind) {
    if (kind == m_kind) return;
    m_kind = kind;
    redraw();
}

void AnalysisView::setHead(HeadRef head) {
    if (head == m_head) return;
    m_head = head;
    if (analysisUsesLayer(m_kind) && !analysisChainsLayers(m_kind)) redraw();
}

void AnalysisView::setRolloutLastLayer(int lastLayer) {
    if (lastLayer == m_rolloutLast) return;
    m_rolloutLast = lastLayer;
    if (analysisChainsLayers(m_kind)) redraw();
}

HeadRef AnalysisView::matrixHead(int nLayers) const {
    if (analysisChainsLayers(m_kind)) {
        return {m_rolloutLast < 0 || m_rolloutLast >= nLayers ? nLayers - 1 : m_rolloutLast, 0};
    }
    return {std::clamp(m_head.layer, 0, std::max(0, nLayers - 1)), m_head.head};
}

float AnalysisView::sharedMaximum(const SessionResult& r) const {
    const core::AttentionTrace& trace = *r.trace;
    const bool hide = viewStyle().hideSpecial;
    if (d->sharedTrace == r.trace && d->sharedKind == m_kind && d->sharedHide == hide) return d->sharedValue;
    const std::vector<int> keep = shownTokens(r, viewStyle());
    float best = 0.0f;
    const auto consider = [&](HeadRef h) {
        auto m = analysisMatrix(trace, m_kind, h);
        if (m) best = std::max(best, maxFinite(shownPart(*m, keep, m_kind)));
    };
    if (analysisUsesHead(m_kind)) {
        for (int l = 0; l < trace.nLayers(); ++l) {
            for (int h = 0; h < trace.nHeads(); ++h) consider({l, h});
        }
    } else if (analysisUsesLayer(m_kind) && !analysisChainsLayers(m_kind)) {
        for (int l = 0; l < trace.nLayers(); ++l) consider({l, 0});
    } else {
        consider(matrixHead(trace.nLayers()));
    }
    d->sharedTrace = r.trace;
    d->sharedKind = m_kind;
    d->sharedHide = hide;
    d->sharedValue = best;
    return best;
}

void AnalysisView::rebuild() {
    const auto& r = result();
    if (!r) return;
    const core::AttentionTrace& trace = *r->trace;
    if (r->isCross()) {
        setFormula(QString());
        setMessage(tr("%1 is computed over one stack's square self-attention (rollout chains a layer's attention "
                      "into the next layer's over the same tokens); cross-attention maps target tokens to source "
                      "tokens.\nChoose encoder or decoder attention to see it.")
                       .arg(analysisKindLabel(m_kind)));
        return;
    }
    const HeadRef at = matrixHead(trace.nLayers());
    core::Result<Matrix> full = core::makeError(core::ErrorCode::Internal, "");
    if (m_kind == AnalysisKind::Flow) {
        if (d->flowTrace != r->trace || d->flowLayer != at.layer) startFlow(r->trace, at.layer);
        if (flowPending()) {
            setFormula(QStringLiteral("%1: %2").arg(analysisKindLabel(m_kind), analysisFormula(m_kind)));
            setMessage(tr("Computing attention flow over layers 0..%1: %2 x %2 maximum flows (about a second at 64 "
                          "tokens, a minute or more past 150)…")
                           .arg(at.layer)
                           .arg(trace.seqLen()));
            return;
        }
        if (d->flow) full = *d->flow;
        else full = core::makeError(core::ErrorCode::InvalidInput, d->flowError.toStdString());
    } else {
        full = analysisMatrix(trace, m_kind, at);
    }
    if (!full) {
        setFormula(QString());
        if (!r->run->traceFile.empty() && !trace.hasValueNorms()) {
            // Value norms need the model's value and output weights.
            setMessage(tr("%1: a trace file holds the attention only, not the value norms (%2).")
                           .arg(analysisKindLabel(m_kind), QString::fromUtf8(core::kTraceCannotRerun)));
            return;
        }
        setMessage(QStringLiteral("%1: %2").arg(analysisKindLabel(m_kind), QString::fromStdString(full.error())));
        return;
    }
    if (panels().empty()) {
        auto* margins = new QCPMarginGroup(canvas());
        body()->addElement(0, 0, makeSpacer(canvas()));
        panels().add(canvas(), body(), 0, 1)->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
        d->scale = makeColorScale(canvas(), QString());
        d->scale->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
        body()->addElement(0, 2, d->scale);
        body()->addElement(0, 3, makeSpacer(canvas()));
        body()->setColumnStretchFactors(stretchFactors(
            {Stretch::Margin, Stretch::Fill, Stretch::Fixed, Stretch::Margin}));
    }

    const ViewStyle& style = viewStyle();
    const std::vector<int> keep = shownTokens(*r, style);
    const Matrix shown = shownPart(*full, keep, m_kind);
    const float own = maxFinite(shown);
    double upper = own;
    QString rangeNote;
    switch (style.range) {
    case RangeMode::Head: break;
    case RangeMode::Shared:
        // Flow is computed for one layer range at a time; its rows sum to 1.
        if (m_kind != AnalysisKind::Flow) upper = sharedMaximum(*r);
        break;
    case RangeMode::Fixed:
        if (analysisIsBounded(m_kind)) {
            upper = 1.0;
        } else {
            rangeNote = QStringLiteral("norms are unbounded: colours span 0..max, not 0..1");
        }
        break;
    }
    if (!(upper > 0.0)) upper = 1.0;

    HeatmapPanel* panel = panels().back();
    panel->setData(shown, r->labels(keep), keep);
    panel->setColorScale(d->scale);
    panel->setAxisTitles(true);
    panel->setTitle(QString());
    d->scale->setGradient(makeGradient(style.colormap));
    d->scale->setDataRange(QCPRange(0.0, upper));
    d->scale->setLabel(analysisValueName(m_kind));

    QString what;
    switch (m_kind) {
    case AnalysisKind::MeanOverHeads:
    case AnalysisKind::MaxOverHeads:
        what = QStringLiteral("L%1 %2").arg(at.layer).arg(analysisKindLabel(m_kind).toLower());
        break;
    case AnalysisKind::MeanOverLayers:
        what = QStringLiteral("mean over all %1 layers of the head means").arg(trace.nLayers());
        break;
    case AnalysisKind::Rollout:
        what = at.layer == trace.nLayers() - 1
                   ? QStringLiteral("attention rollout over all %1 layers").arg(trace.nLayers())
                   : QStringLiteral("attention rollout over layers 0..%1").arg(at.layer);
        break;
    case AnalysisKind::Flow:
        what = at.layer == trace.nLayers() - 1
                   ? QStringLiteral("attention flow through all %1 layers").arg(trace.nLayers())
                   : QStringLiteral("attention flow through layers 0..%1").arg(at.layer);
        break;
    case AnalysisKind::ValueNorms:
    case AnalysisKind::ValueNormsNormalized:
        what = QStringLiteral("%1 %2").arg(at.label(), analysisKindLabel(m_kind).toLower());
        break;
    }
    QString subtitle = standardNotes(analysisRowsSumToOne(m_kind));
    if (!rangeNote.isEmpty()) subtitle += QStringLiteral("   ·   ") + rangeNote;
    if (r->kind) subtitle += QStringLiteral("   ·   computed over the ") + attentionKindTitle(*r->kind);
    setTitles(QStringLiteral("%1 · %2%3").arg(r->modelName, r->kindPrefix(), what), subtitle);
    setFormula(QStringLiteral("%1: %2").arg(analysisKindLabel(m_kind), analysisFormula(m_kind)));
    applyHighlight();
}

void AnalysisView::hover(const QPointF& pos) {
    const auto hit = message().isEmpty() ? panels().hitCell(pos) : std::nullopt;
    if (!hit) {
        endHover();
        return;
    }
    showHover(pos, cellToolTip(hit->row, hit->col), cellText(hit->row, hit->col));
}

QSize AnalysisView::figureSize() const {
    const auto& r = result();
    const int n = r ? static_cast<int>(shownTokens(*r, viewStyle()).size()) : 10;
    const int labels = r ? TokenTicker::labelRoom(r->labels(shownTokens(*r, viewStyle()))) : 60;
    const int side = std::clamp(n * 22, 360, 1000);
    const int width = std::max(side + labels + 30 + 110 + 40, 720);
    // Title, subtitle and the formula (wrapped to the width: up to four lines).
    const int titles = 80 + 4 * 15;
    return {width, titles + side + labels + 50};
}

std::optional<LabeledMatrix> AnalysisView::csvMatrix() const {
    const HeatmapPanel* panel = panels().back();
    if (!result() || !panel || !message().isEmpty()) return std::nullopt;
    LabeledMatrix m;
    m.title = figureTitle();
    m.formula = QStringLiteral("%1: %2").arg(analysisKindLabel(m_kind), analysisFormula(m_kind));
    m.matrix = panel->matrix();
    m.rowLabels = panel->labels();
    m.colLabels = panel->labels();
    return m;
}

}  // namespace attnviz::ui
