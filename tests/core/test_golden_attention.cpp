// Every case of ../shared/golden/attention, ../shared/golden/archs/attention
// and ../shared/golden/gguf/attention (Hugging Face eager reference): same ids in, attention within 1e-5 out,
// masked entries exactly 0, each layer's kind (global / local:W) as the case
// records it, and the LM-head logits of the recorded top-5 ids within 1e-4.
#include "support/golden_case.h"
#include "support/golden_compare.h"
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"

#include <QtTest>

#include <cmath>
#include <map>
#include <memory>

using namespace attnviz;

class TestGoldenAttention : public QObject {
    Q_OBJECT

private slots:
    void fromIds_data();
    void fromIds();

private:
    // Loaded once per folder.
    core::Result<const core::Model*> model(const std::filesystem::path& dir);
    std::map<std::string, std::unique_ptr<core::Model>> m_models;
};

core::Result<const core::Model*> TestGoldenAttention::model(const std::filesystem::path& dir) {
    auto& slot = m_models[dir.string()];
    if (!slot) {
        auto loaded = core::loadModel(dir);
        if (!loaded) return loaded.takeError();
        slot = std::move(loaded.value());
    }
    return slot.get();
}

void TestGoldenAttention::fromIds_data() {
    QTest::addColumn<QString>("file");
    const auto golden = test::goldenDir();
    if (!golden) return;
    for (const auto& f : test::goldenCaseFiles(*golden)) {
        QTest::newRow(f.stem().string().c_str()) << QString::fromStdString(f.string());
    }
    // archs: more architectures; gguf: GGUF files (quantised too) read by
    // Hugging Face's own GGUF loader.
    for (const char* set : {"archs", "gguf"}) {
        if (!std::filesystem::is_directory(*golden / set / "attention")) continue;
        for (const auto& f : test::goldenCaseFiles(*golden / set)) {
            QTest::newRow(f.stem().string().c_str()) << QString::fromStdString(f.string());
        }
    }
}

void TestGoldenAttention::fromIds() {
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "golden reference folder");
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "shared models folder");
    QFETCH(QString, file);
    auto c = test::loadGoldenCase(file.toStdString(), test::goldenSetRoot(file.toStdString()), models);
    QVERIFY2(c.ok(), c.ok() ? "" : c.error().c_str());

    ATTNVIZ_UNWRAP(m, model(c->modelDir));
    auto mask = core::MaskMode::parse(c->mask);
    QVERIFY(mask.ok());
    core::RunOptions options;
    options.mask = *mask;
    options.tokenTypeIds = c->tokenTypeIds;
    options.globalTokens = c->globalTokens;
    options.computeLogits = !c->top5Ids.empty();
    auto trace = m->run(c->inputIds, options);
    QVERIFY2(trace.ok(), trace.ok() ? "" : trace.error().c_str());
    const QString mismatch = test::goldenMismatch(*c, *trace);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    for (std::size_t l = 0; l < c->layerKinds.size(); ++l) {
        QCOMPARE(QString::fromStdString(trace->layerKind(static_cast<int>(l)).toString()),
                 QString::fromStdString(c->layerKinds[l]));
    }

    // Logits of the ids HF ranked top-5 at every position.
    if (options.computeLogits) {
        QCOMPARE(trace->logits.size(), static_cast<std::size_t>(c->seqLen) * trace->vocabSize);
        float worstLogit = 0.0f;
        for (int i = 0; i < c->seqLen; ++i)
            for (int r = 0; r < 5; ++r) {
                const std::size_t k = static_cast<std::size_t>(i) * 5 + r;
                const float got = trace->logits[static_cast<std::size_t>(i) * trace->vocabSize + c->top5Ids[k]];
                worstLogit = std::max(worstLogit, std::fabs(got - c->top5Logits[k]));
            }
        QVERIFY2(worstLogit <= 1e-4f, qPrintable(QString("max |logit - HF| = %1").arg(worstLogit)));
    }
}

QTEST_APPLESS_MAIN(TestGoldenAttention)
#include "test_golden_attention.moc"
