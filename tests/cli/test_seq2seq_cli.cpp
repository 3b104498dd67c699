// attnviz-cli on the encoder-decoder golden fixtures (../shared/golden/encdec,
// Hugging Face eager references): the attention JSON contract
// ("encoder_tokens", "decoder_tokens", "encoder_attention",
// "decoder_attention", "cross_attention") from ids and from text with a
// target (teacher forcing), the generate contract ("generated", "steps" with
// self- and cross-attention rows), analyze on either stack (head means and
// value-weighted norms against the golden attention and Hugging Face's value
// norms, tests/data/seq2seq_value_norms.json), and one-line errors for
// options that do not fit the model.
#include "support/cli_runner.h"
#include "support/fixture_models.h"
#include "support/test_paths.h"
#include "support/verify_result.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

using namespace attnviz;
using nlohmann::json;

class TestSeq2SeqCli : public QObject {
    Q_OBJECT

private slots:
    void attentionFromIds_data();
    void attentionFromIds();
    void attentionFromText_data();
    void attentionFromText();
    void generate_data();
    void generate();
    void attentionWithoutTargetGenerates();
    void analyze_data();
    void analyze();
    void sampling();
    void errors();
};

namespace {

test::CliResult runCli(const QStringList& args) { return test::runCli(ATTNVIZ_CLI_PATH, args); }

json readJson(const std::filesystem::path& path) {
    std::ifstream in(path);
    return json::parse(in);
}

QString idList(const json& ids) {
    QStringList parts;
    for (const auto& id : ids) parts << QString::number(id.get<int>());
    return parts.join(',');
}

// Largest |a - b| over two nested arrays of the same shape; +inf when the shapes differ.
double maxDifference(const json& a, const json& b) {
    if (a.is_array() != b.is_array()) return INFINITY;
    if (!a.is_array()) return std::fabs(a.get<double>() - b.get<double>());
    if (a.size() != b.size()) return INFINITY;
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, maxDifference(a[i], b[i]));
    return worst;
}

std::vector<int> idsOf(const json& tokens) {
    std::vector<int> ids;
    for (const auto& t : tokens) ids.push_back(t["id"].get<int>());
    return ids;
}

void addCases(const char* suffix) {
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

QString fixtureOf(const QString& caseFile, const json& c) {
    const std::filesystem::path root = std::filesystem::path(caseFile.toStdString()).parent_path().parent_path();
    return QString::fromStdString((root / c["model_dir_hint"].get<std::string>()).string());
}

void checkAttention(const json& out, const json& c) {
    QCOMPARE(idsOf(out["encoder_tokens"]), c["input_ids"].get<std::vector<int>>());
    QCOMPARE(idsOf(out["decoder_tokens"]), c["decoder_input_ids"].get<std::vector<int>>());
    QCOMPARE(out["n_layers"]["encoder"].get<int>(), c["n_layers"]["encoder"].get<int>());
    QCOMPARE(out["n_heads"]["decoder"].get<int>(), c["n_heads"]["decoder"].get<int>());
    QVERIFY(maxDifference(out["encoder_attention"], c["encoder_attentions"]) <= 1e-5);
    QVERIFY(maxDifference(out["decoder_attention"], c["decoder_attentions"]) <= 1e-5);
    QVERIFY(maxDifference(out["cross_attention"], c["cross_attentions"]) <= 1e-5);
}

}  // namespace

void TestSeq2SeqCli::attentionFromIds_data() { addCases("__teacher.json"); }

void TestSeq2SeqCli::attentionFromIds() {
    QFETCH(QString, file);
    const json c = readJson(file.toStdString());
    QTemporaryDir tmp;
    const QString out = tmp.path() + "/a.json";
    const auto run = runCli({"attention", "--model", fixtureOf(file, c), "--ids", idList(c["input_ids"]),
                             "--decoder-ids", idList(c["decoder_input_ids"]), "-o", out});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    checkAttention(readJson(out.toStdString()), c);
}

void TestSeq2SeqCli::attentionFromText_data() { addCases("__teacher.json"); }

void TestSeq2SeqCli::attentionFromText() {
    QFETCH(QString, file);
    const json c = readJson(file.toStdString());
    QTemporaryDir tmp;
    const QString out = tmp.path() + "/a.json";
    const auto run = runCli({"attention", "--model", fixtureOf(file, c), "--text",
                             QString::fromStdString(c["source"].get<std::string>()), "--target",
                             QString::fromStdString(c["target"].get<std::string>()), "-o", out});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const json a = readJson(out.toStdString());
    checkAttention(a, c);
    // Token texts as the tokenizer shows them, "▁" for SentencePiece spaces.
    QCOMPARE(a["encoder_tokens"].size(), c["tokens"].size());
}

void TestSeq2SeqCli::analyze_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("index");
    QTest::addColumn<QString>("kind");
    std::ifstream in(test::testDataDir() / "seq2seq_value_norms.json");
    QVERIFY2(in, "tests/data/seq2seq_value_norms.json is missing");
    const json norms = json::parse(in);
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "../shared/golden");
    const auto dir = golden / "encdec" / "attention";
    if (!std::filesystem::is_directory(dir)) QSKIP("../shared/golden/encdec not found");
    for (std::size_t i = 0; i < norms["cases"].size(); ++i) {
        const std::string name = norms["cases"][i]["case"].get<std::string>();
        for (const char* kind : {"encoder", "decoder"}) {
            QTest::newRow((name + " " + kind).c_str())
                << QString::fromStdString((dir / (name + ".json")).string()) << static_cast<int>(i) << kind;
        }
    }
}

void TestSeq2SeqCli::analyze() {
    QFETCH(QString, file);
    QFETCH(int, index);
    QFETCH(QString, kind);
    const json c = readJson(file.toStdString());
    std::ifstream in(test::testDataDir() / "seq2seq_value_norms.json");
    const json norms = json::parse(in)["cases"][static_cast<std::size_t>(index)][kind.toStdString() + "_value_norms"];
    QTemporaryDir tmp;
    const QString out = tmp.path() + "/an.json";
    const auto run = runCli({"analyze", "--model", fixtureOf(file, c), "--ids", idList(c["input_ids"]), "--decoder-ids",
                             idList(c["decoder_input_ids"]), "--attention", kind, "-o", out});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const json a = readJson(out.toStdString());
    QCOMPARE(QString::fromStdString(a["attention_kind"].get<std::string>()), kind);
    QVERIFY(a["formulas"]["attention"].get<std::string>().find(kind.toStdString()) != std::string::npos);
    const bool encoder = kind == "encoder";
    QCOMPARE(idsOf(a["tokens"]), c[encoder ? "input_ids" : "decoder_input_ids"].get<std::vector<int>>());
    const json& attention = c[encoder ? "encoder_attentions" : "decoder_attentions"];  // [L][H][T][T]
    const std::size_t L = attention.size(), H = attention[0].size(), T = attention[0][0].size();
    QCOMPARE(a["value_norms"].size(), L);
    double worstMean = 0, worstNorm = 0;
    for (std::size_t l = 0; l < L; ++l) {
        for (std::size_t i = 0; i < T; ++i) {
            for (std::size_t j = 0; j < T; ++j) {
                double mean = 0;
                for (std::size_t h = 0; h < H; ++h) {
                    const double p = attention[l][h][i][j].get<double>();
                    mean += p / H;
                    // N_lh[i][j] = a_ij ||v_j W_O^h||, the norm from Hugging Face's values.
                    const double want = p * norms[l][h][j].get<double>();
                    worstNorm = std::max(worstNorm, std::fabs(a["value_norms"][l][h][i][j].get<double>() - want));
                }
                worstMean = std::max(worstMean, std::fabs(a["mean_heads"][l][i][j].get<double>() - mean));
            }
        }
    }
    QVERIFY2(worstMean <= 1e-5, qPrintable(QString::number(worstMean)));
    QVERIFY2(worstNorm <= 1e-4, qPrintable(QString::number(worstNorm)));
    QCOMPARE(a["head_stats"].size(), L * H);
    QVERIFY(a["head_stats"][0]["induction"].is_null());  // not measured for encoder-decoder models
}

void TestSeq2SeqCli::generate_data() { addCases("__gen8.json"); }

void TestSeq2SeqCli::generate() {
    QFETCH(QString, file);
    const json c = readJson(file.toStdString());
    QTemporaryDir tmp;
    const QString out = tmp.path() + "/g.json";
    const auto run = runCli({"generate", "--model", fixtureOf(file, c), "--ids", idList(c["input_ids"]),
                             "--max-new-tokens", "8", "-o", out});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const json g = readJson(out.toStdString());
    QCOMPARE(idsOf(g["generated"]), c["new_ids"].get<std::vector<int>>());
    QCOMPARE(idsOf(g["encoder_tokens"]), c["input_ids"].get<std::vector<int>>());
    QCOMPARE(g["steps"].size(), std::size_t(8));
    for (std::size_t s = 0; s < 8; ++s) {
        const json& step = g["steps"][s];
        // [L][H][n] against the reference's [L][H][s + 1]
        json self = json::array();
        for (const auto& layer : step["self_attention"]) {
            json heads = json::array();
            for (const auto& head : layer) heads.push_back(head[0]);
            self.push_back(heads);
        }
        QVERIFY2(maxDifference(self, c["self_rows"][s]) <= 1e-5, qPrintable(QString("step %1 self").arg(s)));
        json cross = json::array();
        for (const auto& layer : step["cross_attention"]) {
            json heads = json::array();
            for (const auto& head : layer) heads.push_back(head[0]);
            cross.push_back(heads);
        }
        QVERIFY2(maxDifference(cross, c["cross_rows"][s]) <= 1e-5, qPrintable(QString("step %1 cross").arg(s)));
        QCOMPARE(step["top"][0]["id"].get<int>(), c["new_ids"][s].get<int>());
        QCOMPARE(step["top"].size(), std::size_t(5));
    }
}

void TestSeq2SeqCli::attentionWithoutTargetGenerates() {
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "../shared/golden");
    const auto caseFile = golden / "encdec" / "attention" / "t5-gated__gen8.json";
    if (!std::filesystem::exists(caseFile)) QSKIP("../shared/golden/encdec not found");
    const json c = readJson(caseFile);
    QTemporaryDir tmp;
    const QString out = tmp.path() + "/a.json";
    const auto run = runCli({"attention", "--model", QString::fromStdString((golden / "encdec" / "fixtures" / "t5-gated").string()),
                             "--ids", idList(c["input_ids"]), "--max-new-tokens", "8", "-o", out});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const json a = readJson(out.toStdString());
    QCOMPARE(idsOf(a["generated"]), c["new_ids"].get<std::vector<int>>());
    // The decoder input: the start token and every generated token but the last.
    std::vector<int> fed = c["generated_ids"].get<std::vector<int>>();
    fed.pop_back();
    QCOMPARE(idsOf(a["decoder_tokens"]), fed);
    QCOMPARE(a["cross_attention"][0][0].size(), fed.size());
}

void TestSeq2SeqCli::sampling() {
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "../shared/golden");
    const auto model = QString::fromStdString((golden / "encdec" / "fixtures" / "t5-gated").string());
    if (!std::filesystem::exists(model.toStdString())) QSKIP("../shared/golden/encdec not found");
    QTemporaryDir tmp;
    auto sample = [&](const QString& seed, const QString& name) {
        const auto run = runCli({"generate", "--model", model, "--ids", "13959,1566,12,2968,10,1", "--max-new-tokens", "6",
                                 "--temperature", "5", "--seed", seed, "-o", tmp.path() + "/" + name});
        if (run.exitCode != 0) qWarning("%s", run.err.constData());
        return idsOf(readJson((tmp.path() + "/" + name).toStdString())["generated"]);
    };
    const auto a = sample("1", "a.json");
    QCOMPARE(a.size(), std::size_t(6));
    QCOMPARE(sample("1", "b.json"), a);  // the same seed, the same tokens
    QVERIFY(sample("2", "c.json") != a || sample("3", "d.json") != a);
}

void TestSeq2SeqCli::errors() {
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "../shared/golden");
    const auto t5 = QString::fromStdString((golden / "encdec" / "fixtures" / "t5").string());
    if (!std::filesystem::exists(t5.toStdString())) QSKIP("../shared/golden/encdec not found");
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(gpt2, test::writeFixture(tmp, "tiny-gpt2"));
    const QString causal = QString::fromStdString(gpt2.string());
    struct Case {
        QStringList args;
        QString message;
    };
    const std::vector<Case> cases = {
        {{"attention", "--model", causal, "--ids", "1,2", "--target", "x"}, "--target is for encoder-decoder models"},
        {{"attention", "--model", t5, "--ids", "1,2", "--target", "x"}, "with --ids give --decoder-ids"},
        {{"attention", "--model", t5, "--ids", "1,2", "--decoder-ids", "0,99999999"}, "--decoder-ids: token id 99999999"},
        {{"attention", "--model", t5, "--text", "Hi", "--pair", "x"}, "--pair is not for encoder-decoder models"},
        {{"generate", "--model", t5, "--ids", "1,2", "--top-k", "3"}, "give --temperature > 0 too"},
        {{"generate", "--model", t5, "--ids", "1,2", "--temperature", "-1"}, "--temperature must be a number >= 0"},
        {{"generate", "--model", t5, "--ids", "1,2", "--max-new-tokens", "0"}, "--max-new-tokens"},
        {{"generate", "--model", t5, "--ids", "1,2", "--target", "x"}, "drop --target"},
        {{"attention", "--model", t5, "--text", ""}, "the source text is empty"},
        {{"analyze", "--model", t5, "--ids", "1,2", "--attention", "cross"}, "Use encoder or decoder"},
        {{"analyze", "--model", t5, "--ids", "1,2", "--attention", "both"}, "--attention must be encoder or decoder"},
        {{"analyze", "--model", causal, "--ids", "1,2", "--attention", "encoder"}, "--attention is for encoder-decoder"},
    };
    for (const Case& c : cases) {
        const auto run = runCli(c.args);
        QVERIFY2(run.exitCode == 1, qPrintable(c.args.join(' ')));
        const QString err = QString::fromUtf8(run.err);
        QVERIFY2(err.contains(c.message), qPrintable(c.args.join(' ') + " -> " + err));
        QCOMPARE(err.count('\n'), 1);
    }
}

QTEST_GUILESS_MAIN(TestSeq2SeqCli)
#include "test_seq2seq_cli.moc"
