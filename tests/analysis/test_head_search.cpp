// Head search: Jensen-Shannon divergence by hand, and the order of the
// similarity and statistic rankings on a known set of heads.
#include "hand_trace.h"

#include "attnviz/core/head_search.h"
#include "attnviz/core/head_stats.h"

#include <QtTest>

#include <atomic>

#include <cmath>

using namespace attnviz;
using core::AttentionTrace;
using core::HeadScore;
using core::HeadStatistic;

namespace {

// Four causal heads over T = 2; row 0 is [1, 0] in all of them.
//   (0,0) diagonal          row 1 [0,   1  ]
//   (0,1) the same          row 1 [0,   1  ]
//   (1,0) half and half     row 1 [0.5, 0.5]
//   (1,1) first-token sink  row 1 [1,   0  ]
AttentionTrace knownHeads() {
    AttentionTrace t(2, 2, 2, false);
    test::setHead(t, 0, 0, {{1, 0}, {0, 1}});
    test::setHead(t, 0, 1, {{1, 0}, {0, 1}});
    test::setHead(t, 1, 0, {{1, 0}, {0.5f, 0.5f}});
    test::setHead(t, 1, 1, {{1, 0}, {1, 0}});
    return t;
}

// JSD([0, 1], [0.5, 0.5]) in bits: m = [0.25, 0.75];
// KL(p||m) = log2(4/3), KL(q||m) = 0.5 log2(2) + 0.5 log2(2/3).
const double kHalfJsd = 0.5 * std::log2(4.0 / 3.0) + 0.5 * (0.5 + 0.5 * std::log2(2.0 / 3.0));

QString order(const std::vector<HeadScore>& ranking) {
    QStringList parts;
    for (const auto& s : ranking) parts << QString("%1:%2").arg(s.layer).arg(s.head);
    return parts.join(' ');
}

}  // namespace

class TestHeadSearch : public QObject {
    Q_OBJECT

private slots:
    void jensenShannonByHand();
    void similarityByHand();
    void rankBySimilarity();
    void rankByStatistic();
    void rankComputedStatistics();
};

void TestHeadSearch::jensenShannonByHand() {
    const float p[] = {0, 1}, q[] = {0.5f, 0.5f}, r[] = {1, 0};
    QCOMPARE(core::jensenShannonDivergence(p, p, 2), 0.0);
    QCOMPARE(core::jensenShannonDivergence(p, r, 2), 1.0);  // disjoint supports: 1 bit
    QVERIFY(std::abs(core::jensenShannonDivergence(p, q, 2) - kHalfJsd) < 1e-12);
    QVERIFY(std::abs(core::jensenShannonDivergence(q, p, 2) - kHalfJsd) < 1e-12);  // symmetric
    QVERIFY(std::abs(kHalfJsd - 0.3112781245) < 1e-9);
}

void TestHeadSearch::similarityByHand() {
    const AttentionTrace t = knownHeads();
    // Row 0 always agrees (JSD 0); similarity = 1 - JSD(row 1) / 2.
    QCOMPARE(core::headSimilarity(t, 0, 0, 0, 1), 1.0);
    QVERIFY(std::abs(core::headSimilarity(t, 0, 0, 1, 0) - (1.0 - kHalfJsd / 2.0)) < 1e-12);
    QCOMPARE(core::headSimilarity(t, 0, 0, 1, 1), 0.5);
    QCOMPARE(core::headSimilarity(t, 1, 1, 0, 0), 0.5);
}

void TestHeadSearch::rankBySimilarity() {
    const AttentionTrace t = knownHeads();
    const auto like00 = core::rankHeadsBySimilarity(t, 0, 0);
    // The tie (0,0) = (0,1) = 1 keeps (layer, head) order.
    QCOMPARE(order(like00), QString("0:0 0:1 1:0 1:1"));
    QCOMPARE(like00[0].value, 1.0);
    QCOMPARE(like00[3].value, 0.5);
    QCOMPARE(order(core::rankHeadsBySimilarity(t, 0, 1)), QString("0:0 0:1 1:0 1:1"));
    // From the sink head: half-and-half (1 - JSD([1,0],[.5,.5])/2) beats the two diagonal heads (0.5).
    const auto like11 = core::rankHeadsBySimilarity(t, 1, 1);
    QCOMPARE(order(like11), QString("1:1 1:0 0:0 0:1"));
    QVERIFY(std::abs(like11[1].value - (1.0 - kHalfJsd / 2.0)) < 1e-12);

    // Through a control: the same ranking, progress up to 1000 thousandths;
    // cancelled before it starts, it compares no head.
    std::atomic<bool> cancel{false};
    std::atomic<int> permille{0};
    QCOMPARE(order(core::rankHeadsBySimilarity(t, 1, 1, {&cancel, &permille})), order(like11));
    QCOMPARE(permille.load(), 1000);
    cancel = true;
    permille = 0;
    QVERIFY(core::rankHeadsBySimilarity(t, 1, 1, {&cancel, &permille}).empty());
    QCOMPARE(permille.load(), 0);
}

void TestHeadSearch::rankByStatistic() {
    std::vector<core::HeadStats> stats(4);
    const double values[] = {0.2, core::HeadStats::kUndefined, 0.7, 0.2};  // (0,0) (0,1) (1,0) (1,1)
    for (int k = 0; k < 4; ++k) {
        stats[k].layer = k / 2;
        stats[k].head = k % 2;
        stats[k].prevToken = values[k];
        stats[k].entropy = 4.0 - k;
    }
    // NaN last in both orders; equal values keep (layer, head) order.
    QCOMPARE(order(core::rankHeadsByStatistic(stats, HeadStatistic::PrevToken)), QString("1:0 0:0 1:1 0:1"));
    QCOMPARE(order(core::rankHeadsByStatistic(stats, HeadStatistic::PrevToken, core::SortOrder::Ascending)),
             QString("0:0 1:1 1:0 0:1"));
    QCOMPARE(order(core::rankHeadsByStatistic(stats, HeadStatistic::Entropy)), QString("0:0 0:1 1:0 1:1"));
    QCOMPARE(order(core::rankHeadsByStatistic(stats, HeadStatistic::Entropy, core::SortOrder::Ascending)),
             QString("1:1 1:0 0:1 0:0"));
    const auto ranked = core::rankHeadsByStatistic(stats, HeadStatistic::PrevToken);
    QCOMPARE(ranked[0].value, 0.7);
    QVERIFY(std::isnan(ranked[3].value));
}

void TestHeadSearch::rankComputedStatistics() {
    // Diagonals of the known heads: 1, 1, (1 + 0.5)/2, (1 + 0)/2; previous token: 0, 0, 0.5, 1.
    const auto stats = core::computeHeadStats(knownHeads());
    QCOMPARE(order(core::rankHeadsByStatistic(stats, HeadStatistic::Diagonal)), QString("0:0 0:1 1:0 1:1"));
    QCOMPARE(order(core::rankHeadsByStatistic(stats, HeadStatistic::PrevToken)), QString("1:1 1:0 0:0 0:1"));
    // Never measured: every induction value is NaN and the order is (layer, head).
    QCOMPARE(order(core::rankHeadsByStatistic(stats, HeadStatistic::Induction)), QString("0:0 0:1 1:0 1:1"));
}

QTEST_APPLESS_MAIN(TestHeadSearch)
#include "test_head_search.moc"
