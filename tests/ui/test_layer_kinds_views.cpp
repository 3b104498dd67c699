// Local and global layers told apart in the window: the overview labels each
// layer row with its kind, the head view's subtitle states which keys the
// layer lets a query see, and on a model whose layers are all global nothing
// extra is shown.
#include "ui_fixture.h"

#include "attnviz/ui/views/head_grid_view.h"
#include "attnviz/ui/views/head_view.h"

#include "support/verify_result.h"

#include <qcustomplot.h>

#include <QtTest>

#include <cmath>

using namespace attnviz;

class TestLayerKindsViews : public QObject {
    Q_OBJECT

private slots:
    void overviewRowLabels();
    void headViewSubtitle();
    void allGlobalShowsNothingExtra();

private:
    static QStringList rowLabels(const ui::HeadGridView& view);
    QTemporaryDir m_tmp;
};

QStringList TestLayerKindsViews::rowLabels(const ui::HeadGridView& view) {
    QCPAxis* y = view.plot()->axisRect()->axis(QCPAxis::atLeft);
    auto ticker = y->ticker().dynamicCast<QCPAxisTickerText>();
    QStringList labels;
    if (ticker) for (const QString& t : ticker->ticks()) labels << t;
    return labels;
}

void TestLayerKindsViews::overviewRowLabels() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-mistral"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {3, 17, 5, 42, 8, 23}));
    ui::HeadGridView view;
    view.resize(900, 600);
    view.setResult(result);
    QCOMPARE(rowLabels(view), (QStringList{QStringLiteral("L0 \u00b7 local 3"), QStringLiteral("L1 \u00b7 local 3")}));
    QVERIFY(view.figureSubtitle().contains(QStringLiteral("each layer's reach")));
}

void TestLayerKindsViews::headViewSubtitle() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-mistral"));
    ATTNVIZ_UNWRAP(causal, test::runIds(model, {3, 17, 5, 42, 8, 23}));
    ui::HeadView view;
    view.setResult(causal);
    view.setHead({1, 0});
    QVERIFY2(view.figureSubtitle().contains(QStringLiteral("layer 1: local window 3, query i sees keys i\u22122\u2009\u2026\u2009i")),
             qPrintable(view.figureSubtitle()));
    // Bidirectional keeps the layer local and mirrors the window.
    ATTNVIZ_UNWRAP(bidi, test::runIds(model, {3, 17, 5, 42, 8, 23}, core::MaskMode::bidirectional()));
    view.setResult(bidi);
    QVERIFY2(view.figureSubtitle().contains(QStringLiteral("keys i\u22122\u2009\u2026\u2009i+2")),
             qPrintable(view.figureSubtitle()));
    QCPColorMap* map = view.colorMap();
    QVERIFY(map != nullptr);
    for (int q = 0; q < 6; ++q)
        for (int k = 0; k < 6; ++k) {
            if (std::abs(q - k) >= 3) QCOMPARE(test::cellAt(map, q, k), 0.0);
            else QVERIFY(test::cellAt(map, q, k) > 0.0);
        }
}

void TestLayerKindsViews::allGlobalShowsNothingExtra() {
    ATTNVIZ_UNWRAP(model, test::loadFixture(m_tmp, "tiny-llama"));
    ATTNVIZ_UNWRAP(result, test::runIds(model, {3, 17, 5}));
    ui::HeadGridView grid;
    grid.resize(900, 600);
    grid.setResult(result);
    QCOMPARE(rowLabels(grid), (QStringList{QStringLiteral("L0"), QStringLiteral("L1")}));
    ui::HeadView head;
    head.setResult(result);
    QVERIFY(!head.figureSubtitle().contains(QStringLiteral("local")));
    QVERIFY(!head.figureSubtitle().contains(QStringLiteral("layer 0:")));
}

QTEST_MAIN(TestLayerKindsViews)
#include "test_layer_kinds_views.moc"
