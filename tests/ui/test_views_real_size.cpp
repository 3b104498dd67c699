// Views at real sizes (issue 19): the LOD reduction equals a brute-force one,
// the large heatmap draws the visible range at one value per pixel and names
// its tokens only once readable, and the overview of 16 x 32 heads keeps
// thumbnails of 48 px or more, zooms, and groups GQA heads by KV head. The
// Aggregates heatmap of a long input is drawn the same way.
#include "ui_fixture.h"

#include "attnviz/core/aggregates.h"
#include "attnviz/ui/views/analysis_view.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"
#include "plot/lod_image.h"
#include "plot/token_ticker.h"
#include "plot/view_data.h"
#include "support/verify_result.h"

#include <QtTest>
#include <qcustomplot.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace attnviz;

namespace {

// The reference: every bin's cells found by double arithmetic, reduced one by one.
float bruteBin(const ui::Matrix& m, int r0, int rn, int c0, int cn, int bins_r, int bins_c, int br, int bc, bool max) {
    const int ra = r0 + static_cast<int>(std::floor(static_cast<double>(br) * rn / bins_r));
    const int rb = r0 + static_cast<int>(std::floor(static_cast<double>(br + 1) * rn / bins_r));
    const int ca = c0 + static_cast<int>(std::floor(static_cast<double>(bc) * cn / bins_c));
    const int cb = c0 + static_cast<int>(std::floor(static_cast<double>(bc + 1) * cn / bins_c));
    double best = -std::numeric_limits<double>::infinity();
    double sum = 0;
    int n = 0;
    for (int r = ra; r < rb; ++r) {
        for (int c = ca; c < cb; ++c) {
            const float v = m.at(r, c);
            if (std::isnan(v)) continue;
            best = std::max(best, static_cast<double>(v));
            sum += v;
            ++n;
        }
    }
    if (n == 0) return std::numeric_limits<float>::quiet_NaN();
    return static_cast<float>(max ? best : sum / n);
}


}  // namespace

class TestViewsRealSize : public QObject {
    Q_OBJECT

private slots:
    void lodEqualsBruteForce();
    void largeHeatmapVisibleRange();
    void overviewAtSixteenByThirtyTwo();
    void gqaGrouping();
    void overviewOfALazyTrace();
    void aggregateOfALongInput();

private:
    QTemporaryDir m_tmp;
};

void TestViewsRealSize::lodEqualsBruteForce() {
    // (23, 37): a known pattern with masked (NaN) cells, one all-NaN block.
    ui::Matrix m(23, 37);
    for (int r = 0; r < 23; ++r) {
        for (int c = 0; c < 37; ++c) m.at(r, c) = static_cast<float>(((r * 31 + c * 17) % 29) / 29.0);
    }
    for (int r = 0; r < 4; ++r) {
        for (int c = 30; c < 37; ++c) m.at(r, c) = std::numeric_limits<float>::quiet_NaN();
    }
    for (bool max : {true, false}) {
        for (auto [r0, rn, c0, cn, br, bc] : {std::tuple{0, 23, 0, 37, 5, 7}, std::tuple{3, 17, 9, 28, 4, 9},
                                             std::tuple{0, 23, 0, 37, 23, 37}, std::tuple{1, 5, 29, 8, 2, 3}}) {
            const ui::Matrix out = ui::reduceBlocks(m, {r0, rn}, {c0, cn}, br, bc, max ? ui::LodMode::Max : ui::LodMode::Mean);
            QCOMPARE(out.rows(), br);
            QCOMPARE(out.cols(), bc);
            for (int i = 0; i < br; ++i) {
                for (int j = 0; j < bc; ++j) {
                    const float want = bruteBin(m, r0, rn, c0, cn, br, bc, i, j, max);
                    const float got = out.at(i, j);
                    if (std::isnan(want)) {
                        QVERIFY2(std::isnan(got), qPrintable(QStringLiteral("bin %1,%2").arg(i).arg(j)));
                    } else {
                        QVERIFY2(std::abs(got - want) <= 1e-6f, qPrintable(QStringLiteral("bin %1,%2: %3 vs %4").arg(i).arg(j).arg(got).arg(want)));
                    }
                }
            }
        }
    }
    // The all-NaN block of the first case (bins over rows 0-3, columns 30-36) is NaN.
    const ui::Matrix nanBlock = ui::reduceBlocks(m, {0, 4}, {30, 7}, 1, 1, ui::LodMode::Max);
    QVERIFY(std::isnan(nanBlock.at(0, 0)));
    // A reduction of a million cells or more runs on two threads, each over
    // half of the bin rows: every bin still equals the brute-force one.
    ui::Matrix big(1100, 1030);  // (1100, 1030), causal-style NaN above the diagonal
    for (int r = 0; r < big.rows(); ++r) {
        for (int c = 0; c < big.cols(); ++c) {
            big.at(r, c) = c > r ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(((r * 13 + c * 7) % 101) / 101.0);
        }
    }
    for (bool max : {true, false}) {
        const ui::Matrix out = ui::reduceBlocks(big, {0, 1100}, {0, 1030}, 301, 257, max ? ui::LodMode::Max : ui::LodMode::Mean);
        QCOMPARE(out.rows(), 301);
        QCOMPARE(out.cols(), 257);
        for (int i = 0; i < 301; ++i) {
            for (int j = 0; j < 257; ++j) {
                const float want = bruteBin(big, 0, 1100, 0, 1030, 301, 257, i, j, max);
                const float got = out.at(i, j);
                const bool same = std::isnan(want) ? std::isnan(got) : std::abs(got - want) <= 1e-6f;
                if (!same) QFAIL(qPrintable(QStringLiteral("big bin %1,%2: %3 vs %4").arg(i).arg(j).arg(got).arg(want)));
            }
        }
    }
    // Out-of-range spans give nothing.
    QVERIFY(ui::reduceBlocks(m, {20, 10}, {0, 37}, 2, 2, ui::LodMode::Max).empty());
}

void TestViewsRealSize::largeHeatmapVisibleRange() {
    const int T = 700;  // > kMinLodSide: drawn through the LOD image
    ATTNVIZ_UNWRAP(model, test::loadConfigModel(m_tmp, "long", test::llamaConfig(1, 2, 2, 8, 1024)));
    std::vector<int> ids;
    for (int i = 0; i < T; ++i) ids.push_back((i * 7 + 3) % 50);
    ATTNVIZ_UNWRAP(result, test::runIds(model, ids));
    ui::HeadView view;
    view.resize(900, 800);
    view.show();
    view.setResult(result);
    view.setHead({0, 1});
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);
    QCPColorMap* map = view.colorMap();
    QCPAxis* x = map->keyAxis();
    QCPAxis* y = map->valueAxis();
    const int wpx = map->keyAxis()->axisRect()->width();
    QVERIFY(wpx < T);
    // Zoomed out: one bin per pixel, each the max of its cells in the full matrix.
    QCOMPARE(map->data()->keySize(), wpx);
    ui::Matrix full(T, T);  // (T, T)
    for (int q = 0; q < T; ++q) {
        for (int k = 0; k < T; ++k) full.at(q, k) = result->trace->prob(0, 1, q, k);
    }
    const int bins = map->data()->valueSize();
    for (int i = 0; i < bins; i += 37) {
        for (int j = 0; j < wpx; j += 41) {
            QCOMPARE(static_cast<float>(map->data()->cell(j, i)), bruteBin(full, 0, T, 0, T, bins, wpx, i, j, true));
        }
    }
    QVERIFY2(view.figureSubtitle().contains(QStringLiteral("700 x 700 shown as %1 x %2 px, max per pixel").arg(wpx).arg(bins)),
             qPrintable(view.figureSubtitle()));
    // Token labels only once readable: not at 700 tokens in a few hundred pixels.
    QVERIFY(x->ticker().dynamicCast<ui::TokenTicker>().isNull());
    // Zoom and pan to keys 200-259, queries 300-359: those cells, exact, token labels shown.
    x->setRange(199.5, 259.5);
    y->setRange(299.5, 359.5);
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);
    QCOMPARE(map->data()->keySize(), 60);
    QCOMPARE(map->data()->valueSize(), 60);
    for (int i = 0; i < 60; i += 7) {
        for (int j = 0; j < 60; j += 5) QCOMPARE(static_cast<float>(map->data()->cell(j, i)), full.at(300 + i, 200 + j));
    }
    QVERIFY(!x->ticker().dynamicCast<ui::TokenTicker>().isNull());
    QVERIFY(!y->ticker().dynamicCast<ui::TokenTicker>().isNull());
    // Hover still gives the full matrix's value.
    QCOMPARE(view.cellText(320, 210),
             QStringLiteral("query '#%1' -> key '#%2': %3").arg(ids[320]).arg(ids[210]).arg(full.at(320, 210), 0, 'f', 4));
    // The minimap shows while zoomed, and goes with the zoom.
    bool minimap = false;
    for (int i = 0; i < view.plot()->itemCount(); ++i) {
        if (auto* p = qobject_cast<QCPItemPixmap*>(view.plot()->item(i))) minimap |= p->visible();
    }
    QVERIFY(minimap);
    x->setRange(-0.5, T - 0.5);
    y->setRange(-0.5, T - 0.5);
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);
    for (int i = 0; i < view.plot()->itemCount(); ++i) {
        if (auto* p = qobject_cast<QCPItemPixmap*>(view.plot()->item(i))) QVERIFY(!p->visible());
    }
    // Mean per pixel: the subtitle says so and the cells are block means.
    ui::ViewStyle style;
    style.lodMean = true;
    view.setViewStyle(style);
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);
    QVERIFY2(view.figureSubtitle().contains(QStringLiteral("mean per pixel")), qPrintable(view.figureSubtitle()));
    const int mb = map->data()->valueSize();
    const int mk = map->data()->keySize();
    for (int i = 0; i < mb; i += 53) {
        for (int j = 0; j < mk; j += 47) {
            QVERIFY(std::abs(map->data()->cell(j, i) - bruteBin(full, 0, T, 0, T, mb, mk, i, j, false)) <= 1e-6);
        }
    }
}

void TestViewsRealSize::aggregateOfALongInput() {
    // The Aggregates heatmap at 700 tokens: the same LOD image, max or mean
    // per pixel as the toolbar says, and the subtitle names it.
    const int T = 700;
    ATTNVIZ_UNWRAP(model, test::loadConfigModel(m_tmp, "longagg", test::llamaConfig(1, 2, 2, 8, 1024)));
    std::vector<int> ids;
    for (int i = 0; i < T; ++i) ids.push_back((i * 5 + 1) % 50);
    ATTNVIZ_UNWRAP(result, test::runIds(model, ids));
    ui::AnalysisView view;
    view.resize(900, 800);
    view.show();
    view.setKind(ui::AnalysisKind::MeanOverHeads);
    view.setHead({0, 0});
    view.setResult(result);
    QTRY_VERIFY_WITH_TIMEOUT(!view.computing(), 20000);
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);
    const core::RowMatrix mean = core::meanOverHeads(*result->trace, 0);  // (T, T)
    ui::Matrix full(T, T);  // (T, T)
    for (int q = 0; q < T; ++q) {
        for (int k = 0; k < T; ++k) full.at(q, k) = mean(q, k);
    }
    for (const bool meanPerPixel : {false, true}) {
        ui::ViewStyle style;
        style.lodMean = meanPerPixel;
        view.setViewStyle(style);
        view.plot()->replot(QCustomPlot::rpImmediateRefresh);
        QCPColorMap* map = view.colorMap();
        QVERIFY(map != nullptr);
        const int wpx = map->data()->keySize();
        const int bins = map->data()->valueSize();
        QVERIFY(wpx < T && bins < T);
        QVERIFY2(view.figureSubtitle().contains(QStringLiteral("700 x 700 shown as %1 x %2 px, %3 per pixel")
                                                    .arg(wpx)
                                                    .arg(bins)
                                                    .arg(meanPerPixel ? "mean" : "max")),
                 qPrintable(view.figureSubtitle()));
        for (int i = 0; i < bins; i += 37) {
            for (int j = 0; j < wpx; j += 41) {
                QVERIFY(std::abs(map->data()->cell(j, i) - bruteBin(full, 0, T, 0, T, bins, wpx, i, j, !meanPerPixel)) <= 1e-6);
            }
        }
    }
}

void TestViewsRealSize::overviewAtSixteenByThirtyTwo() {
    ATTNVIZ_UNWRAP(model, test::loadConfigModel(m_tmp, "grid", test::llamaConfig(16, 32, 8, 64, 64)));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {3, 17, 5, 42, 8, 23}));
    ui::HeadGridView view;
    view.resize(580, 690);  // the overview tab of the default 1280 x 800 window, with its docks
    view.show();
    view.setResult(result);
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);
    QVERIFY2(view.thumbnailPx() >= ui::HeadGridView::kMinThumbnailPx, qPrintable(QString::number(view.thumbnailPx())));
    QCPColorMap* m00 = view.colorMap({0, 0});
    const double px = m00->keyAxis()->coordToPixel(1.0) - m00->keyAxis()->coordToPixel(0.0);
    QVERIFY(px >= 48 - 1e-9);
    QVERIFY(view.findChild<QScrollBar*>(QStringLiteral("overviewHScroll"))->isVisible());
    QVERIFY(view.findChild<QScrollBar*>(QStringLiteral("overviewVScroll"))->isVisible());
    // Scroll to the right and down; a click on a thumbnail still opens its head.
    view.scrollBy(20, 9);
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);
    QVERIFY(view.visibleColumns().lower > 10);
    QSignalSpy activated(&view, &ui::HeadGridView::headActivated);
    const double cx = view.columnPosition(25) + 0.5;
    const double cy = 12 * 1.08 + 0.5;
    const QPoint at(static_cast<int>(m00->keyAxis()->coordToPixel(cx)), static_cast<int>(m00->valueAxis()->coordToPixel(cy)));
    QTest::mouseClick(view.plot(), Qt::LeftButton, Qt::NoModifier, at);
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.at(0).at(0).value<ui::HeadRef>(), (ui::HeadRef{12, 25}));
    // Zoomed out: labels thinned so that neighbours do not overlap.
    QCOMPARE(view.labelSteps().x(), 1);
    view.zoomBy(12.0 / view.thumbnailPx());
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);
    QVERIFY(std::abs(view.thumbnailPx() - 12.0) < 1e-6);
    QVERIFY(view.labelSteps().x() > 1);
    const QFontMetrics fm(m00->keyAxis()->tickLabelFont());
    QVERIFY(view.labelSteps().x() * 1.08 * 12.0 >= fm.horizontalAdvance(QStringLiteral("H31")));
    QVERIFY(view.labelSteps().y() * 1.08 * 12.0 >= fm.height());
    // Ctrl+wheel zooms in.
    QWheelEvent wheel(QPointF(200, 300), view.plot()->mapToGlobal(QPointF(200, 300)), QPoint(), QPoint(0, 120), Qt::NoButton,
                      Qt::ControlModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(view.plot(), &wheel);
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);
    QVERIFY(view.thumbnailPx() > 12.5);
}

void TestViewsRealSize::gqaGrouping() {
    ATTNVIZ_UNWRAP(gqa, test::loadConfigModel(m_tmp, "gqa", test::llamaConfig(2, 8, 2, 16, 64)));
    ATTNVIZ_UNWRAP(result, test::runIds(gqa, {3, 17, 5, 42}));
    ui::HeadGridView view;
    view.resize(900, 500);
    view.show();
    view.setResult(result);
    QVERIFY(view.groupByKvAvailable());
    view.setGroupByKv(true);
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);
    // Query head h reads KV head h / 4 (attention_kernel.h); columns stay in head
    // order, each group of 4 side by side, a wider gap between groups.
    for (int h = 0; h < 8; ++h) QCOMPARE(view.kvHeadOf(h), h / 4);
    const double step = view.columnPosition(1) - view.columnPosition(0);
    for (int h = 1; h < 8; ++h) {
        const double gap = view.columnPosition(h) - view.columnPosition(h - 1);
        if (h == 4) QVERIFY(gap > step + 0.1);
        else QVERIFY(std::abs(gap - step) < 1e-9);
    }
    QCOMPARE(view.columnLabel(5), QStringLiteral("H5\nKV 1"));
    QCOMPARE(view.columnLabel(8), QStringLiteral("mean"));
    view.setGroupByKv(false);
    QCOMPARE(view.columnLabel(5), QStringLiteral("H5"));
    // Without GQA (as many KV heads as heads) the option is off.
    ATTNVIZ_UNWRAP(mha, test::loadConfigModel(m_tmp, "mha", test::llamaConfig(2, 4, 4, 16, 64)));
    ATTNVIZ_UNWRAP(r2, test::runIds(mha, {3, 17, 5}));
    view.setGroupByKv(true);
    view.setResult(r2);
    QVERIFY(!view.groupByKvAvailable());
    QCOMPARE(view.columnLabel(1), QStringLiteral("H1"));
    QVERIFY(!view.findChild<QCheckBox*>(QStringLiteral("groupByKvBox"))->isEnabled());
}

// An input past the trace budget runs lazily in the window (WhenLarge): the
// overview draws the forward pass's block thumbnails, which equal the eager
// overview's block max / mean of the same run, and the shared colour range
// is the same.
void TestViewsRealSize::overviewOfALazyTrace() {
    ATTNVIZ_UNWRAP(model, test::loadConfigModel(m_tmp, "lazygrid", test::llamaConfig(2, 4, 2, 16, 512)));
    std::vector<int> ids;
    for (int i = 0; i < 600; ++i) ids.push_back((i * 7 + 3) % 50);
    ATTNVIZ_UNWRAP(eager, test::runIds(model, ids));
    QVERIFY(!eager->trace->isLazy());
    // (2 x 4 heads, 600 x 600) probabilities and scores: 23 MB, over a 4 MiB budget.
    ATTNVIZ_UNWRAP(lazy, test::runIdsUnderBudget(model, ids, 4));
    QVERIFY(lazy->trace->isLazy());
    QVERIFY(!lazy->trace->hasScores());

    ui::ViewStyle meanStyle;
    meanStyle.lodMean = true;
    ui::HeadGridView eagerMeans;
    eagerMeans.resize(900, 500);
    eagerMeans.setViewStyle(meanStyle);
    eagerMeans.setResult(eager);
    for (const bool mean : {false, true}) {
        ui::ViewStyle style;
        style.lodMean = mean;
        ui::HeadGridView a;
        ui::HeadGridView b;
        for (ui::HeadGridView* v : {&a, &b}) {
            v->resize(900, 500);
            v->setViewStyle(style);
        }
        a.setResult(eager);
        b.setResult(lazy);
        QCOMPARE(ui::sharedMaximum(*lazy, *lazy->trace, style), ui::sharedMaximum(*eager, *eager->trace, style));
        const int cells = ui::HeadGridView::kMaxThumbnailCells;
        for (int l = 0; l < 2; ++l) {
            for (int h = -1; h < 4; ++h) {
                // The layer mean of a lazy trace is the mean of block means in both modes.
                const bool exactMax = !mean && h >= 0;
                QCPColorMap* want = exactMax ? a.colorMap({l, h}) : eagerMeans.colorMap({l, h});
                QCPColorMap* got = b.colorMap({l, h});
                QCOMPARE(got->data()->keySize(), cells);
                QCOMPARE(got->data()->valueSize(), cells);
                QCOMPARE(want->data()->keySize(), cells);
                for (int q = 0; q < cells; ++q) {
                    for (int k = 0; k < cells; ++k) {
                        const double w = test::cellAt(want, q, k);
                        const double g = test::cellAt(got, q, k);
                        if (exactMax) {
                            QCOMPARE(g, w);  // the max of the same floats
                        } else {
                            QVERIFY2(std::abs(g - w) <= 1e-6, qPrintable(QStringLiteral("L%1 H%2 (%3, %4): %5 vs %6")
                                                                         .arg(l).arg(h).arg(q).arg(k).arg(g).arg(w)));
                        }
                    }
                }
            }
        }
        QVERIFY(b.figureSubtitle().contains(QStringLiteral("thumbnails from the forward pass")));
        QCOMPARE(b.figureSubtitle().contains(QStringLiteral("mean column: block means")), !mean);
        QVERIFY(!a.figureSubtitle().contains(QStringLiteral("forward pass")));
    }
    // A head opened from the lazy trace is computed then: the eager run's
    // probabilities, bit for bit; the steps need scores, which it lacks.
    ui::HeadView view;
    view.resize(800, 700);
    view.setShowSteps(true);
    view.setResult(lazy);
    view.setHead({1, 2});
    QVERIFY(view.stepMap(0) == nullptr);
    QVERIFY(view.figureSubtitle().contains(QStringLiteral("no steps: a long input keeps no scores")));
    const core::HeadMatrix want = eager->trace->headProbs(1, 2);
    const core::HeadMatrix got = lazy->trace->headProbs(1, 2);
    QVERIFY(std::memcmp(want.data(), got.data(), sizeof(float) * 600 * 600) == 0);
}

QTEST_MAIN(TestViewsRealSize)
#include "test_views_real_size.moc"
