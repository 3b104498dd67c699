// The capture of a layer's attention inputs and explainRow (issue 21, the
// Explain view and `attnviz-cli explain`): q, k and v equal Hugging Face's
// own where it computes the scores (tests/data/explain_qkv.json says how
// they were made), encoder-decoder models' three attentions included; on every family the explained row is the trace's row,
// its scores the kernel's, its output the context the model went on with;
// prefix reuse leaves no row uncaptured; bad requests say what is wrong.
#include "support/fixture_models.h"
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/layer_capture.h"
#include "attnviz/core/model.h"
#include "attnviz/core/seq2seq_model.h"
#include "attnviz/core/session.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <utility>

using namespace attnviz;
using nlohmann::json;

namespace {

constexpr double kTolerance = 1e-5;

json readCases() {
    std::ifstream in(test::testDataDir() / "explain_qkv.json");
    return json::parse(in);
}

// "" when `got` (n floats) matches `want` within kTolerance.
QString compare(const json& want, const float* got, std::size_t n, const QString& what) {
    if (want.size() != n) return what + QString(": %1 values, expected %2").arg(n).arg(want.size());
    for (std::size_t i = 0; i < n; ++i) {
        const double w = want[i].get<double>();
        if (std::abs(w - got[i]) > kTolerance) {
            return what + QString("[%1] = %2, expected %3").arg(i).arg(got[i], 0, 'g', 9).arg(w, 0, 'g', 9);
        }
    }
    return {};
}

}  // namespace

class TestLayerCapture : public QObject {
    Q_OBJECT

private slots:
    void againstHuggingFace_data();
    void againstHuggingFace();
    void everyFamily_data();
    void everyFamily();
    void stacksOfEncoderDecoder_data();
    void stacksOfEncoderDecoder();
    void prefixReuseCapturesEveryRow();
    void badRequests();

private:
    QTemporaryDir m_tmp;
};

void TestLayerCapture::againstHuggingFace_data() {
    QTest::addColumn<int>("index");
    const json cases = readCases()["cases"];
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const std::string stack = cases[i].value("stack", std::string());
        QTest::newRow((cases[i]["fixture"].get<std::string>() + (stack.empty() ? "" : " " + stack)).c_str())
            << static_cast<int>(i);
    }
}

void TestLayerCapture::againstHuggingFace() {
    QFETCH(int, index);
    const json all = readCases();
    const json& c = all["cases"][static_cast<std::size_t>(index)];
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "../shared/golden");
    const int layer = c["layer"].get<int>();
    core::ExplainedRow row;
    if (c.contains("stack")) {
        // One of the three attentions of an encoder-decoder fixture.
        const std::string stack = c["stack"].get<std::string>();
        ATTNVIZ_UNWRAP(model, core::loadSeq2SeqModel(golden / c["fixture"].get<std::string>()));
        core::Seq2SeqRunOptions options;
        (stack == "encoder" ? options.captureEncoderLayers
                            : stack == "decoder" ? options.captureDecoderLayers : options.captureCrossLayers) = {layer};
        const std::vector<std::int32_t> ids = c["ids"].get<std::vector<std::int32_t>>();
        ATTNVIZ_UNWRAP(run, model->run(ids, c["decoder_ids"].get<std::vector<std::int32_t>>(), options));
        const core::AttentionTrace& trace = stack == "encoder" ? run.encoder : run.decoder;
        const core::LayerCapture* capture = stack == "cross" ? run.crossCapture(layer) : trace.capture(layer);
        QVERIFY(capture != nullptr);
        ATTNVIZ_UNWRAP_TO(row, stack == "cross" ? core::explainCrossRow(*capture, run.cross, c["head"].get<int>(), c["query"].get<int>())
                                                : core::explainRow(*capture, trace, c["head"].get<int>(), c["query"].get<int>()));
    } else {
        ATTNVIZ_UNWRAP(model, core::loadModel(golden / c["fixture"].get<std::string>()));
        const std::vector<std::int32_t> ids = all["ids"].get<std::vector<std::int32_t>>();
        core::RunOptions options;
        options.captureLayers = {layer};
        ATTNVIZ_UNWRAP(trace, model->run(ids, options));
        const core::LayerCapture* capture = trace.capture(layer);
        QVERIFY(capture != nullptr);
        ATTNVIZ_UNWRAP_TO(row, core::explainRow(*capture, trace, c["head"].get<int>(), c["query"].get<int>()));
    }
    QCOMPARE(row.kvHead, c["kv_head"].get<int>());
    const int hd = static_cast<int>(row.q.size());
    QString problem = compare(c["q"], row.q.data(), row.q.size(), "q");
    for (int j = 0; j < row.keys && problem.isEmpty(); ++j) {
        problem = compare(c["k"][static_cast<std::size_t>(j)], row.k.data() + static_cast<std::size_t>(j) * hd, hd,
                          QString("k_%1").arg(j));
        if (problem.isEmpty()) {
            problem = compare(c["v"][static_cast<std::size_t>(j)], row.v.data() + static_cast<std::size_t>(j) * hd, hd,
                              QString("v_%1").arg(j));
        }
    }
    if (problem.isEmpty()) problem = compare(c["probabilities"], row.probabilities.data(), row.keys, "probabilities");
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

void TestLayerCapture::everyFamily_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QString>("mask");
    for (const std::string& p : test::tinyPresets()) {
        for (const char* mask : {"default", "window:2"}) {
            QTest::newRow((p + " " + mask).c_str()) << QString::fromStdString(p) << QString::fromLatin1(mask);
        }
    }
}

void TestLayerCapture::everyFamily() {
    QFETCH(QString, preset);
    QFETCH(QString, mask);
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, preset.toStdString()));
    if (core::isSeq2SeqFolder(dir)) QSKIP("encoder-decoder folders: their three attentions are checked by stacksOfEncoderDecoder");
    ATTNVIZ_UNWRAP(model, core::loadModel(dir));
    ATTNVIZ_UNWRAP(parsed, core::MaskMode::parse(mask.toStdString()));
    core::RunOptions options;
    options.mask = parsed;
    options.captureScores = true;
    options.captureLayers = {1};
    const std::vector<std::int32_t> ids{3, 14, 15, 9, 26, 5, 35, 8};
    ATTNVIZ_UNWRAP(trace, model->run(ids, options));
    QVERIFY(trace.capture(0) == nullptr);
    const core::LayerCapture* capture = trace.capture(1);
    QVERIFY(capture != nullptr);
    QCOMPARE(static_cast<int>(capture->blockOutput.rows()), 8);
    QVERIFY(!capture->scaleRule.empty() && !capture->residualRule.empty());
    const int hd = capture->headDim;
    for (int h = 0; h < trace.nHeads(); ++h) {
        for (int i = 0; i < 8; ++i) {
            auto explained = core::explainRow(*capture, trace, h, i);
            if (!explained && std::find(capture->unexplainedRows.begin(), capture->unexplainedRows.end(), i) !=
                                  capture->unexplainedRows.end()) {
                QVERIFY(explained.error().find("global") != std::string::npos);
                continue;
            }
            QVERIFY2(explained.ok(), explained.ok() ? "" : explained.error().c_str());
            const core::ExplainedRow& row = *explained;
            double norm = 0;
            for (int j = 0; j < 8; ++j) {
                // The trace's own row, bit for bit; masked keys exactly 0.
                QCOMPARE(row.probabilities[j], trace.prob(1, h, i, j));
                QCOMPARE(row.visible[j] == 0, std::isinf(trace.maskedScore(1, h, i, j)));
                // The kernel's scaled score, from the dot product.
                const float kernel = trace.rawScores(1, h)[i * 8 + j];
                QVERIFY2(std::abs(row.scaled[j] - kernel) <= 1e-5 * std::max(1.0f, std::abs(kernel)),
                         qPrintable(QString("%1 L1 H%2 q%3 k%4: %5 vs the kernel's %6")
                                        .arg(preset).arg(h).arg(i).arg(j).arg(row.scaled[j]).arg(kernel)));
            }
            // sum_j a_j v_j is the context the model went on with.
            for (int d = 0; d < hd; ++d) {
                const float context = capture->context(i, h * hd + d);
                QVERIFY(std::abs(row.output[d] - context) <= 1e-5 * std::max(1.0f, std::abs(context)));
                norm += static_cast<double>(row.output[d]) * row.output[d];
            }
            QVERIFY(capture->headContributionNorms(i, h) >= 0.0f);
            // A head with a non-zero output passes something on.
            if (norm > 1e-6) QVERIFY(capture->headContributionNorms(i, h) > 0.0f);
        }
    }
}

void TestLayerCapture::stacksOfEncoderDecoder_data() {
    QTest::addColumn<QString>("preset");
    for (const char* p : {"tiny-t5", "tiny-flan-t5", "tiny-bart", "tiny-marian"}) QTest::newRow(p) << QString::fromLatin1(p);
}

void TestLayerCapture::stacksOfEncoderDecoder() {
    QFETCH(QString, preset);
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, preset.toStdString()));
    ATTNVIZ_UNWRAP(model, core::loadSeq2SeqModel(dir));
    core::Seq2SeqRunOptions options;
    options.captureScores = true;
    options.captureEncoderLayers = {1};
    const std::vector<std::int32_t> source{3, 14, 15, 9, 26, 5};
    ATTNVIZ_UNWRAP(run, model->run(source, std::vector<std::int32_t>{model->config().decoderStartTokenId, 7}, options));
    const core::AttentionTrace& trace = run.encoder;
    QVERIFY(trace.capture(0) == nullptr && run.decoder.capture(1) == nullptr);
    const core::LayerCapture* capture = trace.capture(1);
    QVERIFY(capture != nullptr);
    const bool t5 = preset.contains(QStringLiteral("t5"));
    QCOMPARE(capture->positionBias.rows() > 0, t5);
    for (int h = 0; h < trace.nHeads(); ++h) {
        for (int i = 0; i < 6; ++i) {
            ATTNVIZ_UNWRAP(row, core::explainRow(*capture, trace, h, i));
            QCOMPARE(static_cast<int>(row.positionBias.size()), t5 ? 6 : 0);
            for (int j = 0; j < 6; ++j) {
                QCOMPARE(row.probabilities[j], trace.prob(1, h, i, j));
                // The kernel's scores (bias included) from q . k_j, the scale and the bias.
                const float kernel = trace.rawScores(1, h)[i * 6 + j];
                QVERIFY2(std::abs(row.scaled[j] - kernel) <= 1e-5 * std::max(1.0f, std::abs(kernel)),
                         qPrintable(QString("%1 H%2 q%3 k%4: %5 vs %6").arg(preset).arg(h).arg(i).arg(j).arg(row.scaled[j]).arg(kernel)));
            }
        }
    }

    // The decoder's self-attention and its cross-attention, kept from the
    // decoder's cache.
    core::Seq2SeqRunOptions decoderOptions;
    decoderOptions.captureScores = true;
    decoderOptions.captureDecoderLayers = {1};
    decoderOptions.captureCrossLayers = {1};
    const std::vector<std::int32_t> target{model->config().decoderStartTokenId, 7, 12, 4};
    ATTNVIZ_UNWRAP(decoded, model->run(source, target, decoderOptions));
    QVERIFY(decoded.encoder.capture(1) == nullptr && decoded.decoder.capture(0) == nullptr && decoded.crossCapture(0) == nullptr);
    const core::LayerCapture* self = decoded.decoder.capture(1);
    const core::LayerCapture* cross = decoded.crossCapture(1);
    QVERIFY(self != nullptr && cross != nullptr);
    QCOMPARE(static_cast<int>(cross->q.rows()), 4);
    QCOMPARE(static_cast<int>(cross->k.rows()), 6);
    QCOMPARE(self->positionBias.rows() > 0, t5);
    QCOMPARE(cross->positionBias.rows(), 0);
    const int hd = self->headDim;
    for (int h = 0; h < decoded.decoder.nHeads(); ++h) {
        for (int i = 0; i < 4; ++i) {
            ATTNVIZ_UNWRAP(row, core::explainRow(*self, decoded.decoder, h, i));
            for (int j = 0; j < 4; ++j) {
                QCOMPARE(row.probabilities[j], decoded.decoder.prob(1, h, i, j));
                QCOMPARE(row.visible[j] != 0, j <= i);  // causal
                const float kernel = decoded.decoder.rawScores(1, h)[i * 4 + j];
                QVERIFY2(std::abs(row.scaled[j] - kernel) <= 1e-5 * std::max(1.0f, std::abs(kernel)),
                         qPrintable(QString("%1 decoder H%2 q%3 k%4: %5 vs %6").arg(preset).arg(h).arg(i).arg(j).arg(row.scaled[j]).arg(kernel)));
            }
            for (int d = 0; d < hd; ++d) QVERIFY(std::abs(row.output[d] - self->context(i, h * hd + d)) <= 1e-5f);
            ATTNVIZ_UNWRAP(crossRow, core::explainCrossRow(*cross, decoded.cross, h, i));
            QCOMPARE(crossRow.keys, 6);
            // Nothing masked; the softmax of the scaled scores is the cross row.
            const float top = *std::max_element(crossRow.scaled.begin(), crossRow.scaled.end());
            double total = 0;
            for (float v : crossRow.scaled) total += std::exp(static_cast<double>(v - top));
            for (int j = 0; j < 6; ++j) {
                QVERIFY(crossRow.visible[j] != 0);
                QCOMPARE(crossRow.probabilities[j], decoded.cross.prob(1, h, i, j));
                const double softmax = std::exp(static_cast<double>(crossRow.scaled[j] - top)) / total;
                QVERIFY2(std::abs(softmax - crossRow.probabilities[j]) <= 1e-5,
                         qPrintable(QString("%1 cross H%2 q%3 k%4: softmax %5 vs %6").arg(preset).arg(h).arg(i).arg(j).arg(softmax).arg(crossRow.probabilities[j])));
            }
            for (int d = 0; d < hd; ++d) QVERIFY(std::abs(crossRow.output[d] - cross->context(i, h * hd + d)) <= 1e-5f);
        }
    }
    QVERIFY(!core::explainCrossRow(*cross, decoded.cross, 0, 4));  // 4 decoder rows

    for (const auto& [which, name] : {std::pair{0, "encoder layer 9"}, {1, "decoder layer 9"}, {2, "cross-attention layer 9"}}) {
        core::Seq2SeqRunOptions bad;
        (which == 0 ? bad.captureEncoderLayers : which == 1 ? bad.captureDecoderLayers : bad.captureCrossLayers) = {9};
        auto refused = model->run(source, std::vector<std::int32_t>{model->config().decoderStartTokenId}, bad);
        QVERIFY2(!refused && refused.error().find(name) != std::string::npos, refused ? "ran" : refused.error().c_str());
    }
}

void TestLayerCapture::prefixReuseCapturesEveryRow() {
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-llama"));
    ATTNVIZ_UNWRAP(session, core::Session::open(dir));
    std::vector<std::int32_t> ids;
    for (int i = 0; i < 40; ++i) ids.push_back((i * 7 + 3) % 50);
    ATTNVIZ_UNWRAP(first, core::tokensFromIds(nullptr, ids));
    core::RunRequest plain;
    ATTNVIZ_UNWRAP(warm, session->run(first, plain));
    QVERIFY(warm->trace->capture(1) == nullptr);
    ids.push_back(11);
    ATTNVIZ_UNWRAP(second, core::tokensFromIds(nullptr, ids));
    core::RunRequest captured;
    captured.captureLayers = {1};
    ATTNVIZ_UNWRAP(run, session->run(second, captured));
    QCOMPARE(run->prefixRowsReused, 0);  // every row computed
    const core::LayerCapture* capture = run->trace->capture(1);
    QVERIFY(capture != nullptr);
    QCOMPARE(static_cast<int>(capture->q.rows()), 41);
    // The same as a fresh session's first run (which multiplies in the
    // same row blocks), bit for bit.
    ATTNVIZ_UNWRAP(freshSession, core::Session::open(dir));
    ATTNVIZ_UNWRAP(fresh, freshSession->run(second, captured));
    QVERIFY(fresh->trace->capture(1)->q == capture->q);
    QVERIFY(fresh->trace->capture(1)->x == capture->x);
    QVERIFY(fresh->trace->capture(1)->blockOutput == capture->blockOutput);
    // The next plain run reuses the prefix again.
    ids.push_back(12);
    ATTNVIZ_UNWRAP(third, core::tokensFromIds(nullptr, ids));
    ATTNVIZ_UNWRAP(after, session->run(third, plain));
    QVERIFY(after->prefixRowsReused > 0);
}

void TestLayerCapture::badRequests() {
    ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(model, core::loadModel(dir));
    core::RunOptions options;
    options.captureLayers = {2};
    auto refused = model->run(std::vector<std::int32_t>{1, 2, 3}, options);
    QVERIFY(!refused);
    QVERIFY2(refused.error().find("layer 2") != std::string::npos && refused.error().find("0..1") != std::string::npos,
             refused.error().c_str());
    options.captureLayers = {0};
    ATTNVIZ_UNWRAP(trace, model->run(std::vector<std::int32_t>{1, 2, 3}, options));
    const core::LayerCapture& capture = *trace.capture(0);
    auto badHead = core::explainRow(capture, trace, 2, 0);
    QVERIFY(!badHead && badHead.error().find("head 2") != std::string::npos);
    auto badQuery = core::explainRow(capture, trace, 0, 3);
    QVERIFY(!badQuery && badQuery.error().find("query 3") != std::string::npos);
}

QTEST_MAIN(TestLayerCapture)
#include "test_layer_capture.moc"
