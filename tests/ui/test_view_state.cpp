// ViewState is the one owner of what the views show: setting the head, the
// highlighted token, the style, the steps or the compared heads once reaches
// every view and panel bound to it, a user action in any of them writes to
// it, and a value set again changes nothing (no signal).
#include "support/verify_result.h"
#include "ui_fixture.h"

#include "attnviz/ui/panels/head_stats_model.h"
#include "attnviz/ui/views/analysis_view.h"
#include "attnviz/ui/views/compare_view.h"
#include "attnviz/ui/views/difference_view.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"
#include "panels/compare_page.h"
#include "panels/head_stats_panel.h"
#include "panels/token_strip.h"
#include "panels/view_controls.h"
#include "window/view_binding.h"
#include "window/view_state.h"

#include <QComboBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTableView>
#include <QtTest>
#include <qcustomplot.h>

#include <cmath>
#include <memory>

using namespace attnviz;

namespace {

// Every view and panel the window binds, bound to one state, with one run.
struct Bound {
    ui::ViewState state;
    ui::HeadView head;
    ui::HeadGridView overview;
    ui::ComparePage compare;
    ui::DifferenceView difference;
    ui::AnalysisView analysis;
    ui::ViewControls controls;
    ui::HeadStatsPanel stats;
    ui::TokenStrip strip;
    std::shared_ptr<const ui::SessionResult> result;

    explicit Bound(std::shared_ptr<const ui::SessionResult> run) : result(std::move(run)) {
        const int nLayers = result->trace->nLayers();
        const int nHeads = result->trace->nHeads();
        controls.setModelShape(nLayers, nHeads, core::MaskMode::causal());
        state.setModelShape(nLayers, nHeads);
        analysis.setKind(ui::AnalysisKind::MeanOverHeads);
        ui::bindViewState(state, controls);
        ui::bindViewState(state, head);
        ui::bindViewState(state, overview);
        ui::bindViewState(state, compare);
        ui::bindViewState(state, difference);
        ui::bindViewState(state, analysis);
        ui::bindViewState(state, stats);
        ui::bindViewState(state, strip);
        for (ui::PlotView* v : views()) v->setResult(result);
        stats.setResult(result);
        strip.setTokens(result->tokens);
    }

    std::vector<ui::PlotView*> views() { return {&head, &overview, compare.view(), &difference, &analysis}; }
};

bool sameValues(const ui::Matrix& a, const ui::Matrix& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols() || a.empty()) return false;
    for (std::size_t i = 0; i < a.values().size(); ++i) {
        if (std::abs(a.values()[i] - b.values()[i]) > 1e-6f) return false;
    }
    return true;
}

// Every bound widget shows `h` as the current head.
void checkHeadEverywhere(Bound& b, ui::HeadRef h) {
    QCOMPARE(b.state.head(), h);
    QCOMPARE(b.head.head(), h);
    QCOMPARE(b.overview.currentHead(), h);
    QCOMPARE(b.difference.head(), h);
    QCOMPARE(b.analysis.head(), h);
    QCOMPARE(b.controls.head(), h);
    QCOMPARE(b.stats.currentHead(), h);
    QCOMPARE(b.stats.table()->currentIndex().row(), b.stats.model()->rowOf(h));
    // The head view draws that head, the per-layer aggregate that layer.
    const core::AttentionTrace& trace = *b.result->trace;
    const auto drawn = b.head.csvMatrix();
    QVERIFY(drawn.has_value());
    const ui::Matrix expected = ui::attentionMatrix(trace, h.layer, h.head);
    QCOMPARE(drawn->matrix.values(), expected.values());
    const auto layerMean = b.analysis.csvMatrix();
    QVERIFY(layerMean.has_value());
    QVERIFY(sameValues(layerMean->matrix, ui::attentionMatrix(trace, h.layer, -1)));
}

}  // namespace

// Stops the test at the first widget that disagrees.
#define CHECK_HEAD_EVERYWHERE(bound, head)      \
    do {                                        \
        checkHeadEverywhere(bound, head);       \
        if (QTest::currentTestFailed()) return; \
    } while (false)

class TestViewState : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void settingHeadReachesEveryWidget();
    void userPickedHeadReachesEveryWidget();
    void headIsClampedToTheModel();
    void highlightReachesEveryWidget();
    void styleAndStepsReachViewsAndControls();
    void comparedHeadsBothWays();

private:
    QTemporaryDir m_tmp;
    std::shared_ptr<const ui::SessionResult> m_result;
};

void TestViewState::initTestCase() {
    // 3 layers x 4 heads, so no head of the test is a clamped edge case by accident.
    ATTNVIZ_UNWRAP(model, test::loadConfigModel(
        m_tmp, "three-by-four",
        R"({"model_type":"llama","hidden_size":16,"num_hidden_layers":3,"num_attention_heads":4,)"
        R"("num_key_value_heads":2,"intermediate_size":32,"hidden_act":"silu","max_position_embeddings":64,)"
        R"("rms_norm_eps":1e-05,"rope_theta":10000.0,"tie_word_embeddings":true,"vocab_size":50})"));
    ATTNVIZ_UNWRAP_TO(m_result, test::runIds(model, {3, 17, 5, 42, 8, 11}));
    QVERIFY(m_result != nullptr);
    QCOMPARE(m_result->trace->nLayers(), 3);
    QCOMPARE(m_result->trace->nHeads(), 4);
}

void TestViewState::settingHeadReachesEveryWidget() {
    Bound b(m_result);
    CHECK_HEAD_EVERYWHERE(b, (ui::HeadRef{0, 0}));
    QSignalSpy changed(&b.state, &ui::ViewState::headChanged);
    b.state.setHead({2, 3});
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).value<ui::HeadRef>(), (ui::HeadRef{2, 3}));
    CHECK_HEAD_EVERYWHERE(b, (ui::HeadRef{2, 3}));
    // The same head again: no signal, nothing moves.
    b.state.setHead({2, 3});
    QCOMPARE(changed.count(), 1);
    CHECK_HEAD_EVERYWHERE(b, (ui::HeadRef{2, 3}));
    // The layer mean is a head like any other.
    b.state.setHead({1, -1});
    QCOMPARE(changed.count(), 2);
    QCOMPARE(b.state.head(), (ui::HeadRef{1, -1}));
    QCOMPARE(b.head.head(), (ui::HeadRef{1, -1}));
    QCOMPARE(b.controls.head(), (ui::HeadRef{1, -1}));
    QCOMPARE(b.overview.currentHead(), (ui::HeadRef{1, -1}));
}

void TestViewState::userPickedHeadReachesEveryWidget() {
    Bound b(m_result);
    QSignalSpy changed(&b.state, &ui::ViewState::headChanged);
    // The head spin box of the controls.
    auto* layerSpin = b.controls.findChild<QSpinBox*>(QStringLiteral("layerSpin"));
    auto* headSpin = b.controls.findChild<QSpinBox*>(QStringLiteral("headSpin"));
    QVERIFY(layerSpin != nullptr && headSpin != nullptr);
    headSpin->setValue(2);
    QCOMPARE(changed.count(), 1);
    CHECK_HEAD_EVERYWHERE(b, (ui::HeadRef{0, 2}));
    layerSpin->setValue(1);
    QCOMPARE(changed.count(), 2);
    CHECK_HEAD_EVERYWHERE(b, (ui::HeadRef{1, 2}));
    // Arrow keys on the head view's plot.
    QTest::keyClick(b.head.plot(), Qt::Key_Down);
    QCOMPARE(changed.count(), 3);
    CHECK_HEAD_EVERYWHERE(b, (ui::HeadRef{2, 2}));
    QTest::keyClick(b.head.plot(), Qt::Key_Right);
    QCOMPARE(changed.count(), 4);
    CHECK_HEAD_EVERYWHERE(b, (ui::HeadRef{2, 3}));
    QCOMPARE(layerSpin->value(), 2);
    QCOMPARE(headSpin->value(), 3);
    // A row of the head statistics.
    const int row = b.stats.model()->rowOf({0, 1});
    QVERIFY(row >= 0);
    b.stats.table()->selectionModel()->setCurrentIndex(b.stats.model()->index(row, 0),
                                                       QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(changed.count(), 5);
    CHECK_HEAD_EVERYWHERE(b, (ui::HeadRef{0, 1}));
}

void TestViewState::headIsClampedToTheModel() {
    ui::ViewState state;
    QSignalSpy changed(&state, &ui::ViewState::headChanged);
    // No shape yet: nothing to clamp against.
    state.setHead({5, 7});
    QCOMPARE(state.head(), (ui::HeadRef{5, 7}));
    state.setModelShape(3, 4);
    QCOMPARE(state.head(), (ui::HeadRef{2, 3}));
    QCOMPARE(changed.count(), 2);
    state.setHead({9, -4});
    QCOMPARE(state.head(), (ui::HeadRef{2, -1}));
    // Clamped to where it already is: no change.
    state.setHead({2, -9});
    QCOMPARE(changed.count(), 3);
    // A smaller model drops the compared heads it does not have.
    state.setCompareHeads({{0, 1}, {2, 3}, {1, -1}});
    QSignalSpy compared(&state, &ui::ViewState::compareHeadsChanged);
    state.setModelShape(2, 2);
    QCOMPARE(state.compareHeads(), (std::vector<ui::HeadRef>{{0, 1}, {1, -1}}));
    QCOMPARE(compared.count(), 1);
    QCOMPARE(state.head(), (ui::HeadRef{1, -1}));
    state.setModelShape(2, 2);
    QCOMPARE(compared.count(), 1);
    QCOMPARE(changed.count(), 4);
}

void TestViewState::highlightReachesEveryWidget() {
    Bound b(m_result);
    QSignalSpy changed(&b.state, &ui::ViewState::highlightTokenChanged);
    b.state.setHighlightToken(2);
    QCOMPARE(changed.count(), 1);
    for (ui::PlotView* v : b.views()) QCOMPARE(v->highlightToken(), 2);
    QCOMPARE(b.strip.highlightToken(), 2);
    b.state.setHighlightToken(2);
    QCOMPARE(changed.count(), 1);

    // A click on a chip of the token strip highlights it in every view.
    b.strip.resize(600, 200);
    b.strip.show();  // lays the chips out for the width
    QVERIFY(QTest::qWaitForWindowExposed(&b.strip));
    QPoint chip(-1, -1);
    for (int y = 0; y < b.strip.height() && chip.x() < 0; y += 2) {
        for (int x = 0; x < b.strip.width(); x += 2) {
            if (b.strip.tokenAt(QPoint(x, y)) == 4) {
                chip = QPoint(x, y);
                break;
            }
        }
    }
    QVERIFY(chip.x() >= 0);
    QTest::mouseClick(&b.strip, Qt::LeftButton, {}, chip);
    QCOMPARE(changed.count(), 2);
    QCOMPARE(b.state.highlightToken(), 4);
    for (ui::PlotView* v : b.views()) QCOMPARE(v->highlightToken(), 4);
    // Clicking it again drops the highlight everywhere.
    QTest::mouseClick(&b.strip, Qt::LeftButton, {}, chip);
    QCOMPARE(changed.count(), 3);
    QCOMPARE(b.state.highlightToken(), -1);
    for (ui::PlotView* v : b.views()) QCOMPARE(v->highlightToken(), -1);
    QCOMPARE(b.strip.highlightToken(), -1);
}

void TestViewState::styleAndStepsReachViewsAndControls() {
    Bound b(m_result);
    QSignalSpy styleChanged(&b.state, &ui::ViewState::viewStyleChanged);
    ui::ViewStyle style;
    style.colormap = ui::Colormap::Magma;
    style.range = ui::RangeMode::Fixed;
    style.hideSpecial = true;
    b.state.setViewStyle(style);
    QCOMPARE(styleChanged.count(), 1);
    for (ui::PlotView* v : b.views()) QVERIFY(v->viewStyle() == style);
    QVERIFY(b.controls.viewStyle() == style);
    b.state.setViewStyle(style);
    QCOMPARE(styleChanged.count(), 1);
    // The user picks another range in the controls.
    auto* range = b.controls.findChild<QComboBox*>(QStringLiteral("rangeCombo"));
    QVERIFY(range != nullptr);
    range->setCurrentIndex(range->findData(static_cast<int>(ui::RangeMode::Head)));
    QCOMPARE(styleChanged.count(), 2);
    QCOMPARE(b.state.viewStyle().range, ui::RangeMode::Head);
    for (ui::PlotView* v : b.views()) QCOMPARE(v->viewStyle().range, ui::RangeMode::Head);

    QSignalSpy stepsChanged(&b.state, &ui::ViewState::showStepsChanged);
    b.state.setShowSteps(true);
    QCOMPARE(stepsChanged.count(), 1);
    QVERIFY(b.head.showSteps());
    QVERIFY(b.controls.showSteps());
    QVERIFY(b.head.stepMap(0) != nullptr);
    b.state.setShowSteps(true);
    QCOMPARE(stepsChanged.count(), 1);
}

void TestViewState::comparedHeadsBothWays() {
    Bound b(m_result);
    QSignalSpy changed(&b.state, &ui::ViewState::compareHeadsChanged);
    const std::vector<ui::HeadRef> heads{{0, 1}, {2, 3}};
    b.state.setCompareHeads(heads);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(b.compare.heads(), heads);
    QCOMPARE(b.compare.view()->panelCount(), 2);
    QCOMPARE(b.difference.headA(), (ui::HeadRef{0, 1}));
    QCOMPARE(b.difference.headB(), (ui::HeadRef{2, 3}));
    b.state.setCompareHeads(heads);
    QCOMPARE(changed.count(), 1);
    // "Add current head" on the page adds the state's head.
    b.state.setHead({1, -1});
    auto* add = b.compare.findChild<QPushButton*>(QStringLiteral("addCurrentHead"));
    QVERIFY(add != nullptr);
    add->click();
    QCOMPARE(changed.count(), 2);
    QCOMPARE(b.state.compareHeads(), (std::vector<ui::HeadRef>{{0, 1}, {2, 3}, {1, -1}}));
    QCOMPARE(b.compare.view()->panelCount(), 3);
}

QTEST_MAIN(TestViewState)
#include "test_view_state.moc"
