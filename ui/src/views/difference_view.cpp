#include "attnviz/ui/views/difference_view.h"

#include "attnviz/ui/views/analysis_kind.h"
#include "plot/heatmap_panels.h"
#include "plot/plot_canvas.h"
#include "plot/qcp_style.h"
#include "plot/token_ticker.h"
#include "plot/triptych_layout.h"
#include "plot/view_data.h"

namespace attnviz::ui {
namespace {

// The subtitle's part on the size of A - B; no-break spaces keep it on one
// line when the subtitle wraps.
QString differenceNote(float biggest) {
    if (biggest == 0) return QStringLiteral("A\u00a0and\u00a0B\u00a0are\u00a0identical");
    return QStringLiteral("max\u00a0|A\u00a0\u2212\u00a0B|\u00a0=\u00a0%1").arg(biggest, 0, 'f', 4);
}

}  // namespace

// panels(): A, B, A - B.
struct DifferenceView::Impl {
    QCPColorScale* valueScale = nullptr;
    QCPColorScale* diffScale = nullptr;
    QCPMarginGroup* margins = nullptr;
    int columns = 0;
    QString nameA;
    QString nameB;
};

DifferenceView::DifferenceView(QWidget* parent) : PlotView(parent), d(std::make_unique<Impl>()) {
    m_compareJob = new LatestJob(QStringLiteral("attnviz-compare"), this);
    d->margins = new QCPMarginGroup(canvas());
    canvas()->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    setPlaceholder(tr("Open a model and type a sentence to see what a mask change or a second head changes."));
}

DifferenceView::~DifferenceView() = default;

QCPColorMap* DifferenceView::colorMap(int panel) const {
    if (!message().isEmpty() || panel < 0 || panel >= panels().size()) return nullptr;
    return panels().at(panel)->colorMap();
}

void DifferenceView::setSource(Source source) {
    if (source == m_source) return;
    m_source = source;
    redraw();
}

void DifferenceView::setHead(HeadRef head) {
    if (head == m_head) return;
    m_head = head;
    redraw();
}

void DifferenceView::setHeads(HeadRef a, HeadRef b) {
    if (a == m_a && b == m_b) return;
    m_a = a;
    m_b = b;
    redraw();
}

void DifferenceView::rebuild() {
    const auto& r = result();
    if (!r) return;
    const core::AttentionTrace& trace = *r->trace;
    const auto valid = [&](HeadRef h) {
        return h.layer >= 0 && h.layer < trace.nLayers() && h.head >= -1 && h.head < trace.nHeads();
    };
    const ViewStyle& style = viewStyle();
    Matrix a;
    Matrix b;
    QString title;
    if (m_source == Source::MaskVsDefault) {
        m_head.layer = std::clamp(m_head.layer, 0, trace.nLayers() - 1);
        m_head.head = std::clamp(m_head.head, -1, trace.nHeads() - 1);
        if (r->isCross()) {
            setMessage(tr("Cross-attention has no mask to override: the Mask box applies to the encoder and the "
                          "decoder self-attention.\nChoose encoder or decoder attention, or two heads to compare."));
            return;
        }
        if (r->maskIsDefault() && !r->run->traceFile.empty()) {
            setMessage(tr("This trace was computed elsewhere under the model's own mask (%1) only: attnviz cannot "
                          "re-run it under another.\nChoose two heads instead to see how they differ.")
                           .arg(maskLabel(r->defaultMask)));
            return;
        }
        if (r->maskIsDefault()) {
            setMessage(tr("The mask in use is the model's own (%1).\nChoose another one in the Mask box above to "
                          "see what it changes in this head.")
                           .arg(maskLabel(r->defaultMask)));
            return;
        }
        if (!r->defaultTrace) {
            setMessage(tr("This trace was computed elsewhere under the %1 mask, and it holds no run under the "
                          "model's own (%2): attnviz cannot re-run it.")
                           .arg(maskLabel(trace.mask()), maskLabel(r->defaultMask)));
            return;
        }
        a = shownAttention(*r, trace, m_head, style);
        b = shownAttention(*r, *r->defaultTrace, m_head, style);
        d->nameA = maskLabel(trace.mask());
        d->nameB = maskLabel(r->defaultMask) + QStringLiteral(" (model's own)");
        title = QStringLiteral("%1 · %2%3 · %4 \u2212 %5")
                    .arg(r->modelName, r->kindPrefix(), m_head.label(), maskLabel(trace.mask()), maskLabel(r->defaultMask));
    } else if (m_source == Source::PinnedRun) {
        if (!rebuildPinned()) return;
        return;
    } else {
        if (!valid(m_a) || !valid(m_b)) {
            setMessage(tr("Pick two heads in the Compare tab: the difference shows the first minus the second."));
            return;
        }
        a = shownAttention(*r, trace, m_a, style);
        b = shownAttention(*r, trace, m_b, style);
        d->nameA = m_a.label();
        d->nameB = m_b.label();
        title = QStringLiteral("%1 · %2%3 \u2212 %4").arg(r->modelName, r->kindPrefix(), m_a.label(), m_b.label());
    }

    const int columns = wantedColumns();
    if (panels().empty() || columns != d->columns) buildLayout(columns);

    const Matrix diff = subtract(a, b);
    const std::vector<int> keep = shownTokens(*r, style);
    const QStringList labels = r->labels(keep);
    setShownData(*panels().at(0), *r, a, style);
    setShownData(*panels().at(1), *r, b, style);
    setShownData(*panels().at(2), *r, diff, style);
    const float biggest = styleTriptych(a, b, diff, QStringLiteral("A: %1").arg(d->nameA), QStringLiteral("B: %1").arg(d->nameB));
    QString subtitle = standardNotes(true);
    subtitle += QStringLiteral("   ·   ") + differenceNote(biggest);
    setTitles(title, subtitle);
    const bool anyMean = m_source == Source::MaskVsDefault ? m_head.isMean() : (m_a.isMean() || m_b.isMean());
    setFormula(anyMean ? QStringLiteral("Layer mean: %1").arg(analysisFormula(AnalysisKind::MeanOverHeads)) : QString());
    applyHighlight();
}

void DifferenceView::setPinned(const PinnedRun* pinned) {
    if (pinned) {
        m_pinned = *pinned;
    } else {
        m_pinned.reset();
    }
    m_comparison.reset();
    m_compareJob->cancel();
    m_comparingLive.reset();
    m_comparingPinned.reset();
    redraw();
}

void DifferenceView::setLiveInput(const SessionInput& input) { m_liveInput = input; }

bool DifferenceView::rebuildPinned() {
    const auto& r = result();
    if (!m_pinned) {
        m_comparison.reset();
        setMessage(tr("Pin a run (Pin This Run above, or Ctrl+P), then change the sentence, the mask or the model: "
                      "this view shows each head live \u2212 pinned, and ranks the heads by how much they changed."));
        return false;
    }
    if (const QString problem = comparisonProblem(*r, *m_pinned); !problem.isEmpty()) {
        m_comparison.reset();
        setMessage(problem);
        return false;
    }
    // A live result that only gained extras (induction) keeps its comparison.
    const auto sameLive = [&r](const std::shared_ptr<const SessionResult>& s) { return s && s->sameAttention(*r); };
    if (!m_comparison || !sameLive(m_comparison->live) || m_comparison->pinned != m_pinned->result) {
        // Every head of both runs: on the worker, the view says so meanwhile.
        if (!sameLive(m_comparingLive) || m_comparingPinned != m_pinned->result) {
            m_comparingLive = r;
            m_comparingPinned = m_pinned->result;
            m_compareError.clear();
            using Compared = std::shared_ptr<const RunComparison>;
            m_compareJob->submit<Compared>(
                [live = r, input = m_liveInput, pinned = *m_pinned](const std::atomic<bool>& cancel) -> core::Result<Compared> {
                    Compared c = compareRuns(live, input, pinned, &cancel);
                    if (cancel.load()) return core::makeError(core::ErrorCode::Cancelled, "cancelled");
                    return c;
                },
                [this](core::Result<Compared> c) {
                    if (c) {
                        m_comparison = std::move(c.value());
                    } else {
                        m_compareError = QString::fromStdString(c.error());
                    }
                    redraw();
                });
        }
        setMessage(m_compareError.isEmpty()
                       ? tr("Comparing every head of the live run with the pinned run...")
                       : tr("The comparison failed: %1").arg(m_compareError));
        return false;
    }
    const RunComparison& c = *m_comparison;
    const int n = static_cast<int>(c.alignment.units.size());
    if (n == 0) {
        setMessage(tr("No token of the live run matches one of the pinned run (%1).")
                       .arg(QString::fromStdString(c.alignment.description())));
        return false;
    }
    const core::AttentionTrace& live = *r->trace;
    const core::AttentionTrace& pinned = *m_pinned->result->trace;
    if (m_head.isMean() || m_head.layer >= c.commonLayers || m_head.head >= c.commonHeads) {
        setMessage(tr("Choose one head that both runs have: the live run has %1 x %2 heads, the pinned run %3 x %4.")
                       .arg(live.nLayers()).arg(live.nHeads()).arg(pinned.nLayers()).arg(pinned.nHeads()));
        return false;
    }
    const auto toMatrix = [n](const std::vector<float>& v) {
        Matrix m(n, n);
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) m.at(i, j) = v[static_cast<std::size_t>(i) * n + j];
        return m;
    };
    const std::vector<float> va = core::unitAttention(live.headProbs(m_head.layer, m_head.head).data(), live.seqLen(), c.alignment, true);
    const std::vector<float> vb = core::unitAttention(pinned.headProbs(m_head.layer, m_head.head).data(), pinned.seqLen(), c.alignment, false);
    const Matrix a = toMatrix(va);
    const Matrix b = toMatrix(vb);
    const double jsd = core::meanRowJensenShannon(va, vb, n);
    d->nameA = tr("live");
    d->nameB = tr("pinned");
    const int columns = wantedColumns();
    if (panels().empty() || columns != d->columns) buildLayout(columns);
    const Matrix diff = subtract(a, b);
    panels().at(0)->setData(a, c.unitLabels, c.unitTokens);
    panels().at(1)->setData(b, c.pinnedUnitLabels, c.unitTokens);
    panels().at(2)->setData(diff, c.unitLabels, c.unitTokens);
    const float biggest = styleTriptych(a, b, diff, tr("A: live · %1").arg(maskLabel(live.mask())),
                                        tr("B: pinned · %1").arg(maskLabel(pinned.mask())));
    QString subtitle = QString::fromStdString(c.alignment.description());
    subtitle += QStringLiteral("   ·   mean\u00a0JSD\u00a0=\u00a0%1   ·   ").arg(jsd, 0, 'f', 4) + differenceNote(biggest);
    const QString pinnedModel = m_pinned->result->modelName == r->modelName ? QString() : QStringLiteral(" (%1)").arg(m_pinned->result->modelName);
    setTitles(QStringLiteral("%1 · %2%3 · live \u2212 pinned%4").arg(r->modelName, r->kindPrefix(), m_head.label(), pinnedModel),
              subtitle);
    setFormula(headChangeFormula());
    applyHighlight();
    return true;
}

float DifferenceView::styleTriptych(const Matrix& a, const Matrix& b, const Matrix& diff, const QString& titleA,
                                    const QString& titleB) {
    const ViewStyle& style = viewStyle();
    const float both = std::max(maxFinite(a), maxFinite(b));
    const auto [lo, hi] = attentionRange(style.range == RangeMode::Fixed ? RangeMode::Fixed : RangeMode::Head, both, both);
    for (int i = 0; i < 2; ++i) {
        panels().at(i)->setGradient(makeGradient(style.colormap));
        panels().at(i)->setColorScale(d->valueScale);
    }
    panels().at(2)->setColorScale(d->diffScale);
    d->valueScale->setGradient(makeGradient(style.colormap));
    d->valueScale->setDataRange(QCPRange(lo, hi));
    // Centred at 0 so white means "no change" and the colours are comparable
    // in sign. Identical heads get +-1 and the subtitle says so (a bar of
    // +-1e-6 over an all-white panel read as a tiny difference).
    const float biggest = maxAbsFinite(diff);
    const double limit = style.range == RangeMode::Fixed || biggest == 0 ? 1.0 : biggest;
    d->diffScale->setGradient(makeGradient(Colormap::Diverging));
    d->diffScale->setDataRange(QCPRange(-limit, limit));
    panels().at(0)->setTitle(titleA);
    panels().at(1)->setTitle(titleB);
    panels().at(2)->setTitle(QStringLiteral("A \u2212 B"));
    for (auto& p : panels()) p->setAxisTitles(false);
    return biggest;
}

int DifferenceView::columns() const { return d->columns; }

int DifferenceView::wantedColumns() const { return triptychColumns(layoutArea()); }

void DifferenceView::buildLayout(int columns) {
    const TriptychScales scales =
        buildTriptych(canvas(), body(), panels(), d->margins, columns, QStringLiteral("attention"), QStringLiteral("A \u2212 B"));
    d->valueScale = scales.pair;
    d->diffScale = scales.third;
    d->columns = columns;
}

bool DifferenceView::layoutOutdated() const { return !panels().empty() && wantedColumns() != d->columns; }

void DifferenceView::hover(const QPointF& pos) {
    const auto hit = panels().hitCell(pos);
    if (!hit) {
        endHover();
        return;
    }
    const auto [panel, row, col] = *hit;
    const QString text = QStringLiteral("query '%1' -> key '%2': A %3, B %4, A \u2212 B %5")
                             .arg(panel->labels().value(row), panel->colLabels().value(col))
                             .arg(panels().at(0)->matrix().at(row, col), 0, 'f', 4)
                             .arg(panels().at(1)->matrix().at(row, col), 0, 'f', 4)
                             .arg(panels().at(2)->matrix().at(row, col), 0, 'f', 4);
    showHover(pos, text, text);
}

QSize DifferenceView::figureSize() const {
    const auto& r = result();
    const int tokens = r ? static_cast<int>(shownTokens(*r, viewStyle()).size()) : 10;
    const int labels = r ? TokenTicker::labelRoom(r->labels(shownTokens(*r, viewStyle()))) : 60;
    const int side = std::clamp(tokens * 15, 240, 600);
    return {3 * (side + 16) + labels + 2 * 110 + 60, side + labels + 40 + 90 + (figureFormula().isEmpty() ? 0 : 36)};
}

std::optional<LabeledMatrix> DifferenceView::csvMatrix() const {
    if (!result() || !message().isEmpty() || panels().size() != 3) return std::nullopt;
    LabeledMatrix m;
    m.title = figureTitle();
    m.matrix = panels().at(2)->matrix();
    m.rowLabels = panels().at(2)->labels();
    m.colLabels = panels().at(2)->colLabels();
    return m;
}

}  // namespace attnviz::ui
