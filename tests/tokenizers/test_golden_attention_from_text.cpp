// Every case of ../shared/golden/attention, ../shared/golden/archs/attention
// and ../shared/golden/gguf/attention (the tokenizer of the GGUF file's
// metadata) run from its TEXT (and pair): loadTokenizer on the case's model folder must
// give HF's input_ids, token types and pieces (`tokens`, no weights loaded),
// and the model run on those ids must give HF's attention within 1e-5
// (entries HF masks exactly 0) (`fromText`).
#include "support/golden_case.h"
#include "support/golden_compare.h"
#include "support/test_paths.h"
#include "support/verify_result.h"

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
    void tokens_data() { addCases(); }
    void tokens();
    void fromText_data() { addCases(); }
    void fromText();

private:
    void addCases();
    // The case of the current row and its tokenizer's encoding of the text.
    struct Encoded {
        test::GoldenCase golden;
        core::Encoding encoding;
    };
    core::Result<Encoded> encodeCase(const QString& file);
    core::Result<const core::Tokenizer*> tokenizer(const std::filesystem::path& dir);

    std::map<std::string, std::unique_ptr<core::Model>> m_models;
    std::map<std::string, std::unique_ptr<core::Tokenizer>> m_tokenizers;
};

void TestGoldenAttentionFromText::addCases() {
    QTest::addColumn<QString>("file");
    const auto golden = test::goldenDir();
    if (!golden) return;
    // The first set's rows keep their plain names; the archs rows too (their
    // model names differ).
    for (const auto& root : {*golden, *golden / "archs", *golden / "gguf"}) {
        if (!std::filesystem::is_directory(root / "attention")) continue;
        for (const auto& f : test::goldenCaseFiles(root)) {
            QTest::newRow(f.stem().string().c_str()) << QString::fromStdString(f.string());
        }
    }
}

core::Result<const core::Tokenizer*> TestGoldenAttentionFromText::tokenizer(const std::filesystem::path& dir) {
    auto& slot = m_tokenizers[dir.string()];
    if (!slot) {
        // Only the tokenizer files (and config.json's model_type): no weights.
        auto loaded = core::loadTokenizer(dir);
        if (!loaded) return loaded.takeError();
        slot = std::move(loaded.value());
    }
    return static_cast<const core::Tokenizer*>(slot.get());
}

core::Result<TestGoldenAttentionFromText::Encoded> TestGoldenAttentionFromText::encodeCase(const QString& file) {
    const auto models = test::modelsDir();
    const std::filesystem::path path = file.toStdString();
    // Cases of the first set may name ../shared/models/stories260K.
    auto c = test::loadGoldenCase(path, test::goldenSetRoot(path), models.value_or(std::filesystem::path()));
    if (!c) return c.takeError();
    auto tok = tokenizer(c->modelDir);
    if (!tok) return tok.takeError();
    auto enc = c->pair ? (*tok)->encode(c->text, std::string_view(*c->pair)) : (*tok)->encode(c->text);
    if (!enc) return enc.takeError();
    return Encoded{std::move(c.value()), std::move(enc.value())};
}

void TestGoldenAttentionFromText::tokens() {
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "golden reference folder");
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "shared models folder");
    QFETCH(QString, file);
    ATTNVIZ_UNWRAP(e, encodeCase(file));
    QCOMPARE(e.encoding.ids(), e.golden.inputIds);
    if (!e.golden.tokenTypeIds.empty()) QCOMPARE(e.encoding.typeIds(), e.golden.tokenTypeIds);
    std::vector<std::string> pieces;
    for (const core::Token& t : e.encoding.tokens) pieces.push_back(t.piece);
    QCOMPARE(pieces, e.golden.tokens);
}

void TestGoldenAttentionFromText::fromText() {
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "golden reference folder");
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "shared models folder");
    QFETCH(QString, file);
    ATTNVIZ_UNWRAP(e, encodeCase(file));
    const test::GoldenCase& c = e.golden;
    QCOMPARE(e.encoding.ids(), c.inputIds);

    auto& modelSlot = m_models[c.modelDir.string()];
    if (!modelSlot) {
        auto loaded = core::loadModel(c.modelDir);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().c_str());
        modelSlot = std::move(loaded.value());
    }
    auto mask = core::MaskMode::parse(c.mask);
    QVERIFY(mask.ok());
    core::RunOptions options;
    options.mask = *mask;
    // The tokenizer's types, which must be what the model expects.
    if (!c.tokenTypeIds.empty()) options.tokenTypeIds = e.encoding.typeIds();
    options.globalTokens = c.globalTokens;
    const auto ids = e.encoding.ids();
    auto trace = modelSlot->run(ids, options);
    QVERIFY2(trace.ok(), trace.ok() ? "" : trace.error().c_str());
    const QString mismatch = test::goldenMismatch(c, *trace);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
}

QTEST_APPLESS_MAIN(TestGoldenAttentionFromText)
#include "test_golden_attention_from_text.moc"
