// The compare view holds the chosen heads, from any layers, on one colour
// range, and draws each head's own numbers.
#include "ui_fixture.h"
#include "support/verify_result.h"

#include "attnviz/ui/views/compare_view.h"

#include <QtTest>
#include <qcustomplot.h>

using namespace attnviz;

class TestCompareView : public QObject {
    Q_OBJECT

private slots:
    void headsShareOneRange_data();
    void headsShareOneRange();
    void atMostEightHeads();
    void linkedHoverListsEveryHead();
    void columnsFollowTheWindow();

private:
    QTemporaryDir m_tmp;
};

void TestCompareView::headsShareOneRange_data() {
    QTest::addColumn<int>("range");
    QTest::addRow("head") << static_cast<int>(ui::RangeMode::Head);
    QTest::addRow("shared") << static_cast<int>(ui::RangeMode::Shared);
    QTest::addRow("fixed") << static_cast<int>(ui::RangeMode::Fixed);
}

void TestCompareView::headsShareOneRange() {
    QFETCH(int, range);
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-mistral"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {12, 4, 33, 7, 19, 2, 41, 8}));
    const std::vector<ui::HeadRef> heads{{0, 1}, {1, 0}, {1, -1}};
    ui::CompareView view;
    ui::ViewStyle style;
    style.range = static_cast<ui::RangeMode>(range);
    view.setViewStyle(style);
    view.setResult(result);
    view.setHeads(heads);
    QCOMPARE(view.panelCount(), 3);

    const core::AttentionTrace& trace = *result->trace;
    double largest = 0;
    for (int i = 0; i < 3; ++i) {
        QCPColorMap* map = view.colorMap(i);
        for (int q = 0; q < 8; ++q) {
            for (int k = 0; k < 8; ++k) {
                const ui::HeadRef h = heads[i];
                const double expected = h.isMean() ? (static_cast<double>(trace.prob(h.layer, 0, q, k)) + trace.prob(h.layer, 1, q, k)) / 2
                                                   : trace.prob(h.layer, h.head, q, k);
                QVERIFY(std::abs(test::cellAt(map, q, k) - expected) < 1e-6);
                largest = std::max(largest, test::cellAt(map, q, k));
            }
        }
    }
    const QCPRange first = view.colorMap(0)->dataRange();
    for (int i = 1; i < 3; ++i) QCOMPARE(view.colorMap(i)->dataRange(), first);
    QCOMPARE(first.lower, 0.0);
    if (style.range == ui::RangeMode::Fixed) {
        QCOMPARE(first.upper, 1.0);
    } else {
        QCOMPARE(first.upper, largest);  // the largest value among the compared heads
    }
}

void TestCompareView::atMostEightHeads() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-gpt2"));
    ui::CompareView view;
    ATTNVIZ_UNWRAP(shown, test::runIds(model, {1, 2, 3, 4}));
    view.setResult(shown);
    std::vector<ui::HeadRef> heads;
    for (int i = 0; i < 10; ++i) heads.push_back({i % 2, (i / 2) % 2});
    heads.push_back({7, 0});  // not in this model: dropped
    view.setHeads(heads);
    QCOMPARE(view.panelCount(), 8);
    view.setHeads({{7, 0}});
    QCOMPARE(view.colorMap(0), nullptr);
    QVERIFY(!view.exportProblem().isEmpty());
}

void TestCompareView::linkedHoverListsEveryHead() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-llama"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {5, 6, 7}));
    ui::CompareView view;
    view.setResult(result);
    view.setHeads({{0, 0}, {1, 1}});
    const QString text = view.cellText(2, 1);
    QVERIFY(text.startsWith(QStringLiteral("query '#7' -> key '#6':")));
    QVERIFY(text.contains(QStringLiteral("L0 H0: %1").arg(result->trace->prob(0, 0, 2, 1), 0, 'f', 4)));
    QVERIFY(text.contains(QStringLiteral("L1 H1: %1").arg(result->trace->prob(1, 1, 2, 1), 0, 'f', 4)));
}

void TestCompareView::columnsFollowTheWindow() {
    // Four heads: a 2x2 grid in a narrow window, one row in a wide one; an
    // export leaves the window's layout as it was.
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-mistral"));
    ui::CompareView view;
    view.resize(600, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setHeads({{0, 0}, {0, 1}, {1, 0}, {1, 1}});
    ATTNVIZ_UNWRAP(shown, test::runIds(model, {12, 4, 33, 7, 19, 2}));
    view.setResult(shown);
    // Heads 0 and 2 share a row exactly when all four are in one row.
    const auto oneRow = [&] {
        view.plot()->replot();
        return view.colorMap(0)->keyAxis()->axisRect()->top() == view.colorMap(2)->keyAxis()->axisRect()->top();
    };
    QVERIFY(!oneRow());
    QVERIFY(!view.renderImage(QSize(1500, 500), 1.0).isNull());
    QVERIFY(!oneRow());
    view.resize(1800, 600);
    QVERIFY(oneRow());
    view.resize(600, 700);
    QVERIFY(!oneRow());
}

QTEST_MAIN(TestCompareView)
#include "test_compare_view.moc"
