// What a mask override means on a layer of each kind (the table in
// core/include/attnviz/core/layer_mask.h and README "Local and global layers"),
// checked entry by entry against the rule written out in plain conditions.
#include "attnviz/core/layer_mask.h"

#include <QtTest>

#include <cstdlib>

using namespace attnviz::core;

class TestLayerMask : public QObject {
    Q_OBJECT

private slots:
    void rules_data();
    void rules();
    void globalTokens();
    void kindNames();
};

void TestLayerMask::rules_data() {
    QTest::addColumn<QString>("kind");  // global | causal:W | symmetric:W
    QTest::addColumn<QString>("mask");
    for (const char* k : {"global", "causal:4", "symmetric:4", "symmetric:5", "causal:1"})
        for (const char* m : {"causal", "bidirectional", "window:3"})
            QTest::newRow(qPrintable(QString("%1 %2").arg(k, m))) << QString(k) << QString(m);
}

void TestLayerMask::rules() {
    QFETCH(QString, kind);
    QFETCH(QString, mask);
    const int w = kind.section(':', 1).toInt();
    const LayerKind k = kind == "global"           ? LayerKind::global()
                        : kind.startsWith("causal") ? LayerKind::causalWindow(w)
                                                    : LayerKind::symmetricWindow(w);
    auto m = MaskMode::parse(mask.toStdString());
    QVERIFY(m.ok());
    const LayerMask lm = resolveLayerMask(k, *m, {});
    const int T = 12;
    for (int i = 0; i < T; ++i) {
        const auto [begin, end] = lm.band(i, T);
        for (int j = 0; j < T; ++j) {
            bool expected = false;
            if (mask == "window:3") {
                expected = j <= i && j > i - 3;  // replaces every layer's window
            } else {
                const bool direction = mask == "bidirectional" || j <= i;
                bool reach = true;  // global layers reach every key
                if (kind.startsWith("causal")) reach = std::abs(i - j) < w;           // the last w keys, mirrored
                if (kind.startsWith("symmetric")) reach = std::abs(i - j) <= w / 2;   // w/2 to each side
                expected = direction && reach;
            }
            QCOMPARE(lm.allows(i, j), expected);
            QCOMPARE(j >= begin && j < end, expected);
        }
    }
}

void TestLayerMask::globalTokens() {
    // Longformer: a band of +-2 plus token 0 (and 5) seen by and seeing all.
    const LayerMask bi = resolveLayerMask(LayerKind::symmetricWindow(4), MaskMode::bidirectional(), {5, 0, 5});
    QCOMPARE(bi.globalTokens, (std::vector<int>{0, 5}));
    QVERIFY(bi.allows(9, 0) && bi.allows(0, 9) && bi.allows(9, 5) && bi.allows(5, 11));
    QVERIFY(bi.allows(9, 7) && bi.allows(9, 11) && !bi.allows(9, 6) && !bi.allows(1, 4));
    // Under a causal override global tokens stay global, within the direction.
    const LayerMask causal = resolveLayerMask(LayerKind::symmetricWindow(4), MaskMode::causal(), {0, 5});
    QVERIFY(causal.allows(9, 0) && causal.allows(9, 5) && !causal.allows(0, 9) && !causal.allows(5, 11));
    QVERIFY(causal.allows(5, 1) && !causal.allows(9, 10));
}

void TestLayerMask::kindNames() {
    QCOMPARE(QString::fromStdString(LayerKind::global().toString()), QString("global"));
    QCOMPARE(QString::fromStdString(LayerKind::causalWindow(4096).toString()), QString("local:4096"));
    QCOMPARE(QString::fromStdString(LayerKind::symmetricWindow(128).toString()), QString("local:128"));
}

QTEST_APPLESS_MAIN(TestLayerMask)
#include "test_layer_mask.moc"
