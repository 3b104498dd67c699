// A lazy trace (RunOptions::lazyTrace) keeps each layer's queries and keys
// and computes a head when asked. On every family that keeps one and under
// every mask, each head it computes is bit-identical to the eager trace of
// the same run, over one row block and over several; the run's logits and
// value norms are the same bits; the statistics it folded in during the pass
// equal computeHeadStats() of the eager trace; its thumbnails are the eager
// matrix's block means and maxima. The cache keeps the newest head; the
// options it cannot serve are refused in one line.
#include "support/verify_result.h"

#include "attnviz/core/head_stats.h"
#include "attnviz/core/lazy_attention.h"
#include "attnviz/core/model.h"
#include "attnviz/core/random_model.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace attnviz::core;

class TestLazyTrace : public QObject {
    Q_OBJECT

private slots:
    void headsEqualEagerTrace_data();
    void headsEqualEagerTrace();
    void cacheKeepsNewestHeads();
    void refusesWhatItCannotKeep();
};

namespace {

// A random model of `preset` in `dir` whose position limit admits `positions` tokens.
// "wide": 64-dimensional heads, as real models have (the BLAS kernels take
// other paths than for the tiny presets' 4).
Status writeModel(const std::string& preset, const std::filesystem::path& dir, int positions, bool wide = false) {
    auto text = randomModelConfig(preset);
    if (!text) return text.takeError();
    nlohmann::json config = nlohmann::json::parse(*text);
    if (wide && config["model_type"] == "llama") {
        config.update(nlohmann::json::parse(
            R"({"hidden_size":256,"num_attention_heads":4,"num_key_value_heads":2,"head_dim":64,"intermediate_size":512})"));
    } else if (wide && config["model_type"] == "gpt2") {
        config.update(nlohmann::json::parse(R"({"n_embd":256,"n_head":4})"));
    }
    for (const char* key : {"max_position_embeddings", "n_positions", "n_ctx"}) {
        if (config.contains(key)) config[key] = config[key].get<int>() + positions;
    }
    RandomModelOptions options;
    options.qkScale = 8.0f;  // peaky heads, so the thumbnails' maxima mean something
    return writeRandomModel(config.dump(), dir, options);
}

std::vector<std::int32_t> someIds(int count, int vocab) {
    std::vector<std::int32_t> ids;
    std::uint32_t x = 12345;
    for (int i = 0; i < count; ++i) {
        x = x * 1664525u + 1013904223u;
        ids.push_back(static_cast<std::int32_t>((x >> 8) % static_cast<std::uint32_t>(vocab - 4)) + 3);
    }
    return ids;
}

}  // namespace

void TestLazyTrace::headsEqualEagerTrace_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<int>("tokens");
    QTest::addColumn<int>("mask");  // 0 default, 1 causal, 2 bidirectional, 3 window of 5
    QTest::addColumn<bool>("wide");
    for (const char* preset : {"tiny-bert", "tiny-roberta", "tiny-distilbert", "tiny-electra", "tiny-albert",
                               "tiny-gpt2", "tiny-llama", "tiny-mistral", "tiny-qwen2", "tiny-phi3", "tiny-gemma",
                               "tiny-gemma2", "tiny-gpt-neox", "tiny-falcon", "tiny-opt", "tiny-opt-350m",
                               "tiny-gpt-neo", "tiny-modernbert"}) {
        for (int mask = 0; mask < 4; ++mask) {
            QTest::newRow(qPrintable(QString("%1 11 tokens mask %2").arg(preset).arg(mask))) << QString(preset) << 11 << mask << false;
        }
        // Three row blocks, the last one short.
        QTest::newRow(qPrintable(QString("%1 600 tokens").arg(preset))) << QString(preset) << 600 << 0 << false;
    }
    for (const char* preset : {"tiny-llama", "tiny-gpt2"}) {
        QTest::newRow(qPrintable(QString("%1 wide 300 tokens").arg(preset))) << QString(preset) << 300 << 0 << true;
        QTest::newRow(qPrintable(QString("%1 wide 40 tokens").arg(preset))) << QString(preset) << 40 << 0 << true;
    }
}

void TestLazyTrace::headsEqualEagerTrace() {
    QFETCH(QString, preset);
    QFETCH(int, tokens);
    QFETCH(int, mask);
    QFETCH(bool, wide);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::filesystem::path dir = tmp.path().toStdString();
    ATTNVIZ_VERIFY_OK(writeModel(preset.toStdString(), dir, tokens, wide));
    ATTNVIZ_UNWRAP(model, loadModel(dir));
    const std::vector<std::int32_t> ids = someIds(tokens, model->config().vocabSize);

    RunOptions eagerOptions;
    eagerOptions.computeLogits = true;
    eagerOptions.captureValueNorms = true;
    eagerOptions.mask = mask == 1   ? MaskMode::causal()
                        : mask == 2 ? MaskMode::bidirectional()
                        : mask == 3 ? MaskMode::slidingWindow(5)
                                    : MaskMode::defaultMode();
    RunOptions lazyOptions = eagerOptions;
    lazyOptions.lazyTrace = true;
    ATTNVIZ_UNWRAP(eager, model->run(ids, eagerOptions));
    ATTNVIZ_UNWRAP(lazy, model->run(ids, lazyOptions));
    QVERIFY(lazy.isLazy());
    QVERIFY(!eager.isLazy());
    QCOMPARE(lazy.nLayers(), eager.nLayers());
    QCOMPARE(lazy.nHeads(), eager.nHeads());
    QVERIFY(lazy.logits == eager.logits);  // the same forward pass, bit for bit

    const LazyAttention& la = *lazy.lazy();
    const int T = tokens;
    const std::size_t bytes = static_cast<std::size_t>(T) * T * sizeof(float);
    std::vector<float> computed(static_cast<std::size_t>(T) * T);
    const std::vector<HeadStats> eagerStats = computeHeadStats(eager);
    const std::vector<HeadStats> lazyStats = computeHeadStats(lazy);
    const int cells = la.thumbnailCells();
    QCOMPARE(cells, std::min(T, LazyAttention::kThumbnailCells));
    for (int l = 0; l < eager.nLayers(); ++l) {
        for (int h = 0; h < eager.nHeads(); ++h) {
            const QString where = QString("L%1 H%2").arg(l).arg(h);
            la.computeHead(l, h, computed.data());
            QVERIFY2(std::memcmp(computed.data(), eager.probs(l, h), bytes) == 0, qPrintable(where + " differs"));
            QVERIFY2(std::memcmp(la.head(l, h)->data(), eager.probs(l, h), bytes) == 0,
                     qPrintable(where + " differs through the cache"));
            QVERIFY2(std::memcmp(lazy.valueNorms(l, h), eager.valueNorms(l, h), T * sizeof(float)) == 0,
                     qPrintable(where + " value norms differ"));

            const std::size_t i = static_cast<std::size_t>(l) * eager.nHeads() + h;
            for (HeadStatistic s : {HeadStatistic::Entropy, HeadStatistic::MeanDistance, HeadStatistic::Sink,
                                    HeadStatistic::PrevToken, HeadStatistic::Diagonal}) {
                const double a = lazyStats[i].value(s);
                const double b = eagerStats[i].value(s);
                QVERIFY2((std::isnan(a) && std::isnan(b)) || a == b,
                         qPrintable(where + " " + QString::fromUtf8(statisticName(s).data()) + ": " +
                                    QString::number(a, 'g', 17) + " vs " + QString::number(b, 'g', 17)));
            }

            // Thumbnail cells: block means and maxima of the eager matrix.
            const float* p = eager.probs(l, h);
            for (int a = 0; a < cells; ++a) {
                for (int c = 0; c < cells; ++c) {
                    double sum = 0.0;
                    float top = 0.0f;
                    for (int r = la.cellStart(a); r < la.cellStart(a + 1); ++r) {
                        for (int k = la.cellStart(c); k < la.cellStart(c + 1); ++k) {
                            const float v = p[static_cast<std::size_t>(r) * T + k];
                            sum += v;
                            top = std::max(top, v);
                        }
                    }
                    const double area = static_cast<double>(la.cellStart(a + 1) - la.cellStart(a)) *
                                        (la.cellStart(c + 1) - la.cellStart(c));
                    const double mean = sum / area;
                    const float gotMean = la.thumbnailMean(l, h)[a * cells + c];
                    QVERIFY2(std::abs(gotMean - mean) <= 1e-6 * std::max(1.0, mean),
                             qPrintable(where + QString(" cell (%1, %2) mean %3 vs %4").arg(a).arg(c).arg(gotMean).arg(mean)));
                    QCOMPARE(la.thumbnailMax(l, h)[a * cells + c], top);
                }
            }
        }
    }
    QVERIFY(la.bytes() <= LazyAttention::bytesFor(model->config().nLayers, model->config().nHeads,
                                                 model->config().nKvHeads, model->config().headDim, T));
}

void TestLazyTrace::cacheKeepsNewestHeads() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::filesystem::path dir = tmp.path().toStdString();
    ATTNVIZ_VERIFY_OK(writeModel("tiny-llama", dir, 0));
    ATTNVIZ_UNWRAP(model, loadModel(dir));
    RunOptions options;
    options.lazyTrace = true;
    ATTNVIZ_UNWRAP(trace, model->run(someIds(20, model->config().vocabSize), options));
    const LazyAttention& la = *trace.lazy();
    auto first = la.head(0, 1);
    QCOMPARE(la.head(0, 1).get(), first.get());  // served from the cache
    la.head(1, 0);
    QCOMPARE(la.head(0, 1).get(), first.get());  // both fit
    trace.lazy()->setCacheBytes(0);
    auto other = la.head(1, 1);                  // only the newest is kept
    QVERIFY(la.head(0, 1).get() != first.get()); // computed again, same values
    QVERIFY(*la.head(0, 1) == *first);
    QVERIFY(*la.head(1, 1) == *other);
}

void TestLazyTrace::refusesWhatItCannotKeep() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::filesystem::path dir = tmp.path().toStdString();
    ATTNVIZ_VERIFY_OK(writeModel("tiny-gpt2", dir, 0));
    ATTNVIZ_UNWRAP(model, loadModel(dir));
    const std::vector<std::int32_t> ids = someIds(8, model->config().vocabSize);
    RunOptions options;
    options.lazyTrace = true;
    options.captureScores = true;
    auto scores = model->run(ids, options);
    QVERIFY(!scores.ok());
    QVERIFY2(scores.error().find("cannot keep the scores") != std::string::npos, scores.error().c_str());
    options.captureScores = false;
    options.captureLayers = {0};
    auto captures = model->run(ids, options);
    QVERIFY(!captures.ok());
    QVERIFY2(captures.error().find("layer captures") != std::string::npos, captures.error().c_str());

    QTemporaryDir tmp2;
    const std::filesystem::path longformer = tmp2.path().toStdString();
    ATTNVIZ_VERIFY_OK(writeModel("tiny-longformer", longformer, 0));
    ATTNVIZ_UNWRAP(lf, loadModel(longformer));
    RunOptions lazy;
    lazy.lazyTrace = true;
    auto refused = lf->run(someIds(8, lf->config().vocabSize), lazy);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.code(), ErrorCode::Unsupported);
    QVERIFY2(refused.error().find("global attention") != std::string::npos, refused.error().c_str());
}

QTEST_GUILESS_MAIN(TestLazyTrace)
#include "test_lazy_trace.moc"
