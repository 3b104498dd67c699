// Attention flow (Abnar & Zuidema 2020): on the attention of three golden
// cases (bidirectional BERT, causal GPT-2, 5-layer stories260K) against
// networkx's maximum flow on the paper's graph (tests/data/attention_flow.json
// says how it was made); by hand, a bottleneck rollout does not see; one
// layer equals rollout; rows sum to 1; cancel stops it.
#include "hand_trace.h"

#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/attention_flow.h"
#include "attnviz/core/rollout.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <cmath>
#include <fstream>

using namespace attnviz;
using nlohmann::json;

class TestAttentionFlow : public QObject {
    Q_OBJECT

private slots:
    void matchesNetworkx_data();
    void matchesNetworkx();
    void bottleneckByHand();
    void oneLayerIsRollout();
    void cancel();
};

namespace {

json readJson(const std::filesystem::path& path) {
    std::ifstream in(path);
    return json::parse(in);
}

}  // namespace

void TestAttentionFlow::matchesNetworkx_data() {
    QTest::addColumn<int>("index");
    const json expected = readJson(test::testDataDir() / "attention_flow.json");
    for (std::size_t i = 0; i < expected["cases"].size(); ++i) {
        QTest::newRow(expected["cases"][i]["case"].get<std::string>().c_str()) << static_cast<int>(i);
    }
}

void TestAttentionFlow::matchesNetworkx() {
    QFETCH(int, index);
    const json expected = readJson(test::testDataDir() / "attention_flow.json")["cases"][static_cast<std::size_t>(index)];
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "../shared/golden");
    const auto file = golden / "attention" / (expected["case"].get<std::string>() + ".json");
    if (!std::filesystem::exists(file)) QSKIP(qPrintable("golden case " + QString::fromStdString(file.string()) + " not found"));
    const json attention = readJson(file)["attention"];  // [L][H][T][T]
    const int L = static_cast<int>(attention.size());
    const int H = static_cast<int>(attention[0].size());
    const int T = static_cast<int>(attention[0][0].size());
    core::AttentionTrace trace(L, H, T, false);
    for (int l = 0; l < L; ++l) {
        for (int h = 0; h < H; ++h) {
            for (int i = 0; i < T; ++i) {
                for (int j = 0; j < T; ++j) trace.probs(l, h)[i * T + j] = attention[l][h][i][j].get<float>();
            }
        }
    }
    ATTNVIZ_UNWRAP(flow, core::attentionFlow(trace));
    QCOMPARE(flow.rows(), T);
    double worst = 0;
    for (int i = 0; i < T; ++i) {
        for (int j = 0; j < T; ++j) worst = std::max(worst, std::fabs(flow(i, j) - expected["flow"][i][j].get<double>()));
        QVERIFY(std::fabs(flow.row(i).sum() - 1.0f) < 1e-5f);
    }
    QVERIFY2(worst < 1e-6, qPrintable(QString::number(worst)));
}

void TestAttentionFlow::bottleneckByHand() {
    // Two tokens, two layers, one head. Layer 0 keeps each token apart;
    // layer 1 sends everything of token 1 to token 0. B_0 = I, so token 0
    // after layer 0 holds only input 0, and the flow of row 1 through
    // (1, 0) -> (0, 0) and (1, 1) -> (0, 1): B_1 = [[1, 0], [0.5, 0.5]].
    core::AttentionTrace trace(2, 1, 2, false);
    QVERIFY(test::setHead(trace, 0, 0, {{1, 0}, {0, 1}}));
    QVERIFY(test::setHead(trace, 1, 0, {{1, 0}, {1, 0}}));
    ATTNVIZ_UNWRAP(flow, core::attentionFlow(trace));
    // Row 1: maxflow to input 0 = min(0.5, 1) = 0.5, to input 1 = 0.5.
    QCOMPARE(flow(1, 0), 0.5f);
    QCOMPARE(flow(1, 1), 0.5f);
    QCOMPARE(flow(0, 0), 1.0f);
    QCOMPARE(flow(0, 1), 0.0f);
    // A wider example where flow and rollout differ: three tokens, layer 0
    // mixes token 2 into 1, layer 1 reads only token 1 from row 2.
    core::AttentionTrace wide(2, 1, 3, false);
    QVERIFY(test::setHead(wide, 0, 0, {{1, 0, 0}, {0, 0, 1}, {0, 0, 1}}));
    QVERIFY(test::setHead(wide, 1, 0, {{1, 0, 0}, {0, 1, 0}, {0, 1, 0}}));
    ATTNVIZ_UNWRAP(f, core::attentionFlow(wide));
    const core::RowMatrix r = core::attentionRollout(wide);
    // B_0 row 1 = (0, .5, .5), row 2 = (0, 0, 1); B_1 row 2 = (0, .5, .5).
    // Rollout row 2 = .5 * (0, .5, .5) + .5 * (0, 0, 1) = (0, .25, .75).
    QVERIFY(std::fabs(r(2, 1) - 0.25f) < 1e-6f && std::fabs(r(2, 2) - 0.75f) < 1e-6f);
    // Flow from (2, 2) to input 1: only via (1, 1) -> (0, 1), min(.5, .5)
    // = .5; to input 2: via (1, 1) -> (0, 2) (.5) and (1, 2) -> (0, 2) (.5),
    // but at most 1 leaves (2, 2): 1. Normalised: (0, 1/3, 2/3).
    QVERIFY(std::fabs(f(2, 1) - 1.0f / 3) < 1e-6f);
    QVERIFY(std::fabs(f(2, 2) - 2.0f / 3) < 1e-6f);
    QCOMPARE(f(2, 0), 0.0f);
}

void TestAttentionFlow::oneLayerIsRollout() {
    // With one layer every path is one edge: maxflow = B_0[i][j] = rollout.
    core::AttentionTrace trace(1, 2, 3, false);
    QVERIFY(test::setHead(trace, 0, 0, {{1, 0, 0}, {0.25f, 0.75f, 0}, {0.2f, 0.3f, 0.5f}}));
    QVERIFY(test::setHead(trace, 0, 1, {{1, 0, 0}, {0.5f, 0.5f, 0}, {0.6f, 0.1f, 0.3f}}));
    ATTNVIZ_UNWRAP(flow, core::attentionFlow(trace));
    const core::RowMatrix r = core::attentionRollout(trace);
    QVERIFY(((flow - r).cwiseAbs().maxCoeff()) < 1e-6f);
}

void TestAttentionFlow::cancel() {
    core::AttentionTrace trace(1, 1, 2, false);
    QVERIFY(test::setHead(trace, 0, 0, {{1, 0}, {0.5f, 0.5f}}));
    std::atomic<bool> stop{true};
    auto flow = core::attentionFlow(trace, -1, {&stop});
    QVERIFY(!flow.ok());
    QCOMPARE(flow.code(), core::ErrorCode::Cancelled);
}

QTEST_GUILESS_MAIN(TestAttentionFlow)
#include "test_attention_flow.moc"
