// Head/layer aggregates, rollout and value-weighted norms against hand
// examples and plain loops written from the formulas.
#include "hand_trace.h"

#include "attnviz/core/aggregates.h"
#include "attnviz/core/attention_flow.h"
#include "attnviz/core/rollout.h"
#include "attnviz/core/value_weighted.h"

#include <QtTest>

#include <atomic>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

using namespace attnviz;
using core::AttentionTrace;
using core::RowMatrix;

namespace {

bool matrixNear(const RowMatrix& m, std::initializer_list<std::initializer_list<double>> expected, double tol = 1e-6) {
    int i = 0;
    for (const auto& row : expected) {
        int j = 0;
        for (double v : row) {
            if (std::abs(m(i, j) - v) > tol) {
                qWarning("(%d, %d): got %.9g, expected %.9g", i, j, static_cast<double>(m(i, j)), v);
                return false;
            }
            ++j;
        }
        ++i;
    }
    return i == m.rows();
}

// A trace of random causal rows: every row a softmax over keys 0..i (over
// every key when not `causal`).
AttentionTrace randomCausalTrace(int nLayers, int nHeads, int T, unsigned seed, bool causal = true) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0.0f, 2.0f);
    AttentionTrace t(nLayers, nHeads, T, false);
    for (int l = 0; l < nLayers; ++l)
        for (int h = 0; h < nHeads; ++h)
            for (int i = 0; i < T; ++i) {
                float* row = t.probs(l, h) + static_cast<std::size_t>(i) * T;
                double sum = 0.0;
                const int keys = causal ? i + 1 : T;
                for (int j = 0; j < keys; ++j) sum += (row[j] = std::exp(n(rng)));
                for (int j = 0; j < keys; ++j) row[j] = static_cast<float>(row[j] / sum);
            }
    return t;
}

// Rollout straight from its definition, with plain loops in double.
std::vector<std::vector<double>> naiveRollout(const AttentionTrace& t, int lastLayer) {
    const int T = t.seqLen(), H = t.nHeads();
    std::vector<std::vector<double>> r(T, std::vector<double>(T, 0.0));
    for (int i = 0; i < T; ++i) r[i][i] = 1.0;
    for (int l = 0; l <= lastLayer; ++l) {
        std::vector<std::vector<double>> b(T, std::vector<double>(T, 0.0));
        for (int i = 0; i < T; ++i) {
            double rowSum = 0.0;
            for (int j = 0; j < T; ++j) {
                double mean = 0.0;
                for (int h = 0; h < H; ++h) mean += t.prob(l, h, i, j);
                b[i][j] = 0.5 * mean / H + (i == j ? 0.5 : 0.0);
                rowSum += b[i][j];
            }
            for (int j = 0; j < T; ++j) b[i][j] /= rowSum;
        }
        std::vector<std::vector<double>> next(T, std::vector<double>(T, 0.0));
        for (int i = 0; i < T; ++i)
            for (int j = 0; j < T; ++j)
                for (int k = 0; k < T; ++k) next[i][j] += b[i][k] * r[k][j];
        r = next;
    }
    return r;
}

}  // namespace

class TestAggregates : public QObject {
    Q_OBJECT

private slots:
    void meanAndMaxOverHeads();
    void meanOverLayers();
    void rolloutHandExample();
    void rolloutMatchesNaiveLoop_data();
    void rolloutMatchesNaiveLoop();
    void valueWeightedHandExample();
    void valueWeightedNeedsNorms();
    void controlReportsAndCancels();
};

void TestAggregates::meanAndMaxOverHeads() {
    AttentionTrace t(1, 2, 2, false);
    test::setHead(t, 0, 0, {{1, 0}, {0.2f, 0.8f}});
    test::setHead(t, 0, 1, {{1, 0}, {0.6f, 0.4f}});
    QVERIFY(matrixNear(core::meanOverHeads(t, 0), {{1, 0}, {0.4, 0.6}}));
    QVERIFY(matrixNear(core::maxOverHeads(t, 0), {{1, 0}, {0.6, 0.8}}));
}

void TestAggregates::meanOverLayers() {
    AttentionTrace t(2, 2, 2, false);
    test::setHead(t, 0, 0, {{1, 0}, {0.2f, 0.8f}});
    test::setHead(t, 0, 1, {{1, 0}, {0.6f, 0.4f}});  // layer 0 mean: [[1, 0], [0.4, 0.6]]
    test::setHead(t, 1, 0, {{0.5f, 0.5f}, {0, 1}});
    test::setHead(t, 1, 1, {{0.5f, 0.5f}, {1, 0}});  // layer 1 mean: [[0.5, 0.5], [0.5, 0.5]]
    QVERIFY(matrixNear(core::meanOverLayers(t), {{0.75, 0.25}, {0.45, 0.55}}));
    QVERIFY(matrixNear(core::meanOverHeads(t, 1), {{0.5, 0.5}, {0.5, 0.5}}));
}

// One head per layer, T = 2.
//   A_0 = [[1, 0], [0.2, 0.8]] -> B_0 = [[1, 0], [0.1, 0.9]]
//   A_1 = [[1, 0], [1,   0  ]] -> B_1 = [[1, 0], [0.5, 0.5]]
//   R   = B_1 B_0 = [[1, 0], [0.5 + 0.05, 0.45]]
// (two-token causal layers commute, so a second, bidirectional case checks the order)
void TestAggregates::rolloutHandExample() {
    AttentionTrace t(2, 1, 2, false);
    test::setHead(t, 0, 0, {{1, 0}, {0.2f, 0.8f}});
    test::setHead(t, 1, 0, {{1, 0}, {1, 0}});
    QVERIFY(matrixNear(core::attentionRollout(t, 0), {{1, 0}, {0.1, 0.9}}));
    QVERIFY(matrixNear(core::attentionRollout(t), {{1, 0}, {0.55, 0.45}}));
    QVERIFY(matrixNear(core::attentionRollout(t, 1), {{1, 0}, {0.55, 0.45}}));

    // The order matters once the layers do not commute (bidirectional):
    //   A_0: everyone reads token 1 -> B_0 = [[0.5, 0.5], [0, 1]]
    //   A_1: everyone reads token 0 -> B_1 = [[1, 0], [0.5, 0.5]]
    //   B_1 B_0 = [[0.5, 0.5], [0.25, 0.75]]   (B_0 B_1 would be [[0.75, 0.25], [0.5, 0.5]])
    AttentionTrace u(2, 1, 2, false);
    test::setHead(u, 0, 0, {{0, 1}, {0, 1}});
    test::setHead(u, 1, 0, {{1, 0}, {1, 0}});
    QVERIFY(matrixNear(core::attentionRollout(u), {{0.5, 0.5}, {0.25, 0.75}}));
}

void TestAggregates::rolloutMatchesNaiveLoop_data() {
    QTest::addColumn<int>("layers");
    QTest::addColumn<int>("heads");
    QTest::addColumn<int>("tokens");
    QTest::addColumn<int>("lastLayer");
    QTest::addColumn<bool>("causal");
    QTest::newRow("1x1x1") << 1 << 1 << 1 << -1 << true;
    QTest::newRow("3x2x5") << 3 << 2 << 5 << -1 << true;
    QTest::newRow("6x4x9") << 6 << 4 << 9 << -1 << true;
    QTest::newRow("6x4x9 up to layer 2") << 6 << 4 << 9 << 2 << true;
    // Past Eigen's blocking sizes: the triangular product of causal layers
    // and the full product of bidirectional ones.
    QTest::newRow("3x2x300 causal") << 3 << 2 << 300 << -1 << true;
    QTest::newRow("3x2x300 bidirectional") << 3 << 2 << 300 << -1 << false;
}

void TestAggregates::rolloutMatchesNaiveLoop() {
    QFETCH(int, layers);
    QFETCH(int, heads);
    QFETCH(int, tokens);
    QFETCH(int, lastLayer);
    QFETCH(bool, causal);
    const AttentionTrace t = randomCausalTrace(layers, heads, tokens, 11u * layers + tokens, causal);
    const RowMatrix r = core::attentionRollout(t, lastLayer);
    const auto ref = naiveRollout(t, lastLayer < 0 ? layers - 1 : lastLayer);
    QCOMPARE(r.rows(), Eigen::Index(tokens));
    for (int i = 0; i < tokens; ++i) {
        double rowSum = 0.0;
        for (int j = 0; j < tokens; ++j) {
            QVERIFY2(std::abs(r(i, j) - ref[i][j]) < 1e-6, qPrintable(QString("(%1, %2)").arg(i).arg(j)));
            rowSum += r(i, j);
        }
        QVERIFY(std::abs(rowSum - 1.0) < 1e-5);
    }
}

// a = [[1, 0], [0.25, 0.75]], ||f(x_j)|| = [2, 4]
//   N  = [[2, 0], [0.5, 3]],  N' = [[1, 0], [0.5/3.5, 3/3.5]]
// With ||f(x_0)|| = 0 row 0 of N is all zero and stays zero when normalised.
void TestAggregates::valueWeightedHandExample() {
    AttentionTrace t(1, 2, 2, false, true);
    test::setHead(t, 0, 0, {{1, 0}, {0.25f, 0.75f}});
    test::setHead(t, 0, 1, {{1, 0}, {0.25f, 0.75f}});
    t.valueNorms(0, 0)[0] = 2.0f;
    t.valueNorms(0, 0)[1] = 4.0f;
    t.valueNorms(0, 1)[0] = 0.0f;
    t.valueNorms(0, 1)[1] = 4.0f;

    auto n = core::valueWeightedNorms(t, 0, 0);
    QVERIFY(n.ok());
    QVERIFY(matrixNear(*n, {{2, 0}, {0.5, 3}}));
    auto nn = core::valueWeightedNormsNormalized(t, 0, 0);
    QVERIFY(nn.ok());
    QVERIFY(matrixNear(*nn, {{1, 0}, {0.5 / 3.5, 3.0 / 3.5}}));

    auto zero = core::valueWeightedNormsNormalized(t, 0, 1);
    QVERIFY(zero.ok());
    QVERIFY(matrixNear(*zero, {{0, 0}, {0, 1}}));
}

void TestAggregates::valueWeightedNeedsNorms() {
    AttentionTrace t(1, 1, 2, false);
    auto n = core::valueWeightedNorms(t, 0, 0);
    QVERIFY(!n.ok());
    QVERIFY(n.error().find("captureValueNorms") != std::string::npos);
    AttentionTrace withNorms(1, 1, 2, false, true);
    auto bad = core::valueWeightedNorms(withNorms, 1, 0);
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().find("no head 1:0") != std::string::npos);
}

// Every aggregate reports its progress up to 1000 thousandths, and reads
// nothing once cancelled: the progress stays where it was.
void TestAggregates::controlReportsAndCancels() {
    const AttentionTrace t = randomCausalTrace(3, 2, 6, 5u);
    const std::vector<std::function<void(const core::AnalysisControl&)>> runs{
        [&](const core::AnalysisControl& c) { core::meanOverHeads(t, 1, c); },
        [&](const core::AnalysisControl& c) { core::maxOverHeads(t, 2, c); },
        [&](const core::AnalysisControl& c) { core::meanOverLayers(t, c); },
        [&](const core::AnalysisControl& c) { core::attentionRollout(t, -1, c); },
        [&](const core::AnalysisControl& c) { QVERIFY(static_cast<bool>(core::attentionFlow(t, 1, c)) != c.cancelled()); },
    };
    for (std::size_t i = 0; i < runs.size(); ++i) {
        std::atomic<bool> cancel{false};
        std::atomic<int> permille{0};
        runs[i]({&cancel, &permille});
        QVERIFY2(permille.load() == 1000, qPrintable(QString("run %1: %2").arg(i).arg(permille.load())));
        cancel = true;
        permille = 0;
        runs[i]({&cancel, &permille});
        QVERIFY2(permille.load() == 0, qPrintable(QString("cancelled run %1: %2").arg(i).arg(permille.load())));
    }
    // A part of a control reports inside its share of the whole.
    std::atomic<int> permille{0};
    const core::AnalysisControl whole{nullptr, &permille};
    whole.part(0.5, 0.25).progress(1.0);
    QCOMPARE(permille.load(), 750);
    whole.part(0.5, 0.25).part(0.5, 0.5).progress(0.5);
    QCOMPARE(permille.load(), 687);  // 0.5 + 0.25 * (0.5 + 0.5 * 0.5)
}

QTEST_APPLESS_MAIN(TestAggregates)
#include "test_aggregates.moc"
