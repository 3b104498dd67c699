// tools/hf_trace.py checked against the Hugging Face oracle: on every golden
// fixture it writes a trace whose attention equals the golden reference
// (the same transformers, eager), and attnviz opens it with attention within
// 1e-5 of attnviz's own run of the fixture. Skips when the oracle
// (ATTNVIZ_ORACLE, default /tmp/attnviz-oracle, as tools/bench/compare.sh)
// or ../shared/golden is absent.
#include "support/cli_runner.h"
#include "support/test_paths.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>

using namespace attnviz;
using test::CliResult;

namespace {

QString oracleDir() {
    const QByteArray env = qgetenv("ATTNVIZ_ORACLE");
    return env.isEmpty() ? QStringLiteral("/tmp/attnviz-oracle") : QString::fromLocal8Bit(env);
}

// Runs tools/hf_trace.py with the oracle's python and packages. The oracle
// has no Rust `tokenizers`; its oracle_compat shim makes the slow tokenizers
// usable (and is absent, harmlessly, elsewhere).
// With `ownWriter`, the safetensors package is hidden once the model is
// loaded, so the script writes with its own small writer.
CliResult runHfTrace(const QStringList& args, bool ownWriter = false) {
    const QString script = QString::fromStdString((test::sourceDir() / "tools" / "hf_trace.py").string());
    QString launcher =
        "import runpy, sys\n"
        "try:\n    import oracle_compat; oracle_compat.apply()\nexcept ImportError:\n    pass\n"
        "g = runpy.run_path(sys.argv[1], run_name='hf_trace')\n";
    if (ownWriter) {
        launcher += "load = g['load_model']\n"
                    "def hidden(*a):\n    r = load(*a)\n    sys.modules['safetensors.torch'] = None\n    return r\n"
                    "g['load_model'] = hidden\n";
    }
    launcher += "g['main'](sys.argv[2:])\n";
    QStringList shell{"-c", ". \"$0/env.sh\" && exec \"$PY\" -c \"$1\" \"$2\" --slow-tokenizer \"${@:3}\"", oracleDir(),
                      launcher, script};
    shell += args;
    return test::runCli("/bin/bash", shell, 300000);
}

nlohmann::json readJson(const std::filesystem::path& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

double maxDiff(const nlohmann::json& a, const nlohmann::json& b, bool& sameShape) {
    double worst = 0;
    sameShape = a.size() == b.size();
    for (std::size_t l = 0; sameShape && l < a.size(); ++l) {
        sameShape = a[l].size() == b[l].size();
        for (std::size_t h = 0; sameShape && h < a[l].size(); ++h) {
            sameShape = a[l][h].size() == b[l][h].size();
            for (std::size_t i = 0; sameShape && i < a[l][h].size(); ++i) {
                sameShape = a[l][h][i].size() == b[l][h][i].size();
                for (std::size_t k = 0; sameShape && k < a[l][h][i].size(); ++k) {
                    worst = std::max(worst, std::fabs(a[l][h][i][k].get<double>() - b[l][h][i][k].get<double>()));
                }
            }
        }
    }
    return worst;
}

}  // namespace

class TestHfTrace : public QObject {
    Q_OBJECT

private slots:
    void goldenFixtures_data();
    void goldenFixtures();
    void ownWriterWritesTheSameTrace();
};

void TestHfTrace::goldenFixtures_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("dtype");
    for (const char* m : {"gpt2", "llama", "mistral", "qwen2", "bert", "roberta", "distilbert", "llama-rope-linear"}) {
        QTest::newRow(m) << m << "f32";
    }
    QTest::newRow("llama f16") << "llama" << "f16";
}

void TestHfTrace::goldenFixtures() {
    QFETCH(QString, model);
    QFETCH(QString, dtype);
    if (!QFile::exists(oracleDir() + "/env.sh")) {
        QSKIP(qPrintable("no Hugging Face oracle at '" + oracleDir() + "' (set ATTNVIZ_ORACLE; see ../shared/oracle/README.md)"));
    }
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "golden reference folder");
    const std::string name = model.toStdString();
    const auto caseJson = readJson(golden / "attention" / (name + "__in1__default.json"));
    const QString fixture = QString::fromStdString((golden / "fixtures" / name).string());
    const QString text = QString::fromStdString(caseJson["text"].get<std::string>());
    QStringList input{"--text", text};
    if (!caseJson["pair"].is_null()) input << "--pair" << QString::fromStdString(caseJson["pair"].get<std::string>());

    QTemporaryDir tmp;
    const QString file = tmp.filePath(model + ".safetensors");
    const auto hf = runHfTrace(QStringList{"--model", fixture, "--dtype", dtype, "-o", file} + input);
    QVERIFY2(hf.exitCode == 0, hf.err.constData());

    // attnviz reads it ...
    const auto read = test::runCli(ATTNVIZ_CLI_PATH, {"attention", "--trace", file});
    QVERIFY2(read.exitCode == 0, read.err.constData());
    const auto fromTrace = nlohmann::json::parse(read.out.toStdString());
    // ... with the golden reference's tokens and attention (the same Hugging Face run) ...
    std::vector<int> ids;
    for (const auto& t : fromTrace["tokens"]) ids.push_back(t["id"].get<int>());
    QCOMPARE(ids, caseJson["input_ids"].get<std::vector<int>>());
    QCOMPARE(fromTrace["model_type"].get<std::string>(), readJson(golden / "fixtures" / name / "config.json")["model_type"].get<std::string>());
    bool sameShape = false;
    const double vsGolden = maxDiff(fromTrace["attention"], caseJson["attention"], sameShape);
    QVERIFY(sameShape);
    // F32: the same computation; F16: half-precision rounding of values <= 1.
    const double goldenTolerance = dtype == "f16" ? std::ldexp(1.0, -11) : 1e-6;
    QVERIFY2(vsGolden <= goldenTolerance, qPrintable(QString("trace vs golden: %1").arg(vsGolden)));

    // ... and within 1e-5 of attnviz's own run of the fixture on the same text.
    const auto own = test::runCli(ATTNVIZ_CLI_PATH, QStringList{"attention", "--model", fixture} + input);
    QVERIFY2(own.exitCode == 0, own.err.constData());
    const auto fromModel = nlohmann::json::parse(own.out.toStdString());
    QCOMPARE(fromTrace["tokens"], fromModel["tokens"]);  // ids and display texts
    QCOMPARE(fromTrace["effective_mask"], fromModel["effective_mask"]);
    QCOMPARE(fromTrace["layer_kinds"], fromModel["layer_kinds"]);
    QCOMPARE(fromTrace["token_type_ids"], fromModel["token_type_ids"]);
    const double vsAttnviz = maxDiff(fromTrace["attention"], fromModel["attention"], sameShape);
    QVERIFY(sameShape);
    const double tolerance = dtype == "f16" ? std::ldexp(1.0, -11) + 1e-5 : 1e-5;
    QVERIFY2(vsAttnviz <= tolerance, qPrintable(QString("trace vs attnviz: %1").arg(vsAttnviz)));
    qInfo("%s %s: trace vs golden %.3g, vs attnviz %.3g", qPrintable(model), qPrintable(dtype), vsGolden, vsAttnviz);
}

void TestHfTrace::ownWriterWritesTheSameTrace() {
    if (!QFile::exists(oracleDir() + "/env.sh")) {
        QSKIP(qPrintable("no Hugging Face oracle at '" + oracleDir() + "' (set ATTNVIZ_ORACLE; see ../shared/oracle/README.md)"));
    }
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "golden reference folder");
    const QString fixture = QString::fromStdString((golden / "fixtures" / "gpt2").string());
    QTemporaryDir tmp;
    for (const QString dtype : {"f32", "f16"}) {
        const QString a = tmp.filePath("package.safetensors");
        const QString b = tmp.filePath("own.safetensors");
        const QStringList args{"--model", fixture, "--text", "The café owner said it was hot.", "--dtype", dtype};
        const auto package = runHfTrace(args + QStringList{"-o", a});
        QVERIFY2(package.exitCode == 0, package.err.constData());
        const auto own = runHfTrace(args + QStringList{"-o", b}, true);
        QVERIFY2(own.exitCode == 0, own.err.constData());
        const auto readA = test::runCli(ATTNVIZ_CLI_PATH, {"attention", "--trace", a});
        const auto readB = test::runCli(ATTNVIZ_CLI_PATH, {"attention", "--trace", b});
        QVERIFY2(readA.exitCode == 0 && readB.exitCode == 0, (readA.err + readB.err).constData());
        QCOMPARE(readB.out, readA.out);
    }
}

QTEST_GUILESS_MAIN(TestHfTrace)
#include "test_hf_trace.moc"
