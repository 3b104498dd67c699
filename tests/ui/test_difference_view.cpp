// The difference view shows A - B: two heads of one run, or one head under the
// chosen mask minus the same head under the model's own mask, on a diverging
// range centred at 0.
#include "ui_fixture.h"
#include "support/verify_result.h"

#include "attnviz/ui/views/difference_view.h"

#include <QtTest>
#include <qcustomplot.h>

using namespace attnviz;

class TestDifferenceView : public QObject {
    Q_OBJECT

private slots:
    void twoHeads();
    void maskAgainstDefault();
    void defaultMaskHasNoDifference();
    void identicalHeadsSaySo();
    void layoutFollowsTheWindow();
    void narrowPanelsWrapTheirTitles();

private:
    QTemporaryDir m_tmp;
};

void TestDifferenceView::twoHeads() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-bert"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {2, 30, 4, 11, 27, 9}));
    ui::DifferenceView view;
    view.setSource(ui::DifferenceView::Source::TwoHeads);
    view.setHeads({0, 0}, {1, 1});
    view.setResult(result);
    QVERIFY(view.colorMap(2) != nullptr);
    const core::AttentionTrace& trace = *result->trace;
    double biggest = 0;
    for (int q = 0; q < 6; ++q) {
        for (int k = 0; k < 6; ++k) {
            const float a = trace.prob(0, 0, q, k);
            const float b = trace.prob(1, 1, q, k);
            QCOMPARE(test::cellAt(view.colorMap(0), q, k), static_cast<double>(a));
            QCOMPARE(test::cellAt(view.colorMap(1), q, k), static_cast<double>(b));
            QCOMPARE(test::cellAt(view.colorMap(2), q, k), static_cast<double>(a - b));
            biggest = std::max(biggest, std::abs(static_cast<double>(a - b)));
        }
    }
    QVERIFY(biggest > 0.01);
    const QCPRange range = view.colorMap(2)->dataRange();
    QCOMPARE(range.upper, biggest);
    QCOMPARE(range.lower, -biggest);  // centred at 0
    const auto csv = view.csvMatrix();
    QVERIFY(csv.has_value());
    QCOMPARE(static_cast<double>(csv->matrix.at(3, 2)), static_cast<double>(trace.prob(0, 0, 3, 2) - trace.prob(1, 1, 3, 2)));
}

void TestDifferenceView::maskAgainstDefault() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-llama"));
    const std::vector<int> ids{8, 1, 44, 3, 20, 6, 15};
    ATTNVIZ_UNWRAP(result, test::runIds(model, ids, core::MaskMode::bidirectional()));
    ui::DifferenceView view;
    view.setHead({1, 0});
    view.setResult(result);
    QVERIFY(view.message().isEmpty());

    // B is the model's own (causal) run, computed here independently.
    const std::vector<std::int32_t> ids32(ids.begin(), ids.end());
    auto causal = model.model->run(ids32, core::RunOptions{});
    QVERIFY(causal);
    for (int q = 0; q < 7; ++q) {
        for (int k = 0; k < 7; ++k) {
            const double a = result->trace->prob(1, 0, q, k);
            const double b = causal->prob(1, 0, q, k);
            QCOMPARE(test::cellAt(view.colorMap(0), q, k), a);
            QVERIFY(std::abs(test::cellAt(view.colorMap(1), q, k) - b) < 1e-6);
            QVERIFY(std::abs(test::cellAt(view.colorMap(2), q, k) - (a - b)) < 1e-6);
        }
    }
    QVERIFY(view.figureTitle().contains(QStringLiteral("bidirectional")));
}

void TestDifferenceView::defaultMaskHasNoDifference() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    ui::DifferenceView view;
    ATTNVIZ_UNWRAP(shown, test::runIds(model, {1, 2, 3}));
    view.setResult(shown);
    QVERIFY(view.message().contains(QStringLiteral("model's own")));
    QVERIFY(!view.exportProblem().isEmpty());
    QCOMPARE(view.colorMap(2), nullptr);
}

void TestDifferenceView::identicalHeadsSaySo() {
    // A head minus itself: every cell 0, the bar a plain +-1, the subtitle
    // says the heads are identical instead of "max |A - B| = 0.0000".
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-bert"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {2, 30, 4, 11, 27, 9}));
    ui::DifferenceView view;
    view.setSource(ui::DifferenceView::Source::TwoHeads);
    view.setHeads({1, 0}, {1, 0});
    view.setResult(result);
    QVERIFY(view.colorMap(2) != nullptr);
    for (int q = 0; q < 6; ++q) {
        for (int k = 0; k < 6; ++k) QCOMPARE(test::cellAt(view.colorMap(2), q, k), 0.0);
    }
    const QCPRange range = view.colorMap(2)->dataRange();
    QCOMPARE(range.lower, -1.0);
    QCOMPARE(range.upper, 1.0);
    QVERIFY(view.figureSubtitle().contains(QStringLiteral("A\u00a0and\u00a0B\u00a0are\u00a0identical")));
    QVERIFY(!view.figureSubtitle().contains(QStringLiteral("max")));

    view.setHeads({1, 0}, {1, 1});
    QVERIFY(view.figureSubtitle().contains(QStringLiteral("max\u00a0|A")));
    QVERIFY(!view.figureSubtitle().contains(QStringLiteral("identical")));
}

void TestDifferenceView::layoutFollowsTheWindow() {
    // A narrow view stacks A - B under A (two panels per row), a wide one
    // puts all three in a row; an export leaves the window's layout as it was.
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-llama"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {8, 1, 44, 3, 20, 6, 15}, core::MaskMode::bidirectional()));
    ui::DifferenceView view;
    view.resize(600, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setHead({1, 0});
    view.setResult(result);
    QCOMPARE(view.columns(), 2);
    const auto checkCells = [&] {
        for (int q = 0; q < 7; ++q) {
            const double a = result->trace->prob(1, 0, q, 0);
            const double b = result->defaultTrace->prob(1, 0, q, 0);
            QCOMPARE(test::cellAt(view.colorMap(0), q, 0), a);
            QCOMPARE(test::cellAt(view.colorMap(1), q, 0), b);
            QCOMPARE(test::cellAt(view.colorMap(2), q, 0), static_cast<double>(static_cast<float>(a) - static_cast<float>(b)));
        }
    };
    checkCells();
    // The long subtitle wraps on screen; the figure's subtitle is the text itself.
    QVERIFY(!view.figureSubtitle().contains(QLatin1Char('\n')));

    const QImage image = view.renderImage(QSize(1500, 500), 1.0);
    QVERIFY(!image.isNull());
    QCOMPARE(view.columns(), 2);  // back to the window's layout after the export

    view.resize(1600, 600);
    QCOMPARE(view.columns(), 3);
    checkCells();
    view.resize(600, 700);
    QCOMPARE(view.columns(), 2);
}

void TestDifferenceView::narrowPanelsWrapTheirTitles() {
    // Side by side, one-line titles wider than their panels ran into each
    // other: in a narrow view they wrap, in a wide one they stay on one line.
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-llama"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {8, 1, 44, 3, 20, 6, 15}, core::MaskMode::bidirectional()));
    ui::DifferenceView view;
    view.resize(330, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setHead({1, 0});
    view.setResult(result);
    const auto titleOf = [&](int panel) { return view.colorMap(panel)->keyAxis()->axisRect()->axis(QCPAxis::atTop)->label(); };
    const auto widthOf = [&](int panel) { return view.colorMap(panel)->keyAxis()->axisRect()->width(); };
    QTRY_VERIFY(titleOf(1).contains(QLatin1Char('\n')));
    const QString b = titleOf(1);
    QCOMPARE(QString(b).replace(QLatin1Char('\n'), QLatin1Char(' ')), QStringLiteral("B: causal (model's own)"));
    const QFontMetrics fm(view.colorMap(1)->keyAxis()->axisRect()->axis(QCPAxis::atTop)->labelFont());
    for (const QString& line : b.split(QLatin1Char('\n'))) QVERIFY(fm.horizontalAdvance(line) <= widthOf(1) + 8);
    QVERIFY(!view.figureTitle().contains(QLatin1Char('\n')));  // the figure's title is the text itself

    view.resize(1600, 700);
    QTRY_COMPARE(titleOf(1), QStringLiteral("B: causal (model's own)"));
    QCOMPARE(titleOf(0), QStringLiteral("A: bidirectional"));
}

QTEST_MAIN(TestDifferenceView)
#include "test_difference_view.moc"
