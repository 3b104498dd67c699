// Head statistics against small examples worked out by hand.
#include "hand_trace.h"

#include "attnviz/core/head_stats.h"

#include <QtTest>

#include <cmath>

using namespace attnviz;
using core::AttentionTrace;
using core::HeadStatistic;

namespace {

constexpr double kTol = 1e-6;  // the probabilities are float32

bool near(double a, double b) { return std::abs(a - b) <= kTol; }

}  // namespace

class TestHeadStats : public QObject {
    Q_OBJECT

private slots:
    void causalExample();
    void bidirectionalExample();
    void oneVisibleKeyPerRow();
    void singleToken();
    void computeHeadStatsIsLayerMajor();
    void namesRoundTrip();
};

// Causal, T = 3:
//   row 0: [1,   0,   0  ]
//   row 1: [0.5, 0.5, 0  ]
//   row 2: [0.2, 0.3, 0.5]
void TestHeadStats::causalExample() {
    AttentionTrace t(1, 1, 3, false);
    test::setHead(t, 0, 0, {{1, 0, 0}, {0.5f, 0.5f, 0}, {0.2f, 0.3f, 0.5f}});
    const float* a = t.probs(0, 0);
    // Row entropies: 0; ln 2; 0.2 ln 5 + 0.3 ln(10/3) + 0.5 ln 2. Masked zeros add nothing.
    const double row2 = 0.2 * std::log(5.0) + 0.3 * std::log(10.0 / 3.0) + 0.5 * std::log(2.0);
    QVERIFY(near(core::attentionEntropy(a, 3), (0.0 + std::log(2.0) + row2) / 3.0));
    // Distances: 0; 0.5 * 1; 0.2 * 2 + 0.3 * 1 = 0.7  -> 1.2 / 3.
    QVERIFY(near(core::meanAttentionDistance(a, 3), 0.4));
    // First column: 1, 0.5, 0.2.
    QVERIFY(near(core::sinkAttention(a, 3), 1.7 / 3.0));
    // a_10 = 0.5, a_21 = 0.3 over the two rows that have a previous token.
    QVERIFY(near(core::previousTokenAttention(a, 3), 0.4));
    // Diagonal: 1, 0.5, 0.5.
    QVERIFY(near(core::diagonalAttention(a, 3), 2.0 / 3.0));
}

// Bidirectional, T = 3:
//   row 0: [0.5, 0.25, 0.25]
//   row 1: [0.1, 0.1,  0.8 ]
//   row 2: [0,   0,    1   ]
void TestHeadStats::bidirectionalExample() {
    AttentionTrace t(1, 1, 3, false);
    test::setHead(t, 0, 0, {{0.5f, 0.25f, 0.25f}, {0.1f, 0.1f, 0.8f}, {0, 0, 1}});
    const float* a = t.probs(0, 0);
    // Row entropies: 0.5 ln 2 + 2 * 0.25 ln 4 = 1.5 ln 2; 0.2 ln 10 + 0.8 ln 1.25; 0.
    const double expected = (1.5 * std::log(2.0) + 0.2 * std::log(10.0) + 0.8 * std::log(1.25)) / 3.0;
    QVERIFY(near(core::attentionEntropy(a, 3), expected));
    // Distances: 0.25 + 0.5 = 0.75; 0.1 + 0.8 = 0.9 (keys on both sides); 0.
    QVERIFY(near(core::meanAttentionDistance(a, 3), 0.55));
    QVERIFY(near(core::sinkAttention(a, 3), 0.2));
    // a_10 = 0.1, a_21 = 0 (row 2 looks forward to itself only).
    QVERIFY(near(core::previousTokenAttention(a, 3), 0.05));
    QVERIFY(near(core::diagonalAttention(a, 3), 1.6 / 3.0));
}

// A window of one key: every row sees only itself.
void TestHeadStats::oneVisibleKeyPerRow() {
    AttentionTrace t(1, 1, 4, false);
    test::setHead(t, 0, 0, {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}});
    const float* a = t.probs(0, 0);
    QCOMPARE(core::attentionEntropy(a, 4), 0.0);
    QCOMPARE(core::meanAttentionDistance(a, 4), 0.0);
    QCOMPARE(core::sinkAttention(a, 4), 0.25);
    QCOMPARE(core::previousTokenAttention(a, 4), 0.0);
    QCOMPARE(core::diagonalAttention(a, 4), 1.0);
}

// T = 1: the only row attends to the only key; no query has a previous token.
void TestHeadStats::singleToken() {
    AttentionTrace t(1, 1, 1, false);
    test::setHead(t, 0, 0, {{1}});
    const auto stats = core::computeHeadStats(t);
    QCOMPARE(stats.size(), std::size_t(1));
    QCOMPARE(stats[0].entropy, 0.0);
    QCOMPARE(stats[0].meanDistance, 0.0);
    QCOMPARE(stats[0].sink, 1.0);
    QCOMPARE(stats[0].diagonal, 1.0);
    QVERIFY(std::isnan(stats[0].prevToken));
    QVERIFY(std::isnan(stats[0].value(HeadStatistic::PrevToken)));
    QVERIFY(std::isnan(stats[0].induction));  // not measured by computeHeadStats
}

void TestHeadStats::computeHeadStatsIsLayerMajor() {
    // 2 layers x 3 heads, T = 2; head (l, h) puts x = (3l + h + 1) / 10 on the previous token.
    AttentionTrace t(2, 3, 2, false);
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 3; ++h) {
            const float x = static_cast<float>(3 * l + h + 1) / 10.0f;
            test::setHead(t, l, h, {{1, 0}, {x, 1 - x}});
        }
    const auto stats = core::computeHeadStats(t);
    QCOMPARE(stats.size(), std::size_t(6));
    for (int k = 0; k < 6; ++k) {
        QCOMPARE(stats[k].layer, k / 3);
        QCOMPARE(stats[k].head, k % 3);
        const double x = static_cast<double>(static_cast<float>(k + 1) / 10.0f);
        QVERIFY(near(stats[k].prevToken, x));
        QVERIFY(near(stats[k].sink, (1.0 + x) / 2.0));
        QVERIFY(near(stats[k].diagonal, (1.0 + (1.0 - x)) / 2.0));
        QVERIFY(near(stats[k].value(HeadStatistic::MeanDistance), x / 2.0));
    }
}

void TestHeadStats::namesRoundTrip() {
    const char* expected[] = {"entropy", "mean_distance", "sink", "prev_token", "diagonal", "induction"};
    int k = 0;
    for (HeadStatistic s : core::kAllHeadStatistics) {
        QCOMPARE(std::string(core::statisticName(s)), std::string(expected[k++]));
        QCOMPARE(core::statisticFromName(core::statisticName(s)), std::optional<HeadStatistic>(s));
        QVERIFY(core::statisticFormula(s).find(core::statisticName(s)) == 0);  // each formula opens with its name
    }
    QVERIFY(!core::statisticFromName("prev-token").has_value());
}

QTEST_APPLESS_MAIN(TestHeadStats)
#include "test_head_stats.moc"
