// Invariants of every architecture under every mask mode: shapes L x H x T x T,
// rows summing to 1, masked entries exactly 0, and a mask override that is
// applied inside every layer (later layers see its consequences).
#include "support/fixture_models.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>

using namespace attnviz;

class TestInvariants : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void rowsAndMasks_data();
    void rowsAndMasks();
    void overrideReachesLaterLayers_data();
    void overrideReachesLaterLayers();
    void defaultMaskPerArchitecture();
    void longformerGlobalTokens_data();
    void longformerGlobalTokens();
    void runsAreReproducible();

private:
    QTemporaryDir m_tmp;
    std::map<std::string, std::filesystem::path> m_dirs;
};

void TestInvariants::initTestCase() {
    for (const auto& p : test::tinyPresets()) ATTNVIZ_UNWRAP_TO(m_dirs[p], test::writeFixture(m_tmp, p));
}

void TestInvariants::rowsAndMasks_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QString>("mask");
    QTest::addColumn<int>("tokens");
    for (const auto& p : test::tinyPresets())
        for (const char* m : {"default", "causal", "bidirectional", "window:1", "window:2", "window:64"})
            for (int T : {1, 6, 17})
                QTest::newRow(qPrintable(QString("%1 %2 T%3").arg(p.c_str(), m).arg(T))) << QString::fromStdString(p) << QString(m) << T;
}

void TestInvariants::rowsAndMasks() {
    QFETCH(QString, preset);
    QFETCH(QString, mask);
    QFETCH(int, tokens);
    auto model = core::loadModel(m_dirs.at(preset.toStdString()));
    QVERIFY(model.ok());
    auto mode = core::MaskMode::parse(mask.toStdString());
    QVERIFY(mode.ok());
    std::vector<std::int32_t> ids;
    for (int t = 0; t < tokens; ++t) ids.push_back((7 * t + 3) % 50);
    core::RunOptions options;
    options.mask = *mode;
    options.captureScores = true;
    auto trace = (*model)->run(ids, options);
    QVERIFY2(trace.ok(), trace.ok() ? "" : trace.error().c_str());
    QCOMPARE(trace->nLayers(), 2);
    QCOMPARE(trace->nHeads(), 2);
    QCOMPARE(trace->seqLen(), tokens);
    const core::MaskMode used = trace->mask();
    QVERIFY(used.kind != core::MaskMode::Kind::Default);
    if (mode->kind != core::MaskMode::Kind::Default) QCOMPARE(used, *mode);
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 2; ++h)
            for (int i = 0; i < tokens; ++i) {
                double sum = 0;
                for (int j = 0; j < tokens; ++j) {
                    const float p = trace->prob(l, h, i, j);
                    const float s = trace->maskedScore(l, h, i, j);
                    QVERIFY(std::isfinite(trace->rawScores(l, h)[i * tokens + j]));
                    if (!trace->layerMask(l).allows(i, j)) {
                        QCOMPARE(p, 0.0f);  // exactly zero, not 1e-30
                        QVERIFY(std::isinf(s) && s < 0);
                    } else {
                        QVERIFY(p >= 0.0f && p <= 1.0f);
                        QVERIFY(std::isfinite(s));
                    }
                    sum += p;
                }
                QVERIFY2(std::fabs(sum - 1.0) < 1e-5, qPrintable(QString("row sum %1").arg(sum)));
            }
}

void TestInvariants::overrideReachesLaterLayers_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QString>("mask");
    QTest::newRow("gpt2 bidirectional") << "tiny-gpt2" << "bidirectional";
    QTest::newRow("llama bidirectional") << "tiny-llama" << "bidirectional";
    QTest::newRow("bert causal") << "tiny-bert" << "causal";
    QTest::newRow("roberta causal") << "tiny-roberta" << "causal";
}

void TestInvariants::overrideReachesLaterLayers() {
    // The last query sees every key under both masks, so layer 0's last row is
    // identical; layer 1's differs only because the override changed what
    // layer 0 produced for the other positions.
    QFETCH(QString, preset);
    QFETCH(QString, mask);
    auto model = core::loadModel(m_dirs.at(preset.toStdString()));
    QVERIFY(model.ok());
    const std::vector<std::int32_t> ids = {4, 9, 16, 25, 36, 49};
    const int last = 5;
    core::RunOptions other;
    other.mask = *core::MaskMode::parse(mask.toStdString());
    auto a = (*model)->run(ids, {});
    auto b = (*model)->run(ids, other);
    QVERIFY(a.ok() && b.ok());
    QVERIFY(a->maskIsModelDefault());
    QVERIFY(!b->maskIsModelDefault());
    float layer0 = 0, layer1 = 0;
    for (int h = 0; h < 2; ++h)
        for (int j = 0; j < 6; ++j) {
            layer0 = std::max(layer0, std::fabs(a->prob(0, h, last, j) - b->prob(0, h, last, j)));
            layer1 = std::max(layer1, std::fabs(a->prob(1, h, last, j) - b->prob(1, h, last, j)));
        }
    QVERIFY2(layer0 < 1e-6f, qPrintable(QString::number(layer0)));
    QVERIFY2(layer1 > 1e-4f, qPrintable(QString::number(layer1)));
}

void TestInvariants::defaultMaskPerArchitecture() {
    auto check = [&](const char* preset, core::MaskMode expected) {
        auto m = core::loadModel(m_dirs.at(preset));
        QVERIFY(m.ok());
        QCOMPARE((*m)->defaultMask(), expected);
    };
    check("tiny-bert", core::MaskMode::bidirectional());
    check("tiny-distilbert", core::MaskMode::bidirectional());
    check("tiny-gpt2", core::MaskMode::causal());
    check("tiny-llama", core::MaskMode::causal());
    check("tiny-qwen2", core::MaskMode::causal());
    // Mistral is causal with a local window in every layer.
    check("tiny-mistral", core::MaskMode::causal());
    auto mistral = core::loadModel(m_dirs.at("tiny-mistral"));
    QVERIFY(mistral.ok());
    for (int l = 0; l < 2; ++l) QCOMPARE((*mistral)->config().layerKind(l), core::LayerKind::causalWindow(3));
    check("tiny-albert", core::MaskMode::bidirectional());
    check("tiny-electra", core::MaskMode::bidirectional());
    // Longformer: bidirectional, every layer a symmetric window (4 and 8 wide).
    check("tiny-longformer", core::MaskMode::bidirectional());
    auto longformer = core::loadModel(m_dirs.at("tiny-longformer"));
    QVERIFY(longformer.ok());
    QCOMPARE((*longformer)->config().layerKind(0), core::LayerKind::symmetricWindow(4));
    QCOMPARE((*longformer)->config().layerKind(1), core::LayerKind::symmetricWindow(8));
}

void TestInvariants::longformerGlobalTokens_data() {
    QTest::addColumn<QString>("mask");
    for (const char* m : {"default", "causal", "window:2"}) QTest::newRow(m) << QString(m);
}

void TestInvariants::longformerGlobalTokens() {
    // Several global tokens, one of them last: each global row reaches every
    // key the direction allows (through its own projections), every other
    // row its band plus the global tokens; rows sum to 1, the rest is 0.
    QFETCH(QString, mask);
    auto model = core::loadModel(m_dirs.at("tiny-longformer"));
    QVERIFY(model.ok());
    const int T = 17;
    std::vector<std::int32_t> ids;
    for (int t = 0; t < T; ++t) ids.push_back((7 * t + 3) % 50);
    core::RunOptions options;
    options.mask = *core::MaskMode::parse(mask.toStdString());
    options.globalTokens = std::vector<int>{16, 0, 5};
    options.captureScores = true;
    auto trace = (*model)->run(ids, options);
    QVERIFY2(trace.ok(), trace.ok() ? "" : trace.error().c_str());
    QVERIFY(trace->globalTokens() == (std::vector<int>{0, 5, 16}));
    const bool bidirectional = mask == "default";
    for (int l = 0; l < 2; ++l) {
        const core::LayerMask layerMask = trace->layerMask(l);
        const int reach = bidirectional ? (l == 0 ? 2 : 4) : (mask == "causal" ? (l == 0 ? 2 : 4) : 1);
        for (int h = 0; h < 2; ++h)
            for (int i = 0; i < T; ++i) {
                const bool globalRow = i == 0 || i == 5 || i == 16;
                double sum = 0;
                for (int j = 0; j < T; ++j) {
                    const float p = trace->prob(l, h, i, j);
                    const bool globalKey = j == 0 || j == 5 || j == 16;
                    const bool ahead = j > i;
                    const bool inBand = ahead ? bidirectional && j - i <= reach : i - j <= reach;
                    const bool visible = (globalRow || globalKey) ? bidirectional || !ahead : inBand;
                    QCOMPARE(layerMask.allows(i, j), visible);
                    if (visible) QVERIFY2(p > 0.0f, qPrintable(QString("l%1 h%2 (%3, %4)").arg(l).arg(h).arg(i).arg(j)));
                    else QCOMPARE(p, 0.0f);
                    sum += p;
                }
                QVERIFY2(std::fabs(sum - 1.0) < 1e-5, qPrintable(QString("row sum %1").arg(sum)));
            }
    }
}

void TestInvariants::runsAreReproducible() {
    // A run is a pure function of (model, ids, options): bit-for-bit equal
    // results whatever the heap looks like around it.
    for (const char* preset : {"tiny-llama", "tiny-gpt2", "tiny-bert"}) {
        auto model = core::loadModel(m_dirs.at(preset));
        QVERIFY(model.ok());
        std::vector<std::int32_t> ids;
        for (int t = 0; t < 37; ++t) ids.push_back((11 * t + 5) % 50);
        core::RunOptions o;
        o.captureScores = true;
        o.captureValueNorms = true;
        auto first = (*model)->run(ids, o);
        QVERIFY(first.ok());
        std::vector<std::vector<char>> clutter;
        for (int r = 0; r < 10; ++r) {
            clutter.emplace_back(static_cast<std::size_t>(1 + 13 * r));  // shift later allocations
            auto again = (*model)->run(ids, o);
            QVERIFY(again.ok());
            const std::size_t n = std::size_t(2) * 2 * 37 * 37;
            QVERIFY(std::memcmp(first->probs(0, 0), again->probs(0, 0), n * sizeof(float)) == 0);
            QVERIFY(std::memcmp(first->rawScores(0, 0), again->rawScores(0, 0), n * sizeof(float)) == 0);
            QVERIFY(std::memcmp(first->valueNorms(0, 0), again->valueNorms(0, 0), 2 * 2 * 37 * sizeof(float)) == 0);
        }
    }
}

QTEST_APPLESS_MAIN(TestInvariants)
#include "test_invariants.moc"
