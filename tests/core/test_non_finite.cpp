// NaN and Inf never come out as numbers: a norm gain or bias holding one is
// refused at load naming the tensor; a weight matrix holding one stops the
// run with an error naming the first layer whose attention scores it
// reached and the tensor that holds it; NaN logits stop a run that asked
// for them.
#include "support/fixture_models.h"
#include "support/tensor_edit.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"
#include "attnviz/core/weight_store.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <limits>

using namespace attnviz;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

}  // namespace

class TestNonFinite : public QObject {
    Q_OBJECT

private slots:
    void normGainRefusedAtLoad_data();
    void normGainRefusedAtLoad();
    void matrixStopsTheRunAtItsLayer_data();
    void matrixStopsTheRunAtItsLayer();
    void transposedMatrixNamesTheStoredIndex();
    void overflowIsNotBlamedOnAWeight();
    void nanLogits();

private:
    QTemporaryDir m_tmp;
};

void TestNonFinite::normGainRefusedAtLoad_data() {
    QTest::addColumn<QString>("tensor");
    QTest::addColumn<float>("value");
    QTest::addColumn<QString>("what");
    QTest::newRow("nan gain") << "transformer.h.1.ln_1.weight" << kNaN << "holds NaN at index 3";
    QTest::newRow("inf bias") << "transformer.h.0.attn.c_attn.bias" << kInf << "holds an infinite value at index 3";
}

void TestNonFinite::normGainRefusedAtLoad() {
    QFETCH(QString, tensor);
    QFETCH(float, value);
    QFETCH(QString, what);
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-gpt2"));
    test::editTensor(dir, tensor.toStdString(), [&](std::vector<float>& v) { v[3] = value; });
    auto model = core::loadModel(dir);
    QVERIFY(!model.ok());
    QCOMPARE(test::codeName(model.code()), test::codeName(core::ErrorCode::CorruptFile));
    QVERIFY2(QString::fromStdString(model.error()).contains(QStringLiteral("tensor '%1'").arg(tensor)), model.error().c_str());
    QVERIFY2(QString::fromStdString(model.error()).contains(what), model.error().c_str());
    QVERIFY2(QString::fromStdString(model.error()).contains(QStringLiteral("model.safetensors")), model.error().c_str());
}

void TestNonFinite::matrixStopsTheRunAtItsLayer_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QString>("tensor");
    QTest::addColumn<int>("layer");
    QTest::newRow("gpt2 layer 1 qkv") << "tiny-gpt2" << "transformer.h.1.attn.c_attn.weight" << 1;
    QTest::newRow("gpt2 layer 0 mlp") << "tiny-gpt2" << "transformer.h.0.mlp.c_fc.weight" << 1;
    QTest::newRow("llama embeddings") << "tiny-llama" << "model.embed_tokens.weight" << 0;
    QTest::newRow("bert layer 1 key") << "tiny-bert" << "bert.encoder.layer.1.attention.self.key.weight" << 1;
}

void TestNonFinite::matrixStopsTheRunAtItsLayer() {
    QFETCH(QString, preset);
    QFETCH(QString, tensor);
    QFETCH(int, layer);
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, preset.toStdString()));
    // Every entry NaN: whichever rows the ids pick, the NaN reaches the scores.
    test::editTensor(dir, tensor.toStdString(), [](std::vector<float>& v) { std::fill(v.begin(), v.end(), kNaN); });
    ATTNVIZ_UNWRAP(model, core::loadModel(dir));
    const std::vector<std::int32_t> ids{3, 1, 4, 1, 5};
    auto trace = model->run(ids, core::RunOptions{});
    QVERIFY(!trace.ok());
    QCOMPARE(test::codeName(trace.code()), test::codeName(core::ErrorCode::CorruptFile));
    QVERIFY2(QString::fromStdString(trace.error()).contains(QStringLiteral("attention scores of layer %1 ").arg(layer)),
             trace.error().c_str());
    // The scan that runs on this error names the tensor holding the NaN.
    const QString error = QString::fromStdString(trace.error());
    QVERIFY2(error.contains(QStringLiteral("tensor '%1' in '").arg(tensor)) &&
                 error.contains(QStringLiteral("model.safetensors' holds NaN at index 0")),
             trace.error().c_str());
}

void TestNonFinite::transposedMatrixNamesTheStoredIndex() {
    // tiny-bert's key matrix (8, 8) is kept transposed (WeightStore::
    // convertLayersLazily); one NaN at row 1, column 5 of the file is still
    // named at index 13, where it is in the file (41 in the transposed copy).
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-bert"));
    const std::string tensor = "bert.encoder.layer.1.attention.self.key.weight";
    test::editTensor(dir, tensor, [](std::vector<float>& v) { v[1 * 8 + 5] = kNaN; });
    ATTNVIZ_UNWRAP(model, core::loadModel(dir));
    QVERIFY(model->weightStore() != nullptr && model->weightStore()->keepsMatricesTransposed());
    auto trace = model->run(std::vector<std::int32_t>{3, 1, 4, 1, 5}, core::RunOptions{});
    QVERIFY(!trace.ok());
    QVERIFY2(trace.error().find("tensor '" + tensor + "' in '") != std::string::npos &&
                 trace.error().find("model.safetensors' holds NaN at index 13") != std::string::npos,
             trace.error().c_str());
}

void TestNonFinite::overflowIsNotBlamedOnAWeight() {
    // Finite but huge query weights: the scores overflow float32 without any
    // weight holding NaN or Inf, and the error says so.
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-llama"));
    test::editTensor(dir, "model.layers.1.self_attn.q_proj.weight", [](std::vector<float>& v) { std::fill(v.begin(), v.end(), 3e38f); });
    test::editTensor(dir, "model.layers.1.self_attn.k_proj.weight", [](std::vector<float>& v) { std::fill(v.begin(), v.end(), 3e38f); });
    ATTNVIZ_UNWRAP(model, core::loadModel(dir));
    const std::vector<std::int32_t> ids{3, 1, 4, 1, 5};
    auto trace = model->run(ids, core::RunOptions{});
    QVERIFY(!trace.ok());
    QVERIFY2(QString::fromStdString(trace.error()).contains(QStringLiteral("attention scores of layer 1 ")), trace.error().c_str());
    QVERIFY2(QString::fromStdString(trace.error()).contains(QStringLiteral("no weight up to layer 1 holds NaN or Inf")),
             trace.error().c_str());
}

void TestNonFinite::nanLogits() {
    // A NaN in an embedding row no id uses: attention is fine, the tied LM
    // head's logits are not.
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-gpt2"));
    test::editTensor(dir, "transformer.wte.weight", [](std::vector<float>& v) { v[49 * 8] = kNaN; });
    ATTNVIZ_UNWRAP(model, core::loadModel(dir));
    const std::vector<std::int32_t> ids{3, 1, 4};
    core::RunOptions options;
    QVERIFY(model->run(ids, options).ok());
    options.computeLogits = true;
    auto withLogits = model->run(ids, options);
    QVERIFY(!withLogits.ok());
    QVERIFY2(QString::fromStdString(withLogits.error()).contains(QStringLiteral("logits are NaN or infinite")),
             withLogits.error().c_str());
    QVERIFY2(QString::fromStdString(withLogits.error()).contains(QStringLiteral("tensor 'transformer.wte.weight' in '")) &&
                 QString::fromStdString(withLogits.error()).contains(QStringLiteral("model.safetensors' holds NaN at index 392")),
             withLogits.error().c_str());
}

QTEST_APPLESS_MAIN(TestNonFinite)
#include "test_non_finite.moc"
