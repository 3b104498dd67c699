// attnviz-cli analyze as outside tools use it: the JSON schema, numbers equal
// to the core analyses of the same run, the CSV table, and one-line errors.
#include "support/cli_runner.h"
#include "support/fixture_models.h"
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/aggregates.h"
#include "attnviz/core/head_stats.h"
#include "attnviz/core/induction.h"
#include "attnviz/core/model.h"
#include "attnviz/core/attention_flow.h"
#include "attnviz/core/rollout.h"
#include "attnviz/core/value_weighted.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <nlohmann/json.hpp>

using namespace attnviz;

namespace {

using test::CliResult;

CliResult runCli(const QStringList& args) { return test::runCli(ATTNVIZ_CLI_PATH, args); }

// The CLI's run and the test's run of the same ids agree to rounding, not
// bit for bit: the forward pass's float sums vary in the last bits with where
// the heap puts its buffers.
constexpr double kTol = 1e-6;

bool near(const nlohmann::json& v, double expected) {
    if (std::isnan(expected)) return v.is_null();
    return v.is_number() && std::abs(v.get<double>() - expected) <= kTol * std::max(1.0, std::abs(expected));
}

}  // namespace

class TestAnalyzeCli : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void jsonSchemaAndNumbers();
    void csvTable();
    void sortedCsv();
    void singleTokenHasNoPreviousToken();
    void outputFile();
    void errorsAreOneLine_data();
    void errorsAreOneLine();
    void stories260kText();

private:
    QTemporaryDir m_tmp;
    QString m_gpt2;
};

void TestAnalyzeCli::initTestCase() {
    QVERIFY(m_tmp.isValid());
    ATTNVIZ_UNWRAP(gpt2, test::writeFixture(m_tmp, "tiny-gpt2"));
    m_gpt2 = QString::fromStdString(gpt2.string());
}

void TestAnalyzeCli::jsonSchemaAndNumbers() {
    const std::vector<std::int32_t> ids{3, 1, 4, 1, 5};
    const auto r = runCli({"analyze", "--model", m_gpt2, "--ids", "3,1,4,1,5", "--mask", "bidirectional"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.isEmpty(), r.err.constData());
    const auto j = nlohmann::json::parse(r.out.toStdString());
    for (const char* key : {"tokens", "mean_heads", "rollout", "value_norms", "head_stats", "formulas", "induction_seed",
                            "induction_repeat_length", "induction_ids", "n_layers", "n_heads", "seq_len"}) {
        QVERIFY2(j.contains(key), key);
    }
    QCOMPARE(j["effective_mask"].get<std::string>(), std::string("bidirectional"));
    QCOMPARE(j["tokens"].size(), std::size_t(5));
    QCOMPARE(j["tokens"][2]["id"].get<int>(), 4);

    // The core analyses of the same run, which the JSON must carry unchanged.
    auto model = core::loadModel(m_gpt2.toStdString());
    QVERIFY(model.ok());
    core::RunOptions o;
    o.mask = core::MaskMode::bidirectional();
    o.captureValueNorms = true;
    auto trace = (*model)->run(ids, o);
    QVERIFY(trace.ok());

    const auto& mean = j["mean_heads"];
    QCOMPARE(mean.size(), std::size_t(2));
    for (int l = 0; l < 2; ++l) {
        const auto m = core::meanOverHeads(*trace, l);
        QCOMPARE(mean[l].size(), std::size_t(5));
        for (int i = 0; i < 5; ++i)
            for (int k = 0; k < 5; ++k) QVERIFY(near(mean[l][i][k], m(i, k)));
    }
    const auto rollout = core::attentionRollout(*trace);
    QCOMPARE(j["rollout"].size(), std::size_t(5));
    for (int i = 0; i < 5; ++i)
        for (int k = 0; k < 5; ++k) QVERIFY(near(j["rollout"][i][k], rollout(i, k)));
    const auto& vn = j["value_norms"];
    QCOMPARE(vn.size(), std::size_t(2));
    for (int l = 0; l < 2; ++l) {
        QCOMPARE(vn[l].size(), std::size_t(2));
        for (int h = 0; h < 2; ++h) {
            const auto n = core::valueWeightedNorms(*trace, l, h);
            QVERIFY(n.ok());
            for (int i = 0; i < 5; ++i)
                for (int k = 0; k < 5; ++k) QVERIFY(near(vn[l][h][i][k], (*n)(i, k)));
        }
    }

    // tiny-gpt2: 64 learned positions, no BOS, so r + r with n = 64 / 2 = 32.
    QCOMPARE(j["induction_seed"].get<std::uint64_t>(), core::kInductionSeed);
    QCOMPARE(j["induction_repeat_length"].get<int>(), 32);
    const auto inductionIds = j["induction_ids"].get<std::vector<std::int32_t>>();
    QCOMPARE(inductionIds.size(), std::size_t(64));
    QVERIFY(std::equal(inductionIds.begin(), inductionIds.begin() + 32, inductionIds.begin() + 32));
    core::InductionSequence seq;
    seq.ids = inductionIds;
    seq.repeatLength = 32;
    core::RunOptions io;
    io.mask = core::MaskMode::bidirectional();
    auto inductionTrace = (*model)->run(inductionIds, io);
    QVERIFY(inductionTrace.ok());
    const auto induction = core::inductionScores(*inductionTrace, seq);

    auto stats = core::computeHeadStats(*trace);
    const auto& hs = j["head_stats"];
    QCOMPARE(hs.size(), std::size_t(4));
    for (int k = 0; k < 4; ++k) {
        QCOMPARE(hs[k].size(), std::size_t(8));
        QCOMPARE(hs[k]["layer"].get<int>(), k / 2);
        QCOMPARE(hs[k]["head"].get<int>(), k % 2);
        QVERIFY(near(hs[k]["entropy"], stats[k].entropy));
        QVERIFY(near(hs[k]["mean_distance"], stats[k].meanDistance));
        QVERIFY(near(hs[k]["sink"], stats[k].sink));
        QVERIFY(near(hs[k]["prev_token"], stats[k].prevToken));
        QVERIFY(near(hs[k]["diagonal"], stats[k].diagonal));
        QVERIFY(near(hs[k]["induction"], induction[k]));
    }

    const auto& f = j["formulas"];
    for (const char* key : {"mean_heads", "max_heads", "mean_layers", "rollout", "value_norms", "value_norms_normalized",
                            "head_similarity", "entropy", "mean_distance", "sink", "prev_token", "diagonal",
                            "induction", "ordinary_token"}) {
        QVERIFY2(f.contains(key) && f[key].is_string() && !f[key].get<std::string>().empty(), key);
    }
    QCOMPARE(f["rollout"].get<std::string>(), std::string(core::kRolloutFormula));
    QCOMPARE(f["attention_flow"].get<std::string>(), std::string(core::kAttentionFlowFormula));
    QVERIFY(j["attention_flow"].is_null());  // only with --flow

    // --flow: the core's attention flow of the same run, carried unchanged.
    const auto withFlow = runCli({"analyze", "--model", m_gpt2, "--ids", "3,1,4,1,5", "--mask", "bidirectional", "--flow"});
    QCOMPARE(withFlow.exitCode, 0);
    const auto jf = nlohmann::json::parse(withFlow.out.toStdString());
    ATTNVIZ_UNWRAP(flow, core::attentionFlow(*trace));
    QCOMPARE(jf["attention_flow"].size(), std::size_t(5));
    for (int i = 0; i < 5; ++i)
        for (int k = 0; k < 5; ++k) QVERIFY(near(jf["attention_flow"][i][k], flow(i, k)));
}

void TestAnalyzeCli::csvTable() {
    const auto r = runCli({"analyze", "--model", m_gpt2, "--ids", "3,1,4,1,5", "--csv"});
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = QString::fromUtf8(r.out).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 5);
    QCOMPARE(lines[0], QString("layer,head,entropy,mean_distance,sink,prev_token,diagonal,induction"));

    auto model = core::loadModel(m_gpt2.toStdString());
    QVERIFY(model.ok());
    auto trace = (*model)->run(std::vector<std::int32_t>{3, 1, 4, 1, 5}, core::RunOptions{});
    QVERIFY(trace.ok());
    const auto stats = core::computeHeadStats(*trace);
    for (int k = 0; k < 4; ++k) {
        const QStringList cells = lines[k + 1].split(',');
        QCOMPARE(cells.size(), 8);
        QCOMPARE(cells[0].toInt(), k / 2);
        QCOMPARE(cells[1].toInt(), k % 2);
        QVERIFY(std::abs(cells[2].toDouble() - stats[k].entropy) < kTol);
        QVERIFY(std::abs(cells[5].toDouble() - stats[k].prevToken) < kTol);
        bool ok = false;
        const double induction = cells[7].toDouble(&ok);
        QVERIFY(ok && induction >= 0.0 && induction <= 1.0);
    }
}

void TestAnalyzeCli::sortedCsv() {
    const auto r = runCli({"analyze", "--model", m_gpt2, "--ids", "3,1,4,1,5,9,2,6", "--csv", "--sort", "entropy"});
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = QString::fromUtf8(r.out).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 5);
    double previous = INFINITY;
    QSet<QString> heads;
    for (int k = 1; k < 5; ++k) {
        const QStringList cells = lines[k].split(',');
        const double entropy = cells[2].toDouble();
        QVERIFY(entropy <= previous);
        previous = entropy;
        heads.insert(cells[0] + ":" + cells[1]);
    }
    QCOMPARE(heads.size(), 4);  // a permutation of the heads, not a subset
}

void TestAnalyzeCli::singleTokenHasNoPreviousToken() {
    const auto csv = runCli({"analyze", "--model", m_gpt2, "--ids", "7", "--csv"});
    QCOMPARE(csv.exitCode, 0);
    const QStringList lines = QString::fromUtf8(csv.out).split('\n', Qt::SkipEmptyParts);
    const QStringList cells = lines[1].split(',');
    QCOMPARE(cells.size(), 8);
    QCOMPARE(cells[2], QString("0"));  // entropy of a one-key row
    QCOMPARE(cells[5], QString());     // prev_token undefined: empty field
    QCOMPARE(cells[6], QString("1"));  // diagonal

    const auto json = runCli({"analyze", "--model", m_gpt2, "--ids", "7"});
    QCOMPARE(json.exitCode, 0);
    const auto j = nlohmann::json::parse(json.out.toStdString());
    QVERIFY(j["head_stats"][0]["prev_token"].is_null());
    QCOMPARE(j["rollout"][0][0].get<double>(), 1.0);
}

void TestAnalyzeCli::outputFile() {
    const QString out = m_tmp.filePath("analysis.json");
    const auto r = runCli({"analyze", "--model", m_gpt2, "--ids", "1,2,3", "-o", out});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.isEmpty());
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto j = nlohmann::json::parse(f.readAll().toStdString());
    QCOMPARE(j["rollout"].size(), std::size_t(3));
    QVERIFY(!QFile::exists(out + ".part"));

    const QString csv = m_tmp.filePath("stats.csv");
    QCOMPARE(runCli({"analyze", "--model", m_gpt2, "--ids", "1,2,3", "--csv", "-o", csv}).exitCode, 0);
    QFile c(csv);
    QVERIFY(c.open(QIODevice::ReadOnly));
    QVERIFY(c.readLine().startsWith("layer,head,entropy"));
}

void TestAnalyzeCli::errorsAreOneLine_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    const QString bogus = m_tmp.filePath("does-not-exist");
    QTest::newRow("missing model") << QStringList{"analyze", "--ids", "1"} << "--model";
    QTest::newRow("unknown option") << QStringList{"analyze", "--model", "MODEL", "--ids", "1", "--scores"}
                                    << "unknown option '--scores'";
    QTest::newRow("flow with csv") << QStringList{"analyze", "--model", "MODEL", "--ids", "1", "--csv", "--flow"}
                                   << "--flow goes with the JSON output";
    QTest::newRow("bad sort") << QStringList{"analyze", "--model", "MODEL", "--ids", "1", "--sort", "entropyy"}
                              << "unknown statistic 'entropyy'";
    QTest::newRow("bad mask") << QStringList{"analyze", "--model", "MODEL", "--ids", "1", "--mask", "sideways"}
                              << "unknown mask";
    QTest::newRow("no folder") << QStringList{"analyze", "--model", bogus, "--ids", "1"} << "does not exist";
    QTest::newRow("id out of range") << QStringList{"analyze", "--model", "MODEL", "--ids", "1,999"}
                                     << "outside the vocabulary";
    QTest::newRow("too long") << QStringList{"analyze", "--model", "MODEL", "--ids", QString("1,").repeated(64) + "1"}
                              << "at most 64";
    QTest::newRow("no tokenizer") << QStringList{"analyze", "--model", "MODEL", "--text", "hello"} << "tokenizer";
    QTest::newRow("types on gpt2") << QStringList{"analyze", "--model", "MODEL", "--ids", "1", "--token-types", "0"}
                                   << "no token types";
    QTest::newRow("unwritable output") << QStringList{"analyze", "--model", "MODEL", "--ids", "1", "-o",
                                                      bogus + "/out.json"}
                                       << "cannot create";
}

void TestAnalyzeCli::errorsAreOneLine() {
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    args.replaceInStrings("MODEL", m_gpt2);
    const auto r = runCli(args);
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.endsWith('\n') && r.err.count('\n') == 1, r.err.constData());
    QVERIFY2(r.err.startsWith("attnviz-cli: error: "), r.err.constData());
    QVERIFY2(QString::fromUtf8(r.err).contains(expected), r.err.constData());
}

// A real tokenizer and BOS: the induction sequence is [<s>] + 50 + 50 ordinary pieces.
void TestAnalyzeCli::stories260kText() {
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "shared models folder");
    const QString dir = QString::fromStdString((models / "stories260K").string());
    if (!QFile::exists(dir + "/tokenizer.model")) QSKIP("stories260K not found");
    const auto r = runCli({"analyze", "--model", dir, "--text", "Once upon a time"});
    QCOMPARE(r.exitCode, 0);
    const auto j = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(j["tokens"][0]["id"].get<int>(), 1);
    QCOMPARE(j["mean_heads"].size(), std::size_t(5));
    QCOMPARE(j["value_norms"][4].size(), std::size_t(8));
    QCOMPARE(j["head_stats"].size(), std::size_t(40));
    QCOMPARE(j["induction_repeat_length"].get<int>(), 50);
    const auto ids = j["induction_ids"].get<std::vector<int>>();
    QCOMPARE(ids.size(), std::size_t(101));
    QCOMPARE(ids[0], 1);
    for (std::size_t i = 1; i < ids.size(); ++i) QVERIFY(ids[i] >= 259 && ids[i] <= 511);
}

QTEST_APPLESS_MAIN(TestAnalyzeCli)
#include "test_analyze_cli.moc"
