// The Aggregates view computes a slow figure off the GUI thread (issue 19:
// on a lazy trace of thousands of tokens the mean over layers reads every
// head anew and stalled the window for over 20 s). The view shows progress
// and a Cancel button meanwhile; what it then draws, colour range included,
// is exactly what it draws when it computes on the GUI thread over the eager
// trace of the same run. Cancel stops the work and offers to compute again.
#include "ui_fixture.h"

#include "attnviz/core/aggregates.h"
#include "attnviz/core/attention_flow.h"
#include "attnviz/core/rollout.h"
#include "attnviz/core/value_weighted.h"
#include "attnviz/ui/views/analysis_view.h"
#include "plot/work_page.h"
#include "support/verify_result.h"

#include <QPushButton>
#include <QtTest>
#include <qcustomplot.h>

using namespace attnviz;

Q_DECLARE_METATYPE(ui::AnalysisKind)

namespace {

void clickWorkButton(ui::AnalysisView& view) {
    QVERIFY(view.workPage() != nullptr);
    auto* button = view.workPage()->findChild<QPushButton*>();
    QVERIFY(button != nullptr);
    button->click();
}

// Every cell and the colour range of two views' heatmaps are equal.
void verifySameFigure(const ui::AnalysisView& got, const ui::AnalysisView& want) {
    QVERIFY2(got.message().isEmpty(), qPrintable(got.message()));
    QVERIFY2(want.message().isEmpty(), qPrintable(want.message()));
    QCPColorMap* a = got.colorMap();
    QCPColorMap* b = want.colorMap();
    QVERIFY(a != nullptr && b != nullptr);
    QCOMPARE(a->data()->keySize(), b->data()->keySize());
    QCOMPARE(a->data()->valueSize(), b->data()->valueSize());
    const int n = a->data()->keySize();
    for (int q = 0; q < n; ++q) {
        for (int k = 0; k < n; ++k) {
            if (test::cellAt(a, q, k) != test::cellAt(b, q, k)) {
                QFAIL(qPrintable(QStringLiteral("cell (%1, %2): %3 vs %4")
                                     .arg(q)
                                     .arg(k)
                                     .arg(test::cellAt(a, q, k))
                                     .arg(test::cellAt(b, q, k))));
            }
        }
    }
    QCOMPARE(a->colorScale()->dataRange().upper, b->colorScale()->dataRange().upper);
    QCOMPARE(got.figureTitle(), want.figureTitle());
}

// The colour scale's top, from the core functions: the largest value over
// every layer (per-layer aggregates) or every head (value norms) under a
// shared range, else over the drawn matrix.
double expectedUpper(const core::AttentionTrace& t, ui::AnalysisKind kind, bool shared) {
    const auto top = [](const core::RowMatrix& m) { return static_cast<double>(m.maxCoeff()); };
    double best = 0.0;
    switch (kind) {
    case ui::AnalysisKind::MeanOverHeads:
    case ui::AnalysisKind::MaxOverHeads:
        for (int l = shared ? 0 : 1; l < (shared ? t.nLayers() : 2); ++l) {
            best = std::max(best, top(kind == ui::AnalysisKind::MeanOverHeads ? core::meanOverHeads(t, l)
                                                                             : core::maxOverHeads(t, l)));
        }
        return best;
    case ui::AnalysisKind::MeanOverLayers: return top(core::meanOverLayers(t));
    case ui::AnalysisKind::Rollout: return top(core::attentionRollout(t, 1));
    case ui::AnalysisKind::Flow: return top(*core::attentionFlow(t, 1));
    case ui::AnalysisKind::ValueNorms:
    case ui::AnalysisKind::ValueNormsNormalized:
        for (int l = 0; l < t.nLayers(); ++l) {
            for (int h = 0; h < t.nHeads(); ++h) {
                if (!shared && (l != 1 || h != 2)) continue;
                best = std::max(best, top(kind == ui::AnalysisKind::ValueNorms ? *core::valueWeightedNorms(t, l, h)
                                                                              : *core::valueWeightedNormsNormalized(t, l, h)));
            }
        }
        return best;
    }
    return best;
}

}  // namespace

class TestAnalysisBackground : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void backgroundEqualsInline_data();
    void backgroundEqualsInline();
    void cancelThenCompute();
    void anotherFigureReplacesTheJob();

private:
    QTemporaryDir m_tmp;
    std::shared_ptr<const ui::SessionResult> m_eager;
    std::shared_ptr<const ui::SessionResult> m_lazy;
};

void TestAnalysisBackground::initTestCase() {
    ATTNVIZ_UNWRAP(model, test::loadConfigModel(m_tmp, "lazy", test::llamaConfig(3, 4, 2, 16, 512)));
    std::vector<int> ids;
    for (int i = 0; i < 300; ++i) ids.push_back((i * 7 + 3) % 50);
    ATTNVIZ_UNWRAP(eager, test::runIds(model, ids));
    QVERIFY(!eager->trace->isLazy());
    // (3 x 4 heads, 300 x 300) probabilities and scores: 8.6 MB, over a 2 MiB budget.
    ATTNVIZ_UNWRAP(lazy, test::runIdsUnderBudget(model, ids, 2));
    QVERIFY(lazy->trace->isLazy());
    m_eager = eager;
    m_lazy = lazy;
}

void TestAnalysisBackground::cleanup() { ui::AnalysisView::setBackgroundCost(3e7); }

void TestAnalysisBackground::backgroundEqualsInline_data() {
    QTest::addColumn<ui::AnalysisKind>("kind");
    QTest::addColumn<bool>("shared");
    for (ui::AnalysisKind kind : ui::kAllAnalysisKinds) {
        // Flow always runs on a worker (test_analysis_views); 300 x 300
        // maximum flows would take minutes.
        if (kind == ui::AnalysisKind::Flow) continue;
        for (bool shared : {false, true}) {
            QTest::newRow(qPrintable(ui::analysisKindName(kind) + (shared ? " shared" : " own"))) << kind << shared;
        }
    }
}

void TestAnalysisBackground::backgroundEqualsInline() {
    QFETCH(ui::AnalysisKind, kind);
    QFETCH(bool, shared);
    ui::ViewStyle style;
    style.range = shared ? ui::RangeMode::Shared : ui::RangeMode::Head;

    ui::AnalysisView inlineView;
    inlineView.setViewStyle(style);
    inlineView.setKind(kind);
    inlineView.setHead({1, 2});
    inlineView.setRolloutLastLayer(1);
    inlineView.setResult(m_eager);
    QVERIFY(!inlineView.computing());

    ui::AnalysisView::setBackgroundCost(0.0);
    ui::AnalysisView view;
    view.setViewStyle(style);
    view.setKind(kind);
    view.setHead({1, 2});
    view.setRolloutLastLayer(1);
    view.setResult(m_lazy);
    // setResult returned at once: the work runs on a worker, the view says so.
    QVERIFY(view.computing());
    QVERIFY(view.showsWork());
    QVERIFY(view.colorMap() == nullptr);
    QVERIFY2(view.message().startsWith(QStringLiteral("Computing ")), qPrintable(view.message()));
    QVERIFY2(view.message().contains(QStringLiteral("each computed anew")), qPrintable(view.message()));
    QCOMPARE(view.workPage()->buttonText(), QStringLiteral("Cancel"));
    QVERIFY(!view.exportProblem().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(!view.computing(), 60000);
    QVERIFY(!view.showsWork());
    verifySameFigure(view, inlineView);
    QCOMPARE(view.colorMap()->colorScale()->dataRange().upper, expectedUpper(*m_eager->trace, kind, shared));
}

void TestAnalysisBackground::cancelThenCompute() {
    ui::AnalysisView::setBackgroundCost(0.0);
    ui::ViewStyle style;
    style.range = ui::RangeMode::Shared;
    ui::AnalysisView view;
    view.setViewStyle(style);
    view.setKind(ui::AnalysisKind::MeanOverHeads);
    view.setHead({2, 0});
    view.setResult(m_lazy);
    QVERIFY(view.computing());
    clickWorkButton(view);
    // Stopped: nothing computes, the page says so and offers to compute.
    QVERIFY(!view.computing());
    QVERIFY(view.showsWork());
    QVERIFY2(view.message().startsWith(QStringLiteral("Stopped: ")), qPrintable(view.message()));
    QCOMPARE(view.workPage()->buttonText(), QStringLiteral("Compute"));
    QCOMPARE(view.workPage()->progress(), -1);
    // A cancelled job's result never arrives.
    QTest::qWait(300);
    QVERIFY(view.showsWork());
    QVERIFY(view.colorMap() == nullptr);
    // Another layer is another figure: it computes.
    view.setHead({1, 0});
    QVERIFY(view.computing());
    view.setHead({2, 0});
    QVERIFY(view.computing());
    clickWorkButton(view);
    QVERIFY(!view.computing());
    clickWorkButton(view);  // Compute
    QVERIFY(view.computing());
    QTRY_VERIFY_WITH_TIMEOUT(!view.computing(), 60000);

    ui::AnalysisView::setBackgroundCost(3e7);
    ui::AnalysisView inlineView;
    inlineView.setViewStyle(style);
    inlineView.setKind(ui::AnalysisKind::MeanOverHeads);
    inlineView.setHead({2, 0});
    inlineView.setResult(m_eager);
    verifySameFigure(view, inlineView);
}

void TestAnalysisBackground::anotherFigureReplacesTheJob() {
    // A new run and another kind while a job runs: the view ends on the
    // figure last asked for, never on an earlier job's matrix.
    ui::AnalysisView::setBackgroundCost(0.0);
    ui::AnalysisView view;
    view.setKind(ui::AnalysisKind::MeanOverLayers);
    view.setResult(m_eager);
    QVERIFY(view.computing());
    view.setResult(m_lazy);
    view.setKind(ui::AnalysisKind::Rollout);
    QVERIFY(view.computing());
    QTRY_VERIFY_WITH_TIMEOUT(!view.computing(), 60000);

    ui::AnalysisView::setBackgroundCost(3e7);
    ui::AnalysisView inlineView;
    inlineView.setKind(ui::AnalysisKind::Rollout);
    inlineView.setResult(m_eager);
    QVERIFY(!inlineView.computing());
    verifySameFigure(view, inlineView);
    // Going back to the mean over layers computes it for the latest run.
    ui::AnalysisView::setBackgroundCost(0.0);
    view.setKind(ui::AnalysisKind::MeanOverLayers);
    QVERIFY(view.computing());
    QTRY_VERIFY_WITH_TIMEOUT(!view.computing(), 60000);
    ui::AnalysisView::setBackgroundCost(3e7);
    inlineView.setKind(ui::AnalysisKind::MeanOverLayers);
    QVERIFY(!inlineView.computing());
    verifySameFigure(view, inlineView);
    // And both are kept: switching back does not compute again.
    view.setKind(ui::AnalysisKind::Rollout);
    QVERIFY(!view.computing());
    QVERIFY(view.colorMap() != nullptr);
}

QTEST_MAIN(TestAnalysisBackground)
#include "test_analysis_background.moc"
