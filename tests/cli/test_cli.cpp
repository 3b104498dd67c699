// attnviz-cli as outside tools use it: the attention JSON contract, exact
// float32 round trip, and one clear stderr line with a non-zero exit on errors.
#include "support/cli_runner.h"
#include "support/fixture_models.h"
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/model.h"

#include <QDir>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <memory>
#include <vector>

using namespace attnviz;

namespace {

using test::CliResult;

CliResult runCli(const QStringList& args) { return test::runCli(ATTNVIZ_CLI_PATH, args); }

// Temporary output files left in `dir` (".NAME.XXXXXX.part", or the old "NAME.part").
QStringList partFiles(const QString& dir) {
    return QDir(dir).entryList({"*.part"}, QDir::Files | QDir::Hidden | QDir::System);
}

}  // namespace

class TestCli : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void attentionJsonContract();
    void tokenTypesAndScores();
    void outputFile();
    void outputIntoMissingFolder();
    void failedRunKeepsExistingOutput();
    void concurrentWritersLeaveValidJson();
    void errorsAreOneLine_data();
    void errorsAreOneLine();
    void tokensFromText();
    void predictNextToken();
    void predictNeedsMaskForMaskedModels();
    void helpAfterCommand();
    void layerKinds();
    void globalTokens();

private:
    QTemporaryDir m_tmp;
    QString m_gpt2;
    QString m_bert;
};

void TestCli::initTestCase() {
    ATTNVIZ_UNWRAP(gpt2, test::writeFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(bert, test::writeFixture(m_tmp, "tiny-bert"));
    m_gpt2 = QString::fromStdString(gpt2.string());
    m_bert = QString::fromStdString(bert.string());
}

void TestCli::attentionJsonContract() {
    const auto r = runCli({"attention", "--model", m_gpt2, "--ids", "3,1,4,1,5", "--mask", "bidirectional"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.err.isEmpty());
    const auto j = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(j["model"].get<std::string>(), std::string("tiny-gpt2"));
    QCOMPARE(j["model_type"].get<std::string>(), std::string("gpt2"));
    QCOMPARE(j["mask"].get<std::string>(), std::string("bidirectional"));
    QVERIFY(j["token_type_ids"].is_null());
    QCOMPARE(j["n_layers"].get<int>(), 2);
    QCOMPARE(j["n_heads"].get<int>(), 2);
    QCOMPARE(j["tokens"].size(), std::size_t(5));
    QCOMPARE(j["tokens"][2]["id"].get<int>(), 4);
    QVERIFY(j["tokens"][2]["text"].is_string());
    QVERIFY(!j.contains("scores"));

    // The printed numbers are the engine's float32 values, bit for bit.
    auto model = core::loadModel(m_gpt2.toStdString());
    QVERIFY(model.ok());
    core::RunOptions o;
    o.mask = core::MaskMode::bidirectional();
    auto trace = (*model)->run(std::vector<std::int32_t>{3, 1, 4, 1, 5}, o);
    QVERIFY(trace.ok());
    const auto& att = j["attention"];
    QCOMPARE(att.size(), std::size_t(2));
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 2; ++h)
            for (int i = 0; i < 5; ++i)
                for (int k = 0; k < 5; ++k) {
                    QCOMPARE(static_cast<float>(att[l][h][i][k].get<double>()), trace->prob(l, h, i, k));
                }
}

void TestCli::tokenTypesAndScores() {
    const auto r = runCli({"attention", "--model", m_bert, "--ids", "2,5,3,7,3", "--token-types", "0,0,0,1,1",
                           "--mask", "causal", "--scores"});
    QCOMPARE(r.exitCode, 0);
    const auto j = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(j["token_type_ids"].get<std::vector<int>>(), (std::vector<int>{0, 0, 0, 1, 1}));
    QCOMPARE(j["effective_mask"].get<std::string>(), std::string("causal"));
    QCOMPARE(j["mask_is_model_default"].get<bool>(), false);
    const auto& s = j["scores"];
    for (int i = 0; i < 5; ++i)
        for (int k = 0; k < 5; ++k) {
            QCOMPARE(s[1][0][i][k].is_null(), k > i);  // masked scores are null
            if (k > i) QCOMPARE(j["attention"][1][0][i][k].get<double>(), 0.0);
        }
}

void TestCli::outputFile() {
    const QString out = m_tmp.filePath("trace.json");
    const auto r = runCli({"attention", "--model", m_gpt2, "--ids", "1,2", "-o", out});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.isEmpty());
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto j = nlohmann::json::parse(f.readAll().toStdString());
    QCOMPARE(j["tokens"].size(), std::size_t(2));
    QCOMPARE(partFiles(m_tmp.path()), QStringList());
}

void TestCli::outputIntoMissingFolder() {
    const QString folder = m_tmp.filePath("no/such/dir");
    const auto r = runCli({"attention", "--model", m_gpt2, "--ids", "1,2", "-o", folder + "/x.json"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.endsWith('\n') && r.err.count('\n') == 1, r.err.constData());
    // The temporary file that could not be created, and why.
    const QRegularExpression expected("^attnviz-cli: error: cannot create '" + QRegularExpression::escape(folder) +
                                      R"(/\.x\.json\.[a-z0-9]{6}\.part': No such file or directory\n$)");
    QVERIFY2(expected.match(QString::fromUtf8(r.err)).hasMatch(), r.err.constData());
}

void TestCli::failedRunKeepsExistingOutput() {
    QTemporaryDir dir;
    const QString out = dir.filePath("trace.json");
    {
        QFile f(out);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("previous run\n");
    }
    for (const QStringList& ids : {QStringList{"--ids", "1,x"}, QStringList{"--ids", "1,999"}}) {
        const auto r = runCli(QStringList{"attention", "--model", m_gpt2, "-o", out} + ids);
        QCOMPARE(r.exitCode, 1);
        QFile f(out);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("previous run\n"));
        QCOMPARE(partFiles(dir.path()), QStringList());
    }
}

void TestCli::concurrentWritersLeaveValidJson() {
    QTemporaryDir dir;
    const QString out = dir.filePath("same.json");
    // Runs of different lengths, all started before any is waited for: the
    // file must be one run's complete output, never a mix.
    std::vector<std::unique_ptr<QProcess>> runs;
    for (int n = 1; n <= 6; ++n) {
        QStringList ids;
        for (int i = 0; i < n * 8; ++i) ids << QString::number(1 + (i * 7 + n) % 40);
        auto p = std::make_unique<QProcess>();
        p->start(ATTNVIZ_CLI_PATH, {"attention", "--model", m_gpt2, "--ids", ids.join(','), "--scores", "-o", out});
        runs.push_back(std::move(p));
    }
    for (auto& p : runs) {
        QVERIFY(p->waitForFinished(120000));
        QCOMPARE(p->exitStatus(), QProcess::NormalExit);
        QVERIFY2(p->exitCode() == 0, p->readAllStandardError().constData());
    }
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto j = nlohmann::json::parse(f.readAll().toStdString(), nullptr, false);
    QVERIFY2(!j.is_discarded(), "the output is valid JSON");
    const std::size_t tokens = j["tokens"].size();
    QVERIFY(tokens % 8 == 0 && tokens >= 8 && tokens <= 48);
    QCOMPARE(partFiles(dir.path()), QStringList());
}

void TestCli::errorsAreOneLine_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    const QString bogus = m_tmp.filePath("does-not-exist");
    QTest::newRow("no command") << QStringList{"frobnicate"} << "unknown command";
    QTest::newRow("missing model") << QStringList{"attention", "--ids", "1"} << "--model";
    QTest::newRow("unknown option") << QStringList{"attention", "--model", "x", "--bogus"} << "unknown option '--bogus'";
    QTest::newRow("bad mask") << QStringList{"attention", "--model", "x", "--ids", "1", "--mask", "sideways"} << "unknown mask";
    QTest::newRow("bad window") << QStringList{"attention", "--model", "x", "--ids", "1", "--mask", "window:0"} << "window";
    QTest::newRow("no folder") << QStringList{"attention", "--model", bogus, "--ids", "1"} << "does not exist";
    QTest::newRow("bad ids") << QStringList{"attention", "--model", "MODEL", "--ids", "1,x"} << "'x' is not an integer";
    QTest::newRow("id out of range") << QStringList{"attention", "--model", "MODEL", "--ids", "1,999"} << "outside the vocabulary";
    QTest::newRow("text and ids") << QStringList{"attention", "--model", "MODEL", "--ids", "1", "--text", "a"} << "exactly one";
    QTest::newRow("no tokenizer") << QStringList{"attention", "--model", "MODEL", "--text", "hello"}
                                  << "run the model from token ids with --ids";
    QTest::newRow("types on gpt2") << QStringList{"attention", "--model", "MODEL", "--ids", "1", "--token-types", "0"} << "no token types";
    QTest::newRow("global on gpt2") << QStringList{"attention", "--model", "MODEL", "--ids", "1,2", "--global", "0"}
                                    << "--global: gpt2 models have no global attention";
    QTest::newRow("bench zero tokens") << QStringList{"bench", "--model", "MODEL", "--tokens", "0"} << "--tokens";
}

void TestCli::errorsAreOneLine() {
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

void TestCli::tokensFromText() {
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "shared models folder");
    const QString dir = QString::fromStdString((models / "stories260K").string());
    const auto r = runCli({"tokens", "--model", dir, "--text", "Once upon a time", "--json"});
    QCOMPARE(r.exitCode, 0);
    const auto j = nlohmann::json::parse(r.out.toStdString());
    const auto& t = j["tokens"];
    QCOMPARE(t[0]["id"].get<int>(), 1);  // BOS
    QCOMPARE(t[0]["special"].get<bool>(), true);
    QCOMPARE(t[1]["piece"].get<std::string>(), std::string("\u2581Once"));
    QCOMPARE(t[1]["start"].get<int>(), 0);
    QCOMPARE(t[1]["end"].get<int>(), 4);
    const auto bad = runCli({"tokens", "--model", dir, "--text", QString::fromLatin1("caf\xe9")});
    QCOMPARE(bad.exitCode, 0);  // QString re-encodes Latin-1 as valid UTF-8; invalid bytes are tested in core
}

void TestCli::predictNextToken() {
    const auto r = runCli({"predict", "--model", m_gpt2, "--ids", "3,1,4", "--top", "3", "--json"});
    QCOMPARE(r.exitCode, 0);
    const auto j = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(j["kind"].get<std::string>(), std::string("next-token"));
    QCOMPARE(j["predictions"].size(), std::size_t(1));
    const auto& p = j["predictions"][0];
    QCOMPARE(p["position"].get<int>(), 2);
    QCOMPARE(p["top"].size(), std::size_t(3));
    // The same numbers as the core's softmax over the last position's logits.
    auto model = core::loadModel(m_gpt2.toStdString());
    QVERIFY(model.ok());
    core::RunOptions o;
    o.computeLogits = true;
    auto trace = (*model)->run(std::vector<std::int32_t>{3, 1, 4}, o);
    QVERIFY(trace.ok());
    const float* row = trace->logits.data() + 2 * trace->vocabSize;
    double z = 0;
    for (int v = 0; v < trace->vocabSize; ++v) z += std::exp(double(row[v]));
    for (int k = 0; k < 3; ++k) {
        const int id = p["top"][k]["id"].get<int>();
        QVERIFY(std::fabs(p["top"][k]["probability"].get<double>() - std::exp(double(row[id])) / z) < 1e-6);
        if (k) QVERIFY(p["top"][k]["probability"].get<double>() <= p["top"][k - 1]["probability"].get<double>());
    }
}

void TestCli::predictNeedsMaskForMaskedModels() {
    const auto r = runCli({"predict", "--model", m_bert, "--ids", "2,5,3"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(QString::fromUtf8(r.err).contains("[MASK]"));
    QCOMPARE(r.err.count('\n'), 1);
}

void TestCli::helpAfterCommand() {
    // `attnviz-cli <command> --help` prints the usage page, like `attnviz-cli --help`.
    const auto top = runCli({"--help"});
    QCOMPARE(top.exitCode, 0);
    for (const char* command : {"analyze", "attention", "export"}) {
        const auto r = runCli({command, "--model", m_gpt2, "--help"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, top.out);
        QVERIFY(r.err.isEmpty());
    }
}

void TestCli::layerKinds() {
    // tiny-gpt2: every layer global.
    auto r = runCli({"attention", "--model", m_gpt2, "--ids", "3,1,4"});
    QCOMPARE(r.exitCode, 0);
    auto j = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(j["layer_kinds"].get<std::vector<std::string>>(), (std::vector<std::string>{"global", "global"}));
    QVERIFY(j["global_tokens"].empty());
    // tiny-mistral: a causal window of 3 in every layer; under the
    // bidirectional override the window is mirrored (|i - j| < 3), so
    // entries 3 or more apart stay exactly 0 on both sides.
    ATTNVIZ_UNWRAP(mistral, test::writeFixture(m_tmp, "tiny-mistral"));
    r = runCli({"attention", "--model", QString::fromStdString(mistral.string()), "--ids", "3,1,4,1,5,9",
                "--mask", "bidirectional"});
    QCOMPARE(r.exitCode, 0);
    j = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(j["layer_kinds"].get<std::vector<std::string>>(), (std::vector<std::string>{"local:3", "local:3"}));
    for (int l = 0; l < 2; ++l)
        for (int i = 0; i < 6; ++i)
            for (int k = 0; k < 6; ++k) {
                const double p = j["attention"][l][0][i][k].get<double>();
                if (std::abs(i - k) >= 3) QCOMPARE(p, 0.0);
                else QVERIFY(p > 0.0);
            }
}

void TestCli::globalTokens() {
    // tiny-longformer: a symmetric window in every layer plus global tokens.
    // --global 0,5: rows 0 and 5 see every key, every row sees keys 0 and 5.
    ATTNVIZ_UNWRAP(longformer, test::writeFixture(m_tmp, "tiny-longformer"));
    const QString dir = QString::fromStdString(longformer.string());
    auto r = runCli({"attention", "--model", dir, "--ids", "3,1,4,1,5,9,2,6,5,3,5,8,9,7,9,3", "--global", "5,0"});
    QCOMPARE(r.exitCode, 0);
    auto j = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(j["global_tokens"].get<std::vector<int>>(), (std::vector<int>{0, 5}));
    const auto kinds = j["layer_kinds"].get<std::vector<std::string>>();
    QCOMPARE(static_cast<int>(kinds.size()), 2);
    const int T = 16;
    for (int l = 0; l < 2; ++l) {
        QVERIFY(kinds[l].rfind("local:", 0) == 0);
        const int reach = std::stoi(kinds[l].substr(6)) / 2;
        for (int i = 0; i < T; ++i)
            for (int k = 0; k < T; ++k) {
                const double p = j["attention"][l][1][i][k].get<double>();
                const bool seen = std::abs(i - k) <= reach || i == 0 || i == 5 || k == 0 || k == 5;
                if (seen) QVERIFY(p > 0.0);
                else QCOMPARE(p, 0.0);
            }
    }
    // Default: the first token only.
    r = runCli({"attention", "--model", dir, "--ids", "3,1,4,1,5"});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(nlohmann::json::parse(r.out.toStdString())["global_tokens"].get<std::vector<int>>(), (std::vector<int>{0}));
    // Out of range: one line naming the option.
    r = runCli({"attention", "--model", dir, "--ids", "3,1,4", "--global", "3"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("--global: position 3 is outside the input (0..2)"), r.err.constData());
}

QTEST_APPLESS_MAIN(TestCli)
#include "test_cli.moc"
