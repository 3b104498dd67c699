// Every case of ../shared/golden/attention run from its TEXT (and pair):
// loadTokenizer on the case's model folder must give HF's input_ids, token
// types and pieces, and the model run on those ids must give HF's attention
// within 1e-5 (entries HF masks exactly 0).
#include "support/golden_case.h"
#include "support/test_paths.h"

#include "attnviz/core/model.h"
#include "attnviz/core/tokenizer.h"

#include <QtTest>

#include <cmath>
#include <map>
#include <memory>

using namespace attnviz;

class TestGoldenAttentionFromText : public QObject {
    Q_OBJECT

private slots:
    void fromText_data();
    void fromText();

private:
    std::map<std::string, std::unique_ptr<core::Model>> m_models;
    std::map<std::string, std::unique_ptr<core::Tokenizer>> m_tokenizers;
};

void TestGoldenAttentionFromText::fromText_data() {
    QTest::addColumn<QString>("file");
    const auto golden = test::goldenDir();
    if (!golden) return;
    for (const auto& f : test::goldenCaseFiles(*golden)) {
        QTest::newRow(f.stem().string().c_str()) << QString::fromStdString(f.string());
    }
}

void TestGoldenAttentionFromText::fromText() {
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "golden reference folder");
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "shared models folder");
    QFETCH(QString, file);
    auto c = test::loadGoldenCase(file.toStdString(), golden, models);
    QVERIFY2(c.ok(), c.ok() ? "" : c.error().c_str());

    auto& tokSlot = m_tokenizers[c->modelDir.string()];
    if (!tokSlot) {
        auto loaded = core::loadTokenizer(c->modelDir);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().c_str());
        tokSlot = std::move(loaded.value());
    }
    const auto enc = c->pair ? tokSlot->encode(c->text, std::string_view(*c->pair)) : tokSlot->encode(c->text);
    QVERIFY2(enc.ok(), enc.ok() ? "" : enc.error().c_str());
    QCOMPARE(enc->ids(), c->inputIds);
    if (!c->tokenTypeIds.empty()) QCOMPARE(enc->typeIds(), c->tokenTypeIds);
    std::vector<std::string> pieces;
    for (const core::Token& t : enc->tokens) pieces.push_back(t.piece);
    QCOMPARE(pieces, c->tokens);

    auto& modelSlot = m_models[c->modelDir.string()];
    if (!modelSlot) {
        auto loaded = core::loadModel(c->modelDir);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().c_str());
        modelSlot = std::move(loaded.value());
    }
    auto mask = core::MaskMode::parse(c->mask);
    QVERIFY(mask.ok());
    core::RunOptions options;
    options.mask = *mask;
    // The tokenizer's types, which must be what the model expects.
    if (!c->tokenTypeIds.empty()) options.tokenTypeIds = enc->typeIds();
    const auto ids = enc->ids();
    auto trace = modelSlot->run(ids, options);
    QVERIFY2(trace.ok(), trace.ok() ? "" : trace.error().c_str());
    QCOMPARE(trace->nLayers(), c->nLayers);
    QCOMPARE(trace->nHeads(), c->nHeads);
    QCOMPARE(trace->seqLen(), c->seqLen);
    float worst = 0.0f;
    for (int l = 0; l < c->nLayers; ++l)
        for (int h = 0; h < c->nHeads; ++h)
            for (int i = 0; i < c->seqLen; ++i)
                for (int j = 0; j < c->seqLen; ++j) {
                    const float expected = c->at(l, h, i, j);
                    const float got = trace->prob(l, h, i, j);
                    if (expected == 0.0f && got != 0.0f) {
                        QFAIL(qPrintable(QString("layer %1 head %2 [%3][%4]: HF masks this entry (0.0), we have %5")
                                             .arg(l).arg(h).arg(i).arg(j).arg(got)));
                    }
                    worst = std::max(worst, std::fabs(got - expected));
                }
    QVERIFY2(worst <= 1e-5f, qPrintable(QString("max |attention - HF| = %1").arg(worst)));
}

QTEST_APPLESS_MAIN(TestGoldenAttentionFromText)
#include "test_golden_attention_from_text.moc"
