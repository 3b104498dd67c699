// The head view and the overview draw exactly the trace's numbers: every
// colour-map cell equals the probability the core computed (row = query),
// layer means and hidden special tokens included.
#include "ui_fixture.h"

#include "attnviz/ui/session/session_compute.h"
#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"
#include "support/test_paths.h"
#include "support/verify_result.h"

#include <QtTest>
#include <qcustomplot.h>

#include <cmath>

using namespace attnviz;

class TestHeadView : public QObject {
    Q_OBJECT

private slots:
    void groupedQueryTitles();
    void cellsEqualTrace_data();
    void cellsEqualTrace();
    void layerMeanCells();
    void stepsShowScores();
    void stepsFitTheWindow();
    void rangeModes();
    void hiddenSpecialTokensRenormalised();
    void overviewThumbnails();
    void keyboardMovesHead();

private:
    QTemporaryDir m_tmp;
};

void TestHeadView::cellsEqualTrace_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<int>("layer");
    QTest::addColumn<int>("head");
    for (const char* preset : {"tiny-gpt2", "tiny-bert", "tiny-llama"}) {
        for (int l = 0; l < 2; ++l) {
            for (int h = 0; h < 2; ++h) {
                const QString name = QStringLiteral("%1 L%2 H%3").arg(QLatin1String(preset)).arg(l).arg(h);
                QTest::newRow(qPrintable(name)) << QString::fromLatin1(preset) << l << h;
            }
        }
    }
}

void TestHeadView::cellsEqualTrace() {
    QFETCH(QString, preset);
    QFETCH(int, layer);
    QFETCH(int, head);
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, preset.toStdString()));
    const std::vector<int> ids{3, 17, 5, 42, 8, 23, 11, 30, 1};
    ATTNVIZ_UNWRAP(result, test::runIds(model, ids));
    ui::HeadView view;
    view.setResult(result);
    view.setHead({layer, head});
    QCOMPARE(view.head(), (ui::HeadRef{layer, head}));
    QCPColorMap* map = view.colorMap();
    QVERIFY(map != nullptr);
    const int T = static_cast<int>(ids.size());
    QCOMPARE(map->data()->keySize(), T);
    QCOMPARE(map->data()->valueSize(), T);
    const core::AttentionTrace& trace = *result->trace;
    bool someBelowOne = false;
    for (int q = 0; q < T; ++q) {
        for (int k = 0; k < T; ++k) {
            const double expected = trace.prob(layer, head, q, k);
            QCOMPARE(test::cellAt(map, q, k), expected);
            someBelowOne |= expected > 0.0 && expected < 0.999;
        }
    }
    QVERIFY(someBelowOne);  // a real attention pattern, not a one-hot placeholder
    // The hover text names query, key and value of the cell.
    QCOMPARE(view.cellText(4, 2), QStringLiteral("query '#8' -> key '#5': %1").arg(trace.prob(layer, head, 4, 2), 0, 'f', 4));
}

void TestHeadView::groupedQueryTitles() {
    // Which key/value head a query head reads, and who shares it.
    QCOMPARE(ui::kvGroupText(5, 8, 2), QStringLiteral("KV head 1 (H4-H7)"));
    QCOMPARE(ui::kvGroupText(0, 32, 8), QStringLiteral("KV head 0 (H0-H3)"));
    QCOMPARE(ui::kvGroupText(31, 32, 8), QStringLiteral("KV head 7 (H28-H31)"));
    QCOMPARE(ui::kvGroupText(3, 8, 8), QString());   // one KV head per query head
    QCOMPARE(ui::kvGroupText(3, 8, 0), QString());   // not stated: the same
    QCOMPARE(ui::kvGroupText(-1, 8, 2), QString());  // a layer mean
    // tiny-llama: 2 query heads share 1 KV head; the title and the model line say so.
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-llama"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {3, 17, 5}));
    ui::HeadView view;
    view.setResult(result);
    view.setHead({1, 1});
    QVERIFY2(view.figureTitle().contains(QStringLiteral("L1 H1 \u00b7 KV head 0 (H0-H1)")), qPrintable(view.figureTitle()));
    QVERIFY2(model.shapeText().contains(QStringLiteral("1 KV heads, 2 query heads each")), qPrintable(model.shapeText()));
    ATTNVIZ_UNWRAP(gpt2, test::loadFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(plain, test::runIds(gpt2, {3, 17, 5}));
    view.setResult(plain);
    QVERIFY(!view.figureTitle().contains(QStringLiteral("KV")));
    QVERIFY(!gpt2.shapeText().contains(QStringLiteral("KV")));
}

void TestHeadView::layerMeanCells() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-llama"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {1, 2, 3, 4, 5, 6}));
    ui::HeadView view;
    view.setResult(result);
    view.setHead({1, -1});
    const core::AttentionTrace& trace = *result->trace;
    for (int q = 0; q < 6; ++q) {
        for (int k = 0; k < 6; ++k) {
            const double mean = (static_cast<double>(trace.prob(1, 0, q, k)) + trace.prob(1, 1, q, k)) / 2.0;
            QVERIFY(std::abs(test::cellAt(view.colorMap(), q, k) - mean) < 1e-6);
        }
    }
}

void TestHeadView::stepsShowScores() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {4, 9, 16, 25, 36}));
    ui::HeadView view;
    view.setShowSteps(true);
    view.setResult(result);
    view.setHead({1, 0});
    QVERIFY(view.stepMap(0) != nullptr && view.stepMap(1) != nullptr && view.stepMap(2) != nullptr);
    QCOMPARE(view.stepMap(2), view.colorMap());
    const core::AttentionTrace& trace = *result->trace;
    QVERIFY(trace.hasScores());
    const float* scores = trace.rawScores(1, 0);
    for (int q = 0; q < 5; ++q) {
        for (int k = 0; k < 5; ++k) {
            const float s = scores[q * 5 + k];
            // Step 1 shows every raw score, step 2 hides what the causal mask hides.
            QCOMPARE(test::cellAt(view.stepMap(0), q, k), static_cast<double>(s));
            const double shown = test::cellAt(view.stepMap(1), q, k);
            if (k > q) {
                QVERIFY2(std::isnan(shown), "masked scores are drawn as masked cells");
                QVERIFY(std::isinf(trace.maskedScore(1, 0, q, k)));
            } else {
                QCOMPARE(shown, static_cast<double>(s));
            }
            QCOMPARE(test::cellAt(view.stepMap(2), q, k), static_cast<double>(trace.prob(1, 0, q, k)));
        }
    }
}

// The default window leaves the view about 770 x 690 pixels: three steps in
// a row would be about 120 px each, so they take two rows there, and one row
// in a wide window or an export.
void TestHeadView::stepsFitTheWindow() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {4, 9, 16, 25, 36, 49, 1, 8}));
    ui::HeadView view;
    view.setShowSteps(true);
    view.resize(770, 690);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setResult(result);
    view.setHead({1, 0});
    QCoreApplication::processEvents();
    const auto side = [&](int step) { return view.stepMap(step)->keyAxis()->axisRect()->width(); };
    const auto top = [&](int step) { return view.stepMap(step)->keyAxis()->axisRect()->top(); };
    QVERIFY2(side(0) >= 190, qPrintable(QStringLiteral("steps panel only %1 px wide").arg(side(0))));
    QCOMPARE(top(0), top(1));
    QVERIFY(top(2) > top(0) + side(0));  // softmax below the scores
    view.resize(1600, 600);
    QCoreApplication::processEvents();
    QCOMPARE(top(2), top(0));  // one row
    view.resize(770, 690);
    QCoreApplication::processEvents();
    QVERIFY(top(2) > top(0));
    // The cells are still the trace's after each relayout.
    QCOMPARE(test::cellAt(view.stepMap(2), 3, 1), static_cast<double>(result->trace->prob(1, 0, 3, 1)));
}

void TestHeadView::rangeModes() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-bert"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {2, 7, 1, 8, 2, 8, 1}));
    ui::HeadView view;
    view.setResult(result);
    view.setHead({0, 1});
    const core::AttentionTrace& trace = *result->trace;
    double headMax = 0;
    double allMax = 0;
    for (int l = 0; l < 2; ++l) {
        for (int h = 0; h < 2; ++h) {
            for (int q = 0; q < 7; ++q) {
                for (int k = 0; k < 7; ++k) {
                    allMax = std::max<double>(allMax, trace.prob(l, h, q, k));
                    if (l == 0 && h == 1) headMax = std::max<double>(headMax, trace.prob(l, h, q, k));
                }
            }
        }
    }
    QVERIFY(headMax < allMax);  // the fixture's heads differ, so the modes do too
    ui::ViewStyle style;
    style.range = ui::RangeMode::Head;
    view.setViewStyle(style);
    QCOMPARE(view.colorMap()->dataRange().lower, 0.0);
    QCOMPARE(view.colorMap()->dataRange().upper, headMax);
    style.range = ui::RangeMode::Shared;
    view.setViewStyle(style);
    QCOMPARE(view.colorMap()->dataRange().upper, allMax);
    style.range = ui::RangeMode::Fixed;
    view.setViewStyle(style);
    QCOMPARE(view.colorMap()->dataRange().upper, 1.0);
}

void TestHeadView::hiddenSpecialTokensRenormalised() {
    // A real tokenizer marks <s> as special: hide it and renormalise each row.
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "../shared/models");
    const QString dir = QString::fromStdString((models / "stories260K").string());
    if (!QFileInfo(dir).isDir()) QSKIP("stories260K not found");
    auto model = ui::loadModelFolder(dir);
    QVERIFY2(model, model ? "" : model.error().c_str());
    auto tokens = ui::tokenizeInput(*model, {QStringLiteral("The cat sat on the mat."), {}, false, {}});
    QVERIFY(tokens);
    QVERIFY(tokens->front().special);
    auto result = ui::runSession(*model, *tokens, core::MaskMode::defaultMode());
    QVERIFY(result);
    const core::AttentionTrace& trace = *result.value()->trace;
    const int T = trace.seqLen();

    ui::HeadView view;
    ui::ViewStyle style;
    style.hideSpecial = true;
    view.setViewStyle(style);
    view.setResult(result.value());
    view.setHead({2, 5});
    QCPColorMap* map = view.colorMap();
    QCOMPARE(map->data()->keySize(), T - 1);
    for (int q = 1; q < T; ++q) {
        double sum = 0;
        for (int k = 1; k < T; ++k) sum += trace.prob(2, 5, q, k);
        for (int k = 1; k < T; ++k) {
            const double expected = trace.prob(2, 5, q, k) / sum;
            QVERIFY(std::abs(test::cellAt(map, q - 1, k - 1) - expected) < 1e-6);
        }
    }
    QVERIFY(view.figureTitle().contains(QStringLiteral("L2 H5")));
}

void TestHeadView::overviewThumbnails() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-qwen2"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {5, 6, 7, 8, 9, 10, 11}));
    ui::HeadGridView view;
    view.setResult(result);
    const core::AttentionTrace& trace = *result->trace;
    QCPRange range;
    for (int l = 0; l < trace.nLayers(); ++l) {
        for (int h = -1; h < trace.nHeads(); ++h) {
            QCPColorMap* map = view.colorMap({l, h});
            QVERIFY(map != nullptr);
            if (h == -1) {
                range = map->dataRange();
                continue;
            }
            QCOMPARE(map->dataRange(), range);  // one colour scale for every thumbnail
            for (int q = 0; q < 7; ++q) {
                for (int k = 0; k < 7; ++k) QCOMPARE(test::cellAt(map, q, k), static_cast<double>(trace.prob(l, h, q, k)));
            }
        }
    }
    QVERIFY(view.colorMap({trace.nLayers(), 0}) == nullptr);
}

void TestHeadView::keyboardMovesHead() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    ui::HeadView view;
    ATTNVIZ_UNWRAP(shown, test::runIds(model, {1, 2, 3}));
    view.setResult(shown);
    view.resize(600, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy spy(&view, &ui::HeadView::headChanged);
    QWidget* canvas = view.plot();
    QTest::keyClick(canvas, Qt::Key_Right);
    QCOMPARE(view.head(), (ui::HeadRef{0, 1}));
    QTest::keyClick(canvas, Qt::Key_PageDown);
    QCOMPARE(view.head(), (ui::HeadRef{1, 1}));
    QTest::keyClick(canvas, Qt::Key_PageDown);  // stays on the last layer
    QCOMPARE(view.head(), (ui::HeadRef{1, 1}));
    QTest::keyClick(canvas, Qt::Key_Up);
    QCOMPARE(view.head(), (ui::HeadRef{0, 1}));
    QCOMPARE(spy.count(), 3);
}

QTEST_MAIN(TestHeadView)
#include "test_head_view.moc"
