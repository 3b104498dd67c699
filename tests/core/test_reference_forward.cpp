// The engine against the plain-loop reference (tests/support/reference_forward):
// every tiny fixture architecture, plus variants for the config paths the
// presets do not take (rope_scaling linear and llama3, grouped-query attention
// with more than one key/value head, llama attention biases, GPT-2's
// inverse-layer scaling, xlm-roberta, Mistral without a window), under every
// mask mode, at lengths 1, 2, 7 and the longest the model allows (33 for
// rotary models, which have no limit). Every probability within 1e-5, every
// masked entry exactly 0 in both, and the logits of the LM head. Needs no
// ../shared: a clean clone checks every layer of every family.
#include "support/fixture_models.h"
#include "support/reference_forward.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <memory>
#include <random>

using namespace attnviz;

namespace {

constexpr double kProbTolerance = 1e-5;
constexpr double kLogitTolerance = 1e-4;  // logits are O(1-10); float32 accumulates ~1e-6 relative
constexpr int kRotaryLength = 33;         // rotary models have no length limit

// A fixture model: a preset's config.json with some fields replaced.
struct Variant {
    const char* name;
    const char* preset;
    const char* patch;  // JSON object whose keys replace the preset's
};

const std::vector<Variant>& variants() {
    static const std::vector<Variant> v = {
        {"tiny-bert", "tiny-bert", "{}"},
        {"tiny-roberta", "tiny-roberta", "{}"},
        {"tiny-distilbert", "tiny-distilbert", "{}"},
        {"tiny-gpt2", "tiny-gpt2", "{}"},
        {"tiny-llama", "tiny-llama", "{}"},
        {"tiny-mistral", "tiny-mistral", "{}"},
        {"tiny-qwen2", "tiny-qwen2", "{}"},
        {"tiny-xlm-roberta", "tiny-roberta", R"({"model_type":"xlm-roberta"})"},
        {"tiny-bert-gelu-new", "tiny-bert", R"({"hidden_act":"gelu_new"})"},
        {"tiny-gpt2-inverse-layer", "tiny-gpt2", R"({"scale_attn_by_inverse_layer_idx":true})"},
        // 4 query heads on 2 key/value heads: head h reads kv head h / 2.
        {"tiny-llama-gqa-bias", "tiny-llama",
         R"({"num_attention_heads":4,"num_key_value_heads":2,"head_dim":2,"attention_bias":true})"},
        {"tiny-llama-rope-linear", "tiny-llama", R"({"rope_scaling":{"type":"linear","factor":4.0}})"},
        // headDim 8: wavelengths 6.3, 63, 628, 6283 fall in the high, high,
        // medium and low bands of llama3 scaling with these factors.
        {"tiny-llama-rope-llama3", "tiny-llama",
         R"({"head_dim":8,"rope_scaling":{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,)"
         R"("high_freq_factor":4.0,"original_max_position_embeddings":1000}})"},
        {"tiny-mistral-no-window", "tiny-mistral", R"({"sliding_window":null})"},
    };
    return v;
}

// Seeded ids over the whole vocabulary. RoBERTa-style models get no pad id
// unless asked: see padInsideRoberta.
std::vector<std::int32_t> inputIds(int length, int vocabSize, int avoid) {
    std::mt19937 rng(1000 + length);
    std::uniform_int_distribution<int> id(0, vocabSize - 1);
    std::vector<std::int32_t> ids;
    while (static_cast<int>(ids.size()) < length) {
        const int next = id(rng);
        if (next != avoid) ids.push_back(next);
    }
    return ids;
}

}  // namespace

class TestReferenceForward : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void matchesReference_data();
    void matchesReference();
    void padInsideRoberta();

private:
    // Compares probabilities and logits; an empty string when they match.
    QString mismatch(const core::AttentionTrace& trace, const test::ReferenceRun& ref, bool withLogits) const;

    QTemporaryDir m_tmp;
    std::map<QString, std::unique_ptr<core::Model>> m_models;
    std::map<QString, test::ReferenceModel> m_references;
};

void TestReferenceForward::initTestCase() {
    QVERIFY(m_tmp.isValid());
    for (const Variant& v : variants()) {
        ATTNVIZ_UNWRAP(base, core::randomModelConfig(v.preset));
        nlohmann::json config = nlohmann::json::parse(base);
        config.update(nlohmann::json::parse(v.patch));  // top-level keys replaced; null stays null
        ATTNVIZ_UNWRAP(dir, test::writeConfigFixture(m_tmp, v.name, config.dump(), 7));
        ATTNVIZ_UNWRAP(model, core::loadModel(dir));
        ATTNVIZ_UNWRAP(reference, test::ReferenceModel::load(dir));
        m_models[v.name] = std::move(model);
        m_references.emplace(v.name, std::move(reference));
    }
}

void TestReferenceForward::matchesReference_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("mask");
    QTest::addColumn<int>("length");
    QTest::addColumn<bool>("pair");
    // initTestCase loaded every variant (or failed, and no row runs).
    for (const Variant& v : variants()) {
        const auto it = m_references.find(v.name);
        if (it == m_references.end()) continue;
        const int longest = it->second.config().maxLength().value_or(kRotaryLength);
        for (const char* mask : {"default", "causal", "bidirectional", "window:2", "window:3"})
            for (int length : {1, 2, 7, longest}) {
                QTest::newRow(qPrintable(QString("%1 %2 T%3").arg(v.name, mask).arg(length)))
                    << QString(v.name) << QString(mask) << length << false;
            }
    }
    // Sentence pairs: the second segment adds token-type row 1.
    const auto bert = m_references.find("tiny-bert");
    if (bert == m_references.end()) return;
    for (const char* mask : {"default", "causal", "window:3"})
        for (int length : {2, 7, bert->second.config().maxLength().value_or(kRotaryLength)}) {
            QTest::newRow(qPrintable(QString("tiny-bert pair %1 T%2").arg(mask).arg(length)))
                << QString("tiny-bert") << QString(mask) << length << true;
        }
}

void TestReferenceForward::matchesReference() {
    QFETCH(QString, model);
    QFETCH(QString, mask);
    QFETCH(int, length);
    QFETCH(bool, pair);
    QVERIFY(m_models.count(model) == 1 && m_references.count(model) == 1);
    const core::Model& engine = *m_models.at(model);
    const test::ReferenceModel& reference = m_references.at(model);
    const test::ReferenceConfig& c = reference.config();

    ATTNVIZ_UNWRAP(mode, core::MaskMode::parse(mask.toStdString()));
    const std::vector<std::int32_t> ids = inputIds(length, c.vocabSize, c.robertaPositions ? c.padTokenId : -1);
    std::vector<std::int32_t> types;
    if (pair) {
        for (int t = 0; t < length; ++t) types.push_back(t < length / 2 ? 0 : 1);
    }

    ATTNVIZ_UNWRAP(expected, reference.run(ids, types, mode));
    core::RunOptions options;
    options.mask = mode;
    options.tokenTypeIds = types;
    ATTNVIZ_UNWRAP(trace, engine.run(ids, options));
    QCOMPARE(QString::fromStdString(trace.mask().toString()), QString::fromStdString(expected.mask.toString()));
    QString why = mismatch(trace, expected, false);
    QVERIFY2(why.isEmpty(), qPrintable(why));

    // With logits the last layer's FFN runs too; the attention must not change.
    options.computeLogits = true;
    ATTNVIZ_UNWRAP(withLogits, engine.run(ids, options));
    why = mismatch(withLogits, expected, true);
    QVERIFY2(why.isEmpty(), qPrintable(why));
}

// Hugging Face's RoBERTa gives a pad token inside the input the pad position
// and does not count it (create_position_ids_from_input_ids); the engine
// numbers positions pad + 1 + t whatever the ids are. The reference follows
// Hugging Face, so the two differ after an inner pad token.
void TestReferenceForward::padInsideRoberta() {
    QVERIFY(m_models.count("tiny-roberta") == 1 && m_references.count("tiny-roberta") == 1);
    const test::ReferenceModel& reference = m_references.at("tiny-roberta");
    const int pad = reference.config().padTokenId;
    std::vector<std::int32_t> ids = inputIds(7, reference.config().vocabSize, pad);
    ids[3] = pad;
    ATTNVIZ_UNWRAP(expected, reference.run(ids, {}, core::MaskMode::defaultMode()));
    ATTNVIZ_UNWRAP(trace, m_models.at("tiny-roberta")->run(ids, core::RunOptions{}));
    const QString why = mismatch(trace, expected, false);
    QEXPECT_FAIL("", "core numbers RoBERTa positions without skipping pad tokens", Continue);
    QVERIFY2(why.isEmpty(), qPrintable(why));
}

QString TestReferenceForward::mismatch(const core::AttentionTrace& trace, const test::ReferenceRun& ref,
                                       bool withLogits) const {
    if (trace.nLayers() != ref.nLayers || trace.nHeads() != ref.nHeads || trace.seqLen() != ref.seqLen) {
        return QString("shape %1x%2x%3, reference %4x%5x%6")
            .arg(trace.nLayers()).arg(trace.nHeads()).arg(trace.seqLen())
            .arg(ref.nLayers).arg(ref.nHeads).arg(ref.seqLen);
    }
    const int T = ref.seqLen;
    double worst = 0;
    QString where;
    for (int l = 0; l < ref.nLayers; ++l)
        for (int h = 0; h < ref.nHeads; ++h)
            for (int i = 0; i < T; ++i)
                for (int j = 0; j < T; ++j) {
                    const double expected = ref.prob(l, h, i, j);
                    const float got = trace.prob(l, h, i, j);
                    const QString cell = QString("layer %1 head %2 [%3][%4]").arg(l).arg(h).arg(i).arg(j);
                    if (!ref.visible(i, j)) {
                        if (expected != 0.0) return cell + QString(": masked, reference has %1").arg(expected);
                        if (got != 0.0f) return cell + QString(": masked, engine has %1").arg(got);
                        continue;
                    }
                    if (!(std::fabs(got - expected) <= worst)) {
                        worst = std::fabs(got - expected);
                        where = cell + QString(": engine %1, reference %2").arg(got, 0, 'g', 9).arg(expected, 0, 'g', 9);
                    }
                }
    if (!(worst <= kProbTolerance)) return QString("max |engine - reference| = %1 at %2").arg(worst).arg(where);
    if (!withLogits) return {};

    if (static_cast<int>(trace.logits.size()) != T * ref.vocabSize || ref.logits.size() != trace.logits.size()) {
        return QString("%1 logits, reference %2").arg(trace.logits.size()).arg(ref.logits.size());
    }
    for (std::size_t n = 0; n < ref.logits.size(); ++n) {
        if (!(std::fabs(trace.logits[n] - ref.logits[n]) <= kLogitTolerance)) {
            return QString("logit [%1][%2]: engine %3, reference %4")
                .arg(n / ref.vocabSize).arg(n % ref.vocabSize).arg(trace.logits[n], 0, 'g', 9).arg(ref.logits[n], 0, 'g', 9);
        }
    }
    return {};
}

QTEST_APPLESS_MAIN(TestReferenceForward)
#include "test_reference_forward.moc"
