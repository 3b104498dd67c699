#include "attnviz/ui/views/analysis_view.h"

#include "attnviz/core/trace_file.h"
#include "attnviz/ui/session/latest_job.h"

#include "plot/heatmap_panel.h"
#include "plot/heatmap_panels.h"
#include "plot/lod_image.h"
#include "plot/plot_canvas.h"
#include "plot/qcp_style.h"
#include "plot/stretch.h"
#include "plot/token_ticker.h"
#include "plot/view_data.h"
#include "plot/work_page.h"
#include "views/analysis_task.h"

#include <QElapsedTimer>
#include <QTimer>

#include <atomic>
#include <deque>

namespace attnviz::ui {

// panels(): one panel, made by the first rebuild that has a matrix.
struct AnalysisView::Impl {
    QCPColorScale* scale = nullptr;
    // The titles of the figure drawn, without the LOD note (added after each layout).
    QString title;
    QString subtitle;

    // Matrices computed lately, newest first, within kKeptBytes (the newest
    // always kept): going back to a kind or layer does not recompute it.
    struct Kept {
        std::shared_ptr<const core::AttentionTrace> trace;
        AnalysisKind kind;
        HeadRef at;
        core::Result<Matrix> matrix;
    };
    static constexpr std::size_t kKeptBytes = std::size_t{256} << 20;
    std::deque<Kept> kept;

    // The shared maximum, remembered per (trace, kind, hideSpecial).
    struct Shared {
        std::shared_ptr<const core::AttentionTrace> trace;
        AnalysisKind kind;
        bool hide;
        float value;
    };
    std::optional<Shared> shared;

    // The task on the worker thread, if any.
    struct Job {
        AnalysisTask task;
        bool hide = false;
        std::shared_ptr<std::atomic<int>> permille;
        QElapsedTimer clock;
    };
    std::optional<Job> job;
    QTimer* progressTimer = nullptr;
    // A task the user cancelled: shown as stopped, with a button to compute
    // it, until the figure asks for something else.
    std::optional<AnalysisTask> stopped;
    // Last member, so destroyed first: cancels the running task and waits
    // for it; delivers only the newest task's outcome.
    std::unique_ptr<LatestJob> worker = std::make_unique<LatestJob>(QStringLiteral("attnviz aggregates"));

    void cancelJob() {
        worker->cancel();
        job.reset();
    }

    const core::Result<Matrix>* keptMatrix(const std::shared_ptr<const core::AttentionTrace>& trace,
                                           AnalysisKind kind, HeadRef at) const {
        for (const Kept& k : kept) {
            if (k.trace == trace && k.kind == kind && k.at == at) return &k.matrix;
        }
        return nullptr;
    }

    void keep(const AnalysisTask& task, core::Result<Matrix> matrix) {
        std::erase_if(kept, [&](const Kept& k) { return k.trace == task.trace && k.kind == task.kind && k.at == task.at; });
        kept.push_front({task.trace, task.kind, task.at, std::move(matrix)});
        std::size_t bytes = 0;
        for (auto it = kept.begin(); it != kept.end(); ++it) {
            bytes += it->matrix ? static_cast<std::size_t>(it->matrix->rows()) * it->matrix->cols() * sizeof(float) : 0;
            if (it != kept.begin() && bytes > kKeptBytes) {
                kept.erase(it, kept.end());
                break;
            }
        }
    }

    std::optional<float> sharedValue(const std::shared_ptr<const core::AttentionTrace>& trace, AnalysisKind kind,
                                     bool hide) const {
        if (shared && shared->trace == trace && shared->kind == kind && shared->hide == hide) return shared->value;
        return std::nullopt;
    }
};

namespace {

// True when `running` computes everything `wanted` asks for.
bool covers(const AnalysisTask& running, const AnalysisTask& wanted) {
    if (running.trace != wanted.trace || running.kind != wanted.kind) return false;
    if (wanted.wantMatrix && !(running.wantMatrix && running.at == wanted.at)) return false;
    return !wanted.wantShared || (running.wantShared && running.keep == wanted.keep);
}

}  // namespace

double AnalysisView::s_backgroundCost = 3e7;

void AnalysisView::setBackgroundCost(double cost) { s_backgroundCost = cost; }

void AnalysisView::startJob(const AnalysisTask& task) {
    d->job.emplace();
    Impl::Job& job = *d->job;
    job.task = task;
    job.hide = viewStyle().hideSpecial;
    job.permille = std::make_shared<std::atomic<int>>(0);
    job.clock.start();
    if (!d->progressTimer) {
        d->progressTimer = new QTimer(this);
        d->progressTimer->setInterval(150);
        connect(d->progressTimer, &QTimer::timeout, this, [this] {
            if (!d->job) {
                d->progressTimer->stop();
                return;
            }
            if (showsWork()) workPage()->showWork(jobText(), d->job->permille->load(), tr("Cancel"));
        });
    }
    d->progressTimer->start();
    // Submitting cancels a task still running for another figure.
    d->worker->submit<AnalysisOutcome>(
        [task, permille = job.permille](const std::atomic<bool>& cancel) -> core::Result<AnalysisOutcome> {
            return runAnalysisTask(task, {&cancel, permille.get()});
        },
        [this](core::Result<AnalysisOutcome> outcome) { finishJob(std::move(outcome)); });
}

void AnalysisView::finishJob(core::Result<AnalysisOutcome> outcome) {
    const Impl::Job job = std::move(*d->job);
    d->job.reset();
    if (!outcome) {
        // Out of memory (a T x T matrix per layer at thousands of tokens): the figure says so.
        d->keep(job.task, outcome.takeError());
    } else {
        if (outcome->matrix) d->keep(job.task, std::move(*outcome->matrix));
        if (outcome->shared) d->shared = Impl::Shared{job.task.trace, job.task.kind, job.hide, *outcome->shared};
    }
    redraw();
}

void AnalysisView::workButton() {
    if (d->job) {
        // Cancel: the figure stays stopped until asked again or changed.
        d->stopped = d->job->task;
        d->cancelJob();
    } else {
        d->stopped.reset();
    }
    redraw();
}

bool AnalysisView::computing() const { return d->job.has_value(); }

QString AnalysisView::taskText(const AnalysisTask& task) const {
    const core::AttentionTrace& trace = *task.trace;
    QString what = analysisKindLabel(task.kind);
    if (!task.wantMatrix) what = tr("the shared colour range of %1").arg(what.toLower());
    else if (task.wantShared) what = tr("%1 and its shared colour range").arg(what);
    QString text = tr("%1 over %2 tokens: %3 heads to read%4")
                       .arg(what)
                       .arg(trace.seqLen())
                       .arg(analysisHeadReads(task))
                       .arg(trace.isLazy() ? tr(", each computed anew from the run's queries and keys") : QString());
    if (task.kind == AnalysisKind::Flow && task.wantMatrix) {
        text += QLatin1Char('\n') + tr("Attention flow solves %1 x %1 maximum flows: about a second at 64 tokens, a "
                                       "minute or more past 150.")
                                        .arg(trace.seqLen());
    }
    return text;
}

QString AnalysisView::jobText() const {
    if (!d->job) return {};
    QString text = tr("Computing %1…").arg(taskText(d->job->task));
    const qint64 seconds = d->job->clock.elapsed() / 1000;
    if (seconds > 0) text += QLatin1Char('\n') + tr("%1 s so far").arg(seconds);
    return text;
}

AnalysisView::AnalysisView(QWidget* parent) : PlotView(parent), d(std::make_unique<Impl>()) {
    canvas()->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    canvas()->setLayoutHooks([this] { panels().clearSizeLimits(); },
                             [this] {
                                 const bool changed = panels().fitLayout();
                                 return noteLod(d->title, d->subtitle) || changed;
                             });
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
    const ViewStyle& style = viewStyle();
    const std::vector<int> keep = shownTokens(*r, style);
    const HeadRef at = matrixHead(trace.nLayers());

    // What is not computed yet: the matrix, and the shared maximum when it
    // reads other matrices than this one (flow has a colour range of its own).
    AnalysisTask task;
    task.trace = r->trace;
    task.kind = m_kind;
    task.at = at;
    task.keep = keep;
    task.wantMatrix = d->keptMatrix(r->trace, m_kind, at) == nullptr;
    task.wantShared = style.range == RangeMode::Shared && m_kind != AnalysisKind::Flow && sharedReadsOthers(m_kind) &&
                      !d->sharedValue(r->trace, m_kind, style.hideSpecial);
    if (task.wantMatrix || task.wantShared) {
        if (d->job && !covers(d->job->task, task)) d->cancelJob();
        if (d->stopped && !(covers(*d->stopped, task) && covers(task, *d->stopped))) d->stopped.reset();
        if (d->stopped) {
            setFormula(QString());
            setWork(tr("Stopped: %1.").arg(taskText(task)), -1, tr("Compute"));
            return;
        }
        if (!d->job && (analysisCost(task) > s_backgroundCost || m_kind == AnalysisKind::Flow)) startJob(task);
        if (d->job) {
            setFormula(QString());
            setWork(jobText(), d->job->permille->load(), tr("Cancel"));
            return;
        }
        AnalysisOutcome outcome = runAnalysisTask(task);
        if (outcome.matrix) d->keep(task, std::move(*outcome.matrix));
        if (outcome.shared) d->shared = Impl::Shared{task.trace, m_kind, style.hideSpecial, *outcome.shared};
    }
    const core::Result<Matrix>& full = *d->keptMatrix(r->trace, m_kind, at);
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

    const Matrix shown = analysisShownPart(*full, keep, m_kind);
    const float own = maxFinite(shown);
    double upper = own;
    QString rangeNote;
    switch (style.range) {
    case RangeMode::Head: break;
    case RangeMode::Shared:
        // Flow is computed for one layer range at a time; its rows sum to 1.
        // Rollout and the mean over layers have one matrix: their own maximum.
        if (m_kind != AnalysisKind::Flow && sharedReadsOthers(m_kind)) {
            if (auto value = d->sharedValue(r->trace, m_kind, style.hideSpecial)) upper = *value;
        }
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
    panel->setLodMode(style.lodMean ? LodMode::Mean : LodMode::Max);
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
    d->title = QStringLiteral("%1 · %2%3").arg(r->modelName, r->kindPrefix(), what);
    d->subtitle = subtitle;
    setTitles(d->title, d->subtitle);
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
