// Top-k predictions and cross-entropy from LM-head logits, against a softmax
// computed by hand, and the positions a causal or masked model predicts.
#include "support/fixture_models.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"
#include "attnviz/core/predictions.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace attnviz;

class TestPredictions : public QObject {
    Q_OBJECT

private slots:
    void topKFromHandLogits();
    void crossEntropyFromHandLogits();
    void positionsPerModelKind();
    void needsLogits();
    void fixtureModelProbabilitiesSumToOne();
    void logitsOnlyAtAskedPositions_data();
    void logitsOnlyAtAskedPositions();
    void badLogitPositionsRefused();
};

namespace {

core::AttentionTrace traceWithLogits(std::vector<float> logits, int seqLen, int vocab) {
    core::AttentionTrace t(1, 1, seqLen, false);
    t.logits = std::move(logits);
    t.vocabSize = vocab;
    return t;
}

}  // namespace

void TestPredictions::topKFromHandLogits() {
    // Position 1 logits {0, ln 2, ln 3, ln 4}: probabilities 1/10, 2/10, 3/10, 4/10.
    const float l2 = std::log(2.0f), l3 = std::log(3.0f), l4 = std::log(4.0f);
    auto t = traceWithLogits({5, 5, 5, 5, 0, l2, l3, l4}, 2, 4);
    const std::vector<int> positions = {1};
    auto p = core::topPredictions(t, positions, 3);
    QVERIFY(p.ok());
    QCOMPARE(p->size(), std::size_t(1));
    const auto& top = (*p)[0].top;
    QCOMPARE(top.size(), std::size_t(3));
    QCOMPARE(top[0].id, 3);
    QCOMPARE(top[1].id, 2);
    QCOMPARE(top[2].id, 1);
    QVERIFY(std::fabs(top[0].probability - 0.4f) < 1e-6f);
    QVERIFY(std::fabs(top[2].probability - 0.2f) < 1e-6f);
    // Ties keep the smaller id first; k is clamped to the vocabulary.
    auto all = core::topPredictions(t, std::vector<int>{0}, 99);
    QVERIFY(all.ok());
    QCOMPARE((*all)[0].top.size(), std::size_t(4));
    QCOMPARE((*all)[0].top[0].id, 0);
    QCOMPARE((*all)[0].top[3].id, 3);
    QVERIFY(std::fabs((*all)[0].top[0].probability - 0.25f) < 1e-6f);
}

void TestPredictions::crossEntropyFromHandLogits() {
    const float l2 = std::log(2.0f), l3 = std::log(3.0f), l4 = std::log(4.0f);
    auto t = traceWithLogits({5, 5, 5, 5, 0, l2, l3, l4}, 2, 4);
    const std::vector<int> positions = {0, 1};
    const std::vector<std::int32_t> targets = {2, 3};
    auto ce = core::meanCrossEntropy(t, positions, targets);
    QVERIFY(ce.ok());
    QVERIFY(std::fabs(*ce - 0.5 * (std::log(4.0) + std::log(10.0 / 4.0))) < 1e-6);
    const auto tooFew = core::meanCrossEntropy(t, positions, std::vector<std::int32_t>{1});
    QVERIFY(!tooFew.ok());
    QCOMPARE(tooFew.code(), core::ErrorCode::InvalidInput);
    const auto outside = core::meanCrossEntropy(t, positions, std::vector<std::int32_t>{1, 4});
    QVERIFY(!outside.ok());
    QCOMPARE(outside.code(), core::ErrorCode::InvalidInput);
}

void TestPredictions::positionsPerModelKind() {
    std::vector<core::Token> tokens(5);
    tokens[2].piece = "[MASK]";
    tokens[2].special = true;
    tokens[4].piece = "<mask>";
    tokens[4].special = true;
    core::ModelConfig causal;
    causal.architecture = core::Architecture::Gpt2;
    core::ModelConfig masked;
    masked.architecture = core::Architecture::Bert;
    QCOMPARE(core::predictionPositions(causal, tokens), (std::vector<int>{4}));
    QCOMPARE(core::predictionPositions(masked, tokens), (std::vector<int>{2, 4}));
    tokens[2].special = false;  // the word "[MASK]" split as ordinary text is not a mask token
    QCOMPARE(core::predictionPositions(masked, tokens), (std::vector<int>{4}));
    QVERIFY(core::predictionPositions(masked, {}).empty());
}

void TestPredictions::needsLogits() {
    core::AttentionTrace t(1, 1, 3, false);
    auto p = core::topPredictions(t, std::vector<int>{0}, 5);
    QVERIFY(!p.ok());
    QVERIFY(QString::fromStdString(p.error()).contains("no logits"));
    QCOMPARE(p.code(), core::ErrorCode::InvalidInput);
    auto withLogits = traceWithLogits(std::vector<float>(6, 0.0f), 3, 2);
    const auto outside = core::topPredictions(withLogits, std::vector<int>{3}, 1);
    QVERIFY(!outside.ok());
    QCOMPARE(outside.code(), core::ErrorCode::InvalidInput);
}

void TestPredictions::fixtureModelProbabilitiesSumToOne() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-gpt2"));
    auto model = core::loadModel(dir);
    QVERIFY(model.ok());
    core::RunOptions o;
    o.computeLogits = true;
    auto trace = (*model)->run(std::vector<std::int32_t>{1, 2, 3}, o);
    QVERIFY(trace.ok());
    auto p = core::topPredictions(*trace, std::vector<int>{2}, 50);
    QVERIFY(p.ok());
    double sum = 0;
    for (const auto& tp : (*p)[0].top) sum += tp.probability;
    QVERIFY(std::fabs(sum - 1.0) < 1e-5);
    for (std::size_t r = 1; r < (*p)[0].top.size(); ++r) QVERIFY((*p)[0].top[r - 1].probability >= (*p)[0].top[r].probability);
}

// Every family: logits computed only at chosen positions equal those rows of
// a run over every position (the LM head, final norm and MLM transform are
// row-wise), and positions not asked for have none.
void TestPredictions::logitsOnlyAtAskedPositions_data() {
    QTest::addColumn<QString>("preset");
    for (const std::string& preset : test::tinyPresets()) QTest::newRow(preset.c_str()) << QString::fromStdString(preset);
}

void TestPredictions::logitsOnlyAtAskedPositions() {
    QFETCH(QString, preset);
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, preset.toStdString()));
    ATTNVIZ_UNWRAP(model, core::loadModel(dir));
    const std::vector<std::int32_t> ids{3, 1, 4, 1, 5, 9, 2};
    core::RunOptions all;
    all.computeLogits = true;
    ATTNVIZ_UNWRAP(full, model->run(ids, all));
    core::RunOptions some = all;
    some.logitPositions = {6, 2};
    ATTNVIZ_UNWRAP(part, model->run(ids, some));
    const int V = part.vocabSize;
    QCOMPARE(part.logits.size(), std::size_t(2) * static_cast<std::size_t>(V));
    QVERIFY(part.logitsAt(0) == nullptr);
    QVERIFY(part.logitsAt(5) == nullptr);
    for (int p : {6, 2}) {
        const float* got = part.logitsAt(p);
        const float* want = full.logitsAt(p);
        QVERIFY(got != nullptr && want != nullptr);
        for (int j = 0; j < V; ++j) {
            QVERIFY2(std::fabs(got[j] - want[j]) <= 1e-5f * std::max(1.0f, std::fabs(want[j])),
                     qPrintable(QStringLiteral("position %1, id %2: %3 vs %4").arg(p).arg(j).arg(got[j]).arg(want[j])));
        }
    }
    auto top = core::topPredictions(part, std::vector<int>{2}, 3);
    QVERIFY(top.ok());
    QVERIFY(!core::topPredictions(part, std::vector<int>{3}, 3).ok());  // not computed: an error, not garbage
}

void TestPredictions::badLogitPositionsRefused() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(model, core::loadModel(dir));
    core::RunOptions o;
    o.computeLogits = true;
    o.logitPositions = {3};
    auto outside = model->run(std::vector<std::int32_t>{1, 2, 3}, o);
    QVERIFY(!outside.ok());
    QVERIFY2(QString::fromStdString(outside.error()).contains(QStringLiteral("outside the input")), outside.error().c_str());
    o.logitPositions = {1, 1};
    auto twice = model->run(std::vector<std::int32_t>{1, 2, 3}, o);
    QVERIFY(!twice.ok());
    QVERIFY2(QString::fromStdString(twice.error()).contains(QStringLiteral("twice")), twice.error().c_str());
}

QTEST_APPLESS_MAIN(TestPredictions)
#include "test_predictions.moc"
