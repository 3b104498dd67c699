// Every case of ../shared/golden/attention run from its TEXT (and pair):
// loadTokenizer on the case's model folder must give HF's input_ids, token
// types and pieces, and the model run on those ids must give HF's attention
// within 1e-5 (entries HF masks exactly 0).
#include "support/golden_case.h"
#include "support/golden_compare.h"
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
    const QString mismatch = test::goldenMismatch(*c, *trace);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
}

QTEST_APPLESS_MAIN(TestGoldenAttentionFromText)
#include "test_golden_attention_from_text.moc"
