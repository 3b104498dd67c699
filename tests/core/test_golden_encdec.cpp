// Every case of ../shared/golden/encdec (Hugging Face eager reference, read
// its README): teacher-forced encoder, decoder and cross-attention within
// 1e-5 (masked entries exactly 0) and the logits of the recorded top-5 ids
// within 1e-4; greedy generation of 8 tokens with equal ids and per-step
// self- and cross-attention rows within 1e-5; and every step row equal to
// the same row of one teacher-forced run over the generated sequence. The
// value norms ||v_j W_O^h|| of both self-attentions against Hugging Face's
// (tests/data/seq2seq_value_norms.json says how they were made).
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/seq2seq_model.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <cmath>
#include <fstream>
#include <map>
#include <memory>

using namespace attnviz;
using nlohmann::json;

namespace {

constexpr float kTolerance = 1e-5f;
constexpr float kLogitTolerance = 1e-4f;

json readJson(const std::filesystem::path& path) {
    std::ifstream in(path);
    return json::parse(in);
}

std::vector<std::int32_t> ids(const json& j) { return j.get<std::vector<std::int32_t>>(); }

// "" when every entry of (rows, cols) `got` matches `expected` (a nested
// [rows][cols] array): masked entries (exactly 0 in the reference) exactly 0.
QString compareMatrix(const json& expected, const float* got, int rows, int cols, const QString& where) {
    if (static_cast<int>(expected.size()) != rows) return where + QString(": %1 rows, expected %2").arg(rows).arg(expected.size());
    for (int i = 0; i < rows; ++i) {
        const json& row = expected[static_cast<std::size_t>(i)];
        if (static_cast<int>(row.size()) != cols) return where + QString(": row %1 has %2 columns, expected %3").arg(i).arg(cols).arg(row.size());
        for (int j = 0; j < cols; ++j) {
            const float want = row[static_cast<std::size_t>(j)].get<float>();
            const float have = got[static_cast<std::size_t>(i) * cols + j];
            const bool ok = want == 0.0f ? have == 0.0f : std::fabs(want - have) <= kTolerance;
            if (!ok) return where + QString(" [%1][%2]: %3, expected %4").arg(i).arg(j).arg(have, 0, 'g', 9).arg(want, 0, 'g', 9);
        }
    }
    return {};
}

// [L][H][rows][cols] against per-(layer, head) matrices.
template <class ProbsAt>
QString compareStack(const json& expected, int nLayers, int nHeads, int rows, int cols, ProbsAt probsAt,
                     const QString& what) {
    if (static_cast<int>(expected.size()) != nLayers) return what + ": layer count differs";
    for (int l = 0; l < nLayers; ++l) {
        if (static_cast<int>(expected[static_cast<std::size_t>(l)].size()) != nHeads) return what + ": head count differs";
        for (int h = 0; h < nHeads; ++h) {
            const QString m = compareMatrix(expected[l][h], probsAt(l, h), rows, cols, what + QString(" L%1 H%2").arg(l).arg(h));
            if (!m.isEmpty()) return m;
        }
    }
    return {};
}

}  // namespace

class TestGoldenEncDec : public QObject {
    Q_OBJECT

private slots:
    void teacherForced_data();
    void teacherForced();
    void generation_data();
    void generation();
    void valueNorms_data();
    void valueNorms();

private:
    core::Result<const core::Seq2SeqModel*> model(const std::filesystem::path& dir);
    void addCases(const char* suffix);
    std::map<std::string, std::unique_ptr<core::Seq2SeqModel>> m_models;
};

core::Result<const core::Seq2SeqModel*> TestGoldenEncDec::model(const std::filesystem::path& dir) {
    auto& slot = m_models[dir.string()];
    if (!slot) {
        auto loaded = core::loadSeq2SeqModel(dir);
        if (!loaded) return loaded.takeError();
        slot = std::move(loaded.value());
    }
    return slot.get();
}

void TestGoldenEncDec::addCases(const char* suffix) {
    QTest::addColumn<QString>("file");
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "../shared/golden");
    const auto dir = golden / "encdec" / "attention";
    if (!std::filesystem::is_directory(dir)) QSKIP("../shared/golden/encdec not found");
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().filename().string().ends_with(suffix)) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) QTest::newRow(f.stem().string().c_str()) << QString::fromStdString(f.string());
}

void TestGoldenEncDec::teacherForced_data() { addCases("__teacher.json"); }

void TestGoldenEncDec::teacherForced() {
    QFETCH(QString, file);
    const std::filesystem::path path = file.toStdString();
    const json c = readJson(path);
    const auto root = path.parent_path().parent_path();
    ATTNVIZ_UNWRAP(m, model(root / c["model_dir_hint"].get<std::string>()));
    const auto source = ids(c["input_ids"]);
    const auto decoderInput = ids(c["decoder_input_ids"]);
    // The shift rule itself: the decoder input is the labels shifted right.
    QCOMPARE(m->teacherForcedInput(ids(c["labels"])), decoderInput);
    core::Seq2SeqRunOptions options;
    options.computeLogits = true;
    ATTNVIZ_UNWRAP(trace, m->run(source, decoderInput, options));
    const int S = static_cast<int>(source.size());
    const int T = static_cast<int>(decoderInput.size());
    const auto& cfg = m->config();
    QString problem = compareStack(c["encoder_attentions"], cfg.encoder.nLayers, cfg.encoder.nHeads, S, S,
                                   [&](int l, int h) { return trace.encoder.probs(l, h); }, "encoder");
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    problem = compareStack(c["decoder_attentions"], cfg.decoder.nLayers, cfg.decoder.nHeads, T, T,
                           [&](int l, int h) { return trace.decoder.probs(l, h); }, "decoder");
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    problem = compareStack(c["cross_attentions"], cfg.decoder.nLayers, cfg.decoder.nHeads, T, S,
                           [&](int l, int h) { return trace.cross.probs(l, h); }, "cross");
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    const json& top = c["top5_next"];
    for (int t = 0; t < T; ++t) {
        const float* row = trace.decoder.logitsAt(t);
        QVERIFY(row != nullptr);
        for (int r = 0; r < 5; ++r) {
            const int id = top["ids"][t][r].get<int>();
            const float want = top["logits"][t][r].get<float>();
            QVERIFY2(std::fabs(row[id] - want) <= kLogitTolerance,
                     qPrintable(QString("logit of id %1 at position %2: %3, expected %4").arg(id).arg(t).arg(row[id]).arg(want)));
        }
    }
}

void TestGoldenEncDec::generation_data() { addCases("__gen8.json"); }

void TestGoldenEncDec::generation() {
    QFETCH(QString, file);
    const std::filesystem::path path = file.toStdString();
    const json c = readJson(path);
    const auto root = path.parent_path().parent_path();
    ATTNVIZ_UNWRAP(m, model(root / c["model_dir_hint"].get<std::string>()));
    const auto source = ids(c["input_ids"]);
    const auto expectedNew = ids(c["new_ids"]);
    core::GenerateOptions options;
    options.maxNewTokens = static_cast<int>(expectedNew.size());
    ATTNVIZ_UNWRAP(gen, m->generate(source, options));
    QCOMPARE(gen.newIds(), expectedNew);
    QCOMPARE(gen.decoderIds, ids(c["generated_ids"]));
    const int S = static_cast<int>(source.size());
    const auto& cfg = m->config();
    QString problem = compareStack(c["encoder_attentions"], cfg.encoder.nLayers, cfg.encoder.nHeads, S, S,
                                   [&](int l, int h) { return gen.encoder.probs(l, h); }, "encoder");
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    for (std::size_t s = 0; s < gen.steps.size(); ++s) {
        const core::GenerationStep& step = gen.steps[s];
        const int n = static_cast<int>(s) + 1;
        for (int l = 0; l < cfg.decoder.nLayers; ++l) {
            for (int h = 0; h < cfg.decoder.nHeads; ++h) {
                const QString where = QString("step %1 L%2 H%3").arg(s).arg(l).arg(h);
                problem = compareMatrix(json::array({c["self_rows"][s][l][h]}), step.self.probs(l, h), 1, n, where + " self");
                QVERIFY2(problem.isEmpty(), qPrintable(problem));
                problem = compareMatrix(json::array({c["cross_rows"][s][l][h]}), step.cross.probs(l, h), 1, S, where + " cross");
                QVERIFY2(problem.isEmpty(), qPrintable(problem));
            }
        }
        // The top-5 of the reference's teacher-forced forward, in order.
        for (int r = 0; r < 5; ++r) {
            QCOMPARE(step.top[static_cast<std::size_t>(r)].id, c["step_top5"]["ids"][s][r].get<int>());
            QVERIFY(std::fabs(step.top[static_cast<std::size_t>(r)].logit - c["step_top5"]["logits"][s][r].get<float>()) <=
                    kLogitTolerance);
        }
    }
    // The cached steps equal one teacher-forced run over the generated sequence.
    const std::vector<std::int32_t> fed(gen.decoderIds.begin(), gen.decoderIds.end() - 1);
    ATTNVIZ_UNWRAP(full, m->run(source, fed, {}));
    for (std::size_t s = 0; s < gen.steps.size(); ++s) {
        for (int l = 0; l < cfg.decoder.nLayers; ++l) {
            for (int h = 0; h < cfg.decoder.nHeads; ++h) {
                const float* row = full.decoder.probs(l, h) + s * fed.size();
                for (std::size_t j = 0; j <= s; ++j) {
                    QVERIFY(std::fabs(row[j] - gen.steps[s].self.probs(l, h)[j]) <= 1e-6f);
                }
                const float* cross = full.cross.probs(l, h) + s * source.size();
                for (int j = 0; j < S; ++j) QVERIFY(std::fabs(cross[j] - gen.steps[s].cross.probs(l, h)[j]) <= 1e-6f);
            }
        }
    }
}

void TestGoldenEncDec::valueNorms_data() {
    QTest::addColumn<int>("index");
    std::ifstream in(test::testDataDir() / "seq2seq_value_norms.json");
    QVERIFY2(in, "tests/data/seq2seq_value_norms.json is missing");
    const json expected = json::parse(in);
    for (std::size_t i = 0; i < expected["cases"].size(); ++i) {
        QTest::newRow(expected["cases"][i]["model"].get<std::string>().c_str()) << static_cast<int>(i);
    }
}

void TestGoldenEncDec::valueNorms() {
    QFETCH(int, index);
    std::ifstream in(test::testDataDir() / "seq2seq_value_norms.json");
    const json expected = json::parse(in)["cases"][static_cast<std::size_t>(index)];
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "../shared/golden");
    const auto root = golden / "encdec";
    if (!std::filesystem::is_directory(root)) QSKIP("../shared/golden/encdec not found");
    const json c = readJson(root / "attention" / (expected["case"].get<std::string>() + ".json"));
    ATTNVIZ_UNWRAP(m, model(root / c["model_dir_hint"].get<std::string>()));
    core::Seq2SeqRunOptions options;
    options.captureValueNorms = true;
    ATTNVIZ_UNWRAP(trace, m->run(ids(c["input_ids"]), ids(c["decoder_input_ids"]), options));
    for (const auto& [stack, got] : {std::pair{"encoder", &trace.encoder}, {"decoder", &trace.decoder}}) {
        QVERIFY(got->hasValueNorms());
        const json& want = expected[std::string(stack) + "_value_norms"];
        QCOMPARE(static_cast<int>(want.size()), got->nLayers());
        for (int l = 0; l < got->nLayers(); ++l) {
            QCOMPARE(static_cast<int>(want[l].size()), got->nHeads());
            for (int h = 0; h < got->nHeads(); ++h) {
                QCOMPARE(static_cast<int>(want[l][h].size()), got->seqLen());
                for (int j = 0; j < got->seqLen(); ++j) {
                    const float w = want[l][h][j].get<float>();
                    const float g = got->valueNorms(l, h)[j];
                    QVERIFY2(std::fabs(w - g) <= kTolerance * std::max(1.0f, std::fabs(w)),
                             qPrintable(QString("%1 L%2 H%3 key %4: %5, expected %6")
                                            .arg(stack).arg(l).arg(h).arg(j).arg(g, 0, 'g', 9).arg(w, 0, 'g', 9)));
                }
            }
        }
    }
    // Without the option there are none.
    ATTNVIZ_UNWRAP(plain, m->run(ids(c["input_ids"]), ids(c["decoder_input_ids"]), {}));
    QVERIFY(!plain.encoder.hasValueNorms() && !plain.decoder.hasValueNorms());
}

QTEST_GUILESS_MAIN(TestGoldenEncDec)
#include "test_golden_encdec.moc"
