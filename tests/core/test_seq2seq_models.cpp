// Encoder-decoder models beyond the golden fixtures: every make-model preset
// of the family loads with nothing missing or unused and gives proper
// probabilities (rows sum to 1, causal decoder, masks applied); generation
// steps equal the rows of one teacher-forced run; mask overrides, cancel,
// bad ids, bad configs and missing tensors give clear errors.
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "seq2seq/seq2seq_attention.h"

#include "attnviz/core/random_model.h"
#include "attnviz/core/seq2seq_model.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <random>

using namespace attnviz;

class TestSeq2SeqModels : public QObject {
    Q_OBJECT

private slots:
    void relativeBuckets();
    void presetsRun_data();
    void presetsRun();
    void maskOverrides();
    void generationMatchesTeacherForcing_data();
    void generationMatchesTeacherForcing();
    void cancel();
    void badInput();
    void badConfigs_data();
    void badConfigs();
    void missingTensor();
};

namespace {

std::filesystem::path writePreset(const QTemporaryDir& tmp, const std::string& preset, float qkScale = 1.0f) {
    const std::filesystem::path dir = std::filesystem::path(tmp.path().toStdString()) / preset;
    auto config = core::randomModelConfig(preset);
    if (!config) return {};
    core::RandomModelOptions options;
    options.seed = 7;
    options.weightStd = 0.2f;
    options.qkScale = qkScale;
    if (!core::writeRandomModel(*config, dir, options)) return {};
    return dir;
}

std::vector<std::int32_t> randomIds(int n, int vocab, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> pick(0, vocab - 1);
    std::vector<std::int32_t> ids(static_cast<std::size_t>(n));
    for (auto& id : ids) id = pick(rng);
    return ids;
}

// The largest |row sum - 1| over (rows, cols) matrices of every head.
template <class Probs>
double worstRowSum(int nLayers, int nHeads, int rows, int cols, Probs probs) {
    double worst = 0;
    for (int l = 0; l < nLayers; ++l) {
        for (int h = 0; h < nHeads; ++h) {
            const float* m = probs(l, h);
            for (int i = 0; i < rows; ++i) {
                double sum = 0;
                for (int j = 0; j < cols; ++j) sum += m[static_cast<std::size_t>(i) * cols + j];
                worst = std::max(worst, std::fabs(sum - 1.0));
            }
        }
    }
    return worst;
}

// Entries above the diagonal that are not exactly 0.
int nonZeroAboveDiagonal(const core::AttentionTrace& t) {
    int count = 0;
    for (int l = 0; l < t.nLayers(); ++l)
        for (int h = 0; h < t.nHeads(); ++h)
            for (int i = 0; i < t.seqLen(); ++i)
                for (int j = i + 1; j < t.seqLen(); ++j) count += t.prob(l, h, i, j) != 0.0f;
    return count;
}

const std::vector<std::string> kTinyPresets = {"tiny-t5", "tiny-flan-t5", "tiny-bart", "tiny-marian"};

}  // namespace

// T5's relative position buckets for distances up to 300 (the logarithmic
// buckets and their float32 truncation), against transformers' own
// function (tests/data/t5_relative_buckets.json says how it was made).
void TestSeq2SeqModels::relativeBuckets() {
    std::ifstream in(test::testDataDir() / "t5_relative_buckets.json");
    QVERIFY(in.good());
    const nlohmann::json expected = nlohmann::json::parse(in);
    const auto relative = expected["relative"].get<std::vector<int>>();
    int checked = 0;
    for (const auto& c : expected["cases"]) {
        const auto buckets = c["bucket"].get<std::vector<int>>();
        for (std::size_t i = 0; i < relative.size(); ++i) {
            const int got = core::t5RelativeBucket(relative[i], c["bidirectional"].get<bool>(), c["buckets"].get<int>(),
                                                   c["max_distance"].get<int>());
            QVERIFY2(got == buckets[i], qPrintable(QString("relative %1, %2 buckets, max distance %3: %4, expected %5")
                                                       .arg(relative[i]).arg(c["buckets"].get<int>())
                                                       .arg(c["max_distance"].get<int>()).arg(got).arg(buckets[i])));
            ++checked;
        }
    }
    QCOMPARE(checked, 8 * 601);
}

void TestSeq2SeqModels::presetsRun_data() {
    QTest::addColumn<QString>("preset");
    for (const auto& p : kTinyPresets) QTest::newRow(p.c_str()) << QString::fromStdString(p);
}

void TestSeq2SeqModels::presetsRun() {
    QFETCH(QString, preset);
    QTemporaryDir tmp;
    const auto dir = writePreset(tmp, preset.toStdString());
    QVERIFY(!dir.empty());
    ATTNVIZ_UNWRAP(model, core::loadSeq2SeqModel(dir));
    QVERIFY2(model->loadWarnings().empty(), model->loadWarnings().empty() ? "" : model->loadWarnings().front().c_str());
    const auto& c = model->config();
    const auto source = randomIds(11, c.vocabSize, 1);
    const auto decoder = model->teacherForcedInput(randomIds(7, c.vocabSize, 2));
    QCOMPARE(decoder.front(), c.decoderStartTokenId);
    core::Seq2SeqRunOptions options;
    options.computeLogits = true;
    options.logitPositions = {6, 0};
    ATTNVIZ_UNWRAP(trace, model->run(source, decoder, options));
    QCOMPARE(trace.encoder.nLayers(), c.encoder.nLayers);
    QCOMPARE(trace.decoder.nHeads(), c.decoder.nHeads);
    QCOMPARE(trace.cross.rows(), 7);
    QCOMPARE(trace.cross.cols(), 11);
    QVERIFY(worstRowSum(c.encoder.nLayers, c.encoder.nHeads, 11, 11, [&](int l, int h) { return trace.encoder.probs(l, h); }) < 1e-5);
    QVERIFY(worstRowSum(c.decoder.nLayers, c.decoder.nHeads, 7, 7, [&](int l, int h) { return trace.decoder.probs(l, h); }) < 1e-5);
    QVERIFY(worstRowSum(c.decoder.nLayers, c.decoder.nHeads, 7, 11, [&](int l, int h) { return trace.cross.probs(l, h); }) < 1e-5);
    QCOMPARE(nonZeroAboveDiagonal(trace.decoder), 0);
    QVERIFY(nonZeroAboveDiagonal(trace.encoder) > 0);  // bidirectional
    QVERIFY(trace.decoder.maskIsModelDefault());
    // Logits only at the asked positions, in the asked order.
    QCOMPARE(trace.decoder.logits.size(), std::size_t(2) * c.vocabSize);
    QVERIFY(trace.decoder.logitsAt(6) != nullptr && trace.decoder.logitsAt(3) == nullptr);
    core::Seq2SeqRunOptions all;
    all.computeLogits = true;
    ATTNVIZ_UNWRAP(full, model->run(source, decoder, all));
    for (int v = 0; v < c.vocabSize; ++v) QCOMPARE(trace.decoder.logitsAt(6)[v], full.decoder.logitsAt(6)[v]);
}

void TestSeq2SeqModels::maskOverrides() {
    QTemporaryDir tmp;
    const auto dir = writePreset(tmp, "tiny-t5");
    ATTNVIZ_UNWRAP(model, core::loadSeq2SeqModel(dir));
    const auto source = randomIds(9, 60, 3);
    const auto decoder = randomIds(6, 60, 4);
    core::Seq2SeqRunOptions options;
    options.encoderMask = core::MaskMode::causal();
    options.decoderMask = core::MaskMode::bidirectional();
    ATTNVIZ_UNWRAP(trace, model->run(source, decoder, options));
    QCOMPARE(nonZeroAboveDiagonal(trace.encoder), 0);
    QVERIFY(nonZeroAboveDiagonal(trace.decoder) > 0);
    QVERIFY(!trace.encoder.maskIsModelDefault());
    QCOMPARE(trace.encoder.mask(), core::MaskMode::causal());
    options.encoderMask = core::MaskMode::slidingWindow(2);
    ATTNVIZ_UNWRAP(windowed, model->run(source, decoder, options));
    for (int i = 0; i < 9; ++i)
        for (int j = 0; j < 9; ++j)
            if (j > i || j < i - 1) QCOMPARE(windowed.encoder.prob(0, 0, i, j), 0.0f);
    // The cross-attention sees every source token under any override.
    for (int j = 0; j < 9; ++j) QVERIFY(windowed.cross.prob(0, 0, 5, j) > 0.0f);
}

void TestSeq2SeqModels::generationMatchesTeacherForcing_data() { presetsRun_data(); }

void TestSeq2SeqModels::generationMatchesTeacherForcing() {
    QFETCH(QString, preset);
    QTemporaryDir tmp;
    const auto dir = writePreset(tmp, preset.toStdString(), 1.0f);
    ATTNVIZ_UNWRAP(model, core::loadSeq2SeqModel(dir));
    const auto& c = model->config();
    const auto source = randomIds(10, c.vocabSize, 5);
    core::GenerateOptions options;
    options.maxNewTokens = 12;
    ATTNVIZ_UNWRAP(gen, model->generate(source, options));
    QVERIFY(!gen.steps.empty());
    const std::vector<std::int32_t> fed(gen.decoderIds.begin(), gen.decoderIds.end() - 1);
    core::Seq2SeqRunOptions run;
    run.computeLogits = true;
    ATTNVIZ_UNWRAP(full, model->run(source, fed, run));
    const int T = static_cast<int>(fed.size());
    float worst = 0;
    for (int s = 0; s < static_cast<int>(gen.steps.size()); ++s) {
        // greedy: the argmax of the teacher-forced logits
        const float* logits = full.decoder.logitsAt(s);
        const int argmax = static_cast<int>(std::max_element(logits, logits + c.vocabSize) - logits);
        QCOMPARE(gen.steps[static_cast<std::size_t>(s)].id, argmax);
        for (int l = 0; l < c.decoder.nLayers; ++l) {
            for (int h = 0; h < c.decoder.nHeads; ++h) {
                for (int j = 0; j <= s; ++j) {
                    worst = std::max(worst, std::fabs(full.decoder.prob(l, h, s, j) - gen.steps[static_cast<std::size_t>(s)].self.prob(l, h, 0, j)));
                }
                for (int j = 0; j < 10; ++j) {
                    worst = std::max(worst, std::fabs(full.cross.prob(l, h, s, j) - gen.steps[static_cast<std::size_t>(s)].cross.prob(l, h, 0, j)));
                }
            }
        }
    }
    qInfo("largest step-row difference: %g", worst);
    QVERIFY(worst <= 1e-6f);
    QCOMPARE(static_cast<int>(gen.steps.size()), T);
    // EOS stops (the step that emitted it is the last), else the limit.
    QVERIFY(gen.stoppedAtEos ? gen.decoderIds.back() == c.eosTokenId : gen.steps.size() == 12);
    // Sampling: the same seed gives the same tokens; top-k 1 is greedy.
    options.temperature = 1.5;
    options.seed = 11;
    ATTNVIZ_UNWRAP(a, model->generate(source, options));
    ATTNVIZ_UNWRAP(b, model->generate(source, options));
    QCOMPARE(a.decoderIds, b.decoderIds);
    options.topK = 1;
    ATTNVIZ_UNWRAP(k1, model->generate(source, options));
    QCOMPARE(k1.decoderIds, gen.decoderIds);
}

void TestSeq2SeqModels::cancel() {
    QTemporaryDir tmp;
    const auto dir = writePreset(tmp, "tiny-bart");
    ATTNVIZ_UNWRAP(model, core::loadSeq2SeqModel(dir));
    std::atomic<bool> stop{true};
    core::Seq2SeqRunOptions options;
    options.cancel = &stop;
    auto run = model->run(randomIds(5, 60, 1), randomIds(5, 60, 2), options);
    QVERIFY(!run);
    QCOMPARE(run.code(), core::ErrorCode::Cancelled);
    core::GenerateOptions g;
    int calls = 0;
    g.progress = [&](int, int) { return ++calls < 3; };
    auto gen = model->generate(randomIds(5, 60, 1), g);
    QVERIFY(!gen);
    QCOMPARE(gen.code(), core::ErrorCode::Cancelled);
    QCOMPARE(calls, 3);
}

void TestSeq2SeqModels::badInput() {
    QTemporaryDir tmp;
    const auto dir = writePreset(tmp, "tiny-marian");
    ATTNVIZ_UNWRAP(model, core::loadSeq2SeqModel(dir));
    const std::vector<std::int32_t> ok{3, 4, 5};
    struct Case {
        std::vector<std::int32_t> source, decoder;
        const char* message;
    };
    const std::vector<Case> cases = {
        {{}, ok, "the source has no tokens"},
        {ok, {}, "the decoder input has no tokens"},
        {{3, 60}, ok, "token id 60 at source position 1 is outside the vocabulary (0..59)"},
        {ok, {-1}, "token id -1 at decoder input position 0"},
        {std::vector<std::int32_t>(65, 3), ok, "the source has 65 tokens; this model takes at most 64"},
    };
    for (const Case& c : cases) {
        auto run = model->run(c.source, c.decoder, {});
        QVERIFY(!run);
        QVERIFY2(run.error().find(c.message) != std::string::npos, run.error().c_str());
    }
    core::GenerateOptions g;
    g.maxNewTokens = 65;
    auto gen = model->generate(ok, g);
    QVERIFY(!gen);
    QVERIFY2(gen.error().find("between 1 and 64") != std::string::npos, gen.error().c_str());
    g.maxNewTokens = 4;
    g.temperature = std::nan("");
    QVERIFY(!model->generate(ok, g));
}

void TestSeq2SeqModels::badConfigs_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("message");
    QTest::newRow("heads do not divide") << R"({"model_type":"bart","d_model":10,"encoder_layers":1,"decoder_layers":1,"encoder_attention_heads":3,"decoder_attention_heads":2,"encoder_ffn_dim":4,"decoder_ffn_dim":4,"max_position_embeddings":8,"vocab_size":9})"
                                         << R"(field "encoder_attention_heads" (3) does not divide d_model (10))";
    QTest::newRow("unknown ffn") << R"({"model_type":"t5","d_model":8,"d_kv":2,"d_ff":8,"num_layers":1,"num_heads":4,"vocab_size":9,"feed_forward_proj":"gated-swoosh"})"
                                 << R"(feed_forward_proj "swoosh" is not supported)";
    QTest::newRow("missing size") << R"({"model_type":"t5","d_model":8,"d_ff":8,"num_layers":1,"num_heads":4,"vocab_size":9})"
                                  << R"(missing required field "d_kv")";
    QTest::newRow("start outside vocab") << R"({"model_type":"marian","d_model":8,"encoder_layers":1,"decoder_layers":1,"encoder_attention_heads":2,"decoder_attention_heads":2,"encoder_ffn_dim":4,"decoder_ffn_dim":4,"max_position_embeddings":8,"vocab_size":9,"pad_token_id":20})"
                                         << R"(field "pad_token_id" is 20, outside the vocabulary (9 tokens))";
    QTest::newRow("pre-LN") << R"({"model_type":"bart","d_model":8,"encoder_layers":1,"decoder_layers":1,"encoder_attention_heads":2,"decoder_attention_heads":2,"encoder_ffn_dim":4,"decoder_ffn_dim":4,"max_position_embeddings":8,"vocab_size":9,"normalize_before":true})"
                            << "pre-LN layers";
    QTest::newRow("negative layers") << R"({"model_type":"t5","d_model":8,"d_kv":2,"d_ff":8,"num_layers":-1,"num_heads":4,"vocab_size":9})"
                                     << R"(field "num_layers" is -1; it must be > 0)";
}

void TestSeq2SeqModels::badConfigs() {
    QFETCH(QString, json);
    QFETCH(QString, message);
    auto config = core::Seq2SeqConfig::fromJson(json.toStdString(), "'config.json'");
    QVERIFY(!config);
    QVERIFY2(QString::fromStdString(config.error()).contains(message), config.error().c_str());
    QVERIFY2(QString::fromStdString(config.error()).startsWith("'config.json'"), config.error().c_str());
}

void TestSeq2SeqModels::missingTensor() {
    QTemporaryDir tmp;
    const std::filesystem::path dir = std::filesystem::path(tmp.path().toStdString()) / "m";
    // A BART config whose file was written for Marian: no position tables.
    auto marian = core::randomModelConfig("tiny-marian");
    QVERIFY(marian.ok());
    QVERIFY(core::writeRandomModel(*marian, dir, {}).ok());
    std::string bart = *marian;
    bart.replace(bart.find("\"marian\""), 8, "\"bart\"");
    std::ofstream(dir / "config.json") << bart;
    auto model = core::loadSeq2SeqModel(dir);
    QVERIFY(!model);
    QVERIFY2(model.error().find("has no tensor 'encoder.embed_positions.weight' (expected shape [66, 16])") != std::string::npos,
             model.error().c_str());
}

QTEST_GUILESS_MAIN(TestSeq2SeqModels)
#include "test_seq2seq_models.moc"
