// Trace files through the real CLI: `attention --format trace -o F` then
// `attention --trace F` prints the JSON a direct run prints (F32 bit for bit,
// F16 within half-precision rounding), analyze and export read traces, and
// corrupt trace files give one error line naming the file and the field.
#include "bad_input_builder.h"
#include "support/cli_runner.h"
#include "support/fixture_models.h"
#include "support/verify_result.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <limits>

using namespace attnviz;
using test::CliResult;
namespace bad = attnviz::test::bad;

namespace {

CliResult runCli(const QStringList& args) { return test::runCli(ATTNVIZ_CLI_PATH, args); }

QString describe(const CliResult& r) { return QString("exit %1: %2").arg(r.exitCode).arg(QString::fromUtf8(r.err)); }

nlohmann::json parse(const QByteArray& bytes) { return nlohmann::json::parse(bytes.toStdString()); }

// Float i of a tensor's data (little-endian F32) in a split safetensors file.
float* floatAt(bad::Safetensors& st, const std::string& tensor, std::size_t index) {
    const std::size_t begin = st.header[tensor]["data_offsets"][0].get<std::size_t>();
    return reinterpret_cast<float*>(st.data.data() + begin) + index;
}

}  // namespace

class TestTraceFiles : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void roundTripF32_data();
    void roundTripF32();
    void roundTripF16();
    void analyzeReadsTrace();
    void exportReadsTrace();
    void traceFixesModelInputAndMask();
    void corruptTraces_data();
    void corruptTraces();

private:
    // Writes the trace of `args` (a direct attention run) to `path`.
    void writeTrace(const QStringList& args, const QString& path, const QString& dtype = "f32");

    QTemporaryDir m_tmp;
    QString m_gpt2;
    QString m_bert;
    QString m_gpt2Trace;  // causal, the model's own mask
};

void TestTraceFiles::initTestCase() {
    QVERIFY(m_tmp.isValid());
    ATTNVIZ_UNWRAP(gpt2, test::writeFixture(m_tmp, "tiny-gpt2"));
    ATTNVIZ_UNWRAP(bert, test::writeFixture(m_tmp, "tiny-bert"));
    m_gpt2 = QString::fromStdString(gpt2.string());
    m_bert = QString::fromStdString(bert.string());
    m_gpt2Trace = m_tmp.filePath("gpt2.safetensors");
    writeTrace({"--model", m_gpt2, "--ids", "3,1,4,1,5,9"}, m_gpt2Trace);
}

void TestTraceFiles::writeTrace(const QStringList& args, const QString& path, const QString& dtype) {
    const auto r = runCli(QStringList{"attention"} + args + QStringList{"--format", "trace", "--trace-dtype", dtype, "-o", path});
    QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    QVERIFY(r.out.isEmpty());
    QVERIFY(QFileInfo(path).size() > 0);
}

void TestTraceFiles::roundTripF32_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<QStringList>("args");
    // Every architecture under its own mask; an override (the trace records
    // it was not the model's own), token types, and Longformer's global tokens.
    for (const std::string& p : test::tinyPresets()) {
        QTest::newRow(p.c_str()) << QString::fromStdString(p) << QStringList{"--ids", "3,1,4,1,5,9,2,6"};
    }
    QTest::newRow("gpt2 bidirectional") << "tiny-gpt2" << QStringList{"--ids", "3,1,4,1,5", "--mask", "bidirectional"};
    QTest::newRow("bert causal, token types")
        << "tiny-bert" << QStringList{"--ids", "2,5,3,7,3", "--token-types", "0,0,0,1,1", "--mask", "causal"};
    QTest::newRow("gpt2 window:2") << "tiny-gpt2" << QStringList{"--ids", "3,1,4,1,5", "--mask", "window:2"};
    QTest::newRow("longformer global 0,3") << "tiny-longformer" << QStringList{"--ids", "3,1,4,1,5,9", "--global", "0,3"};
}

void TestTraceFiles::roundTripF32() {
    QFETCH(QString, preset);
    QFETCH(QStringList, args);
    const auto presets = test::tinyPresets();
    if (std::find(presets.begin(), presets.end(), preset.toStdString()) == presets.end()) QSKIP("no such preset here");
    QTemporaryDir dir;
    ATTNVIZ_UNWRAP(model, test::writeFixture(dir, preset.toStdString()));
    const QStringList run = QStringList{"--model", QString::fromStdString(model.string())} + args;
    const auto direct = runCli(QStringList{"attention"} + run);
    QVERIFY2(direct.exitCode == 0, qPrintable(describe(direct)));
    const QString file = dir.filePath("t.safetensors");
    writeTrace(run, file);
    const auto read = runCli({"attention", "--trace", file});
    QVERIFY2(read.exitCode == 0, qPrintable(describe(read)));
    QVERIFY(read.err.isEmpty());
    // Every byte: tokens, texts, masks, layer kinds, global tokens and each
    // float printed with %.9g (a float32 round trip).
    QCOMPARE(read.out, direct.out);
}

void TestTraceFiles::roundTripF16() {
    const QString file = m_tmp.filePath("gpt2-f16.safetensors");
    writeTrace({"--model", m_gpt2, "--ids", "3,1,4,1,5,9"}, file, "f16");
    const auto direct = runCli({"attention", "--model", m_gpt2, "--ids", "3,1,4,1,5,9"});
    const auto read = runCli({"attention", "--trace", file});
    QVERIFY2(read.exitCode == 0, qPrintable(describe(read)));
    const auto a = parse(direct.out);
    const auto b = parse(read.out);
    QCOMPARE(b["tokens"], a["tokens"]);
    QCOMPARE(b["effective_mask"], a["effective_mask"]);
    double worst = 0;
    bool changed = false;
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 2; ++h)
            for (int i = 0; i < 6; ++i)
                for (int k = 0; k < 6; ++k) {
                    const double x = a["attention"][l][h][i][k].get<double>();
                    const double y = b["attention"][l][h][i][k].get<double>();
                    // Round to nearest half: relative error <= 2^-11, absolute 2^-25 below 2^-14.
                    const double bound = std::ldexp(std::fabs(x), -11) + std::ldexp(1.0, -25);
                    QVERIFY2(std::fabs(x - y) <= bound, qPrintable(QString("L%1H%2 [%3][%4]: %5 vs %6").arg(l).arg(h).arg(i).arg(k).arg(x).arg(y)));
                    worst = std::max(worst, std::fabs(x - y));
                    changed = changed || x != y;
                }
    QVERIFY2(changed, "F16 storage changed no value: was it stored as F32?");
    const auto header = bad::readSafetensors(file).header;
    QCOMPARE(header["attention.0"]["dtype"].get<std::string>(), std::string("F16"));
}

void TestTraceFiles::analyzeReadsTrace() {
    const auto direct = runCli({"analyze", "--model", m_gpt2, "--ids", "3,1,4,1,5,9"});
    QVERIFY2(direct.exitCode == 0, qPrintable(describe(direct)));
    const auto read = runCli({"analyze", "--trace", m_gpt2Trace});
    QVERIFY2(read.exitCode == 0, qPrintable(describe(read)));
    const auto a = parse(direct.out);
    const auto b = parse(read.out);
    // What the attention alone determines is the same; what needs the model
    // (induction on its own sequence, value norms) is null.
    for (const char* key : {"tokens", "mean_heads", "rollout", "n_layers", "n_heads", "seq_len", "effective_mask"}) {
        QVERIFY2(a[key] == b[key], key);
    }
    QVERIFY(!a["value_norms"].is_null());
    QVERIFY(b["value_norms"].is_null());
    QVERIFY(b["induction_ids"].is_null());
    QCOMPARE(a["head_stats"].size(), b["head_stats"].size());
    for (std::size_t i = 0; i < a["head_stats"].size(); ++i) {
        auto x = a["head_stats"][i];
        auto y = b["head_stats"][i];
        QVERIFY(x["induction"].is_number());
        QVERIFY(y["induction"].is_null());
        x.erase("induction");
        y.erase("induction");
        QCOMPARE(y, x);
    }
    const auto csv = runCli({"analyze", "--trace", m_gpt2Trace, "--csv", "--sort", "sink"});
    QVERIFY2(csv.exitCode == 0, qPrintable(describe(csv)));
    QCOMPARE(csv.out.count('\n'), 5);  // title + 4 heads
}

void TestTraceFiles::exportReadsTrace() {
    // The same figure from the trace as from the run: byte for byte.
    for (const QStringList& view : {QStringList{"--view", "head", "--layer", "1", "--head", "0"},
                                    QStringList{"--view", "overview"}, QStringList{"--view", "rollout"}}) {
        const QString a = m_tmp.filePath("direct.svg");
        const QString b = m_tmp.filePath("trace.svg");
        const auto direct = runCli(QStringList{"export", "--model", m_gpt2, "--ids", "3,1,4,1,5,9", "-o", a} + view);
        QVERIFY2(direct.exitCode == 0, qPrintable(describe(direct)));
        const auto read = runCli(QStringList{"export", "--trace", m_gpt2Trace, "-o", b} + view);
        QVERIFY2(read.exitCode == 0, qPrintable(describe(read)));
        QCOMPARE(bad::readBytes(b), bad::readBytes(a));
    }
    const QString csv = m_tmp.filePath("stats.csv");
    const auto stats = runCli({"export", "--trace", m_gpt2Trace, "--view", "stats", "-o", csv});
    QVERIFY2(stats.exitCode == 0, qPrintable(describe(stats)));
    QVERIFY(bad::readBytes(csv).startsWith("layer,head,"));
    // What needs a re-run says so.
    const auto steps = runCli({"export", "--trace", m_gpt2Trace, "--steps", "-o", m_tmp.filePath("s.png")});
    QCOMPARE(steps.exitCode, 1);
    QVERIFY2(steps.err.contains("cannot re-run"), steps.err.constData());
}

void TestTraceFiles::traceFixesModelInputAndMask() {
    for (const QStringList& extra : {QStringList{"--model", m_gpt2}, QStringList{"--ids", "1,2"}, QStringList{"--text", "hi"},
                                     QStringList{"--mask", "causal"}}) {
        const auto r = runCli(QStringList{"attention", "--trace", m_gpt2Trace} + extra);
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY2(r.err.contains(extra[0].toUtf8()) && r.err.contains("cannot re-run"), r.err.constData());
    }
    const auto scores = runCli({"attention", "--model", m_gpt2, "--ids", "1,2", "--scores", "--format", "trace", "-o",
                                m_tmp.filePath("x.safetensors")});
    QCOMPARE(scores.exitCode, 1);
    QVERIFY2(scores.err.contains("--scores"), scores.err.constData());
    const auto stdoutTrace = runCli({"attention", "--model", m_gpt2, "--ids", "1,2", "--format", "trace"});
    QCOMPARE(stdoutTrace.exitCode, 1);
    QVERIFY2(stdoutTrace.err.contains("-o FILE"), stdoutTrace.err.constData());
}

void TestTraceFiles::corruptTraces_data() {
    QTest::addColumn<QString>("what");
    QTest::addColumn<QString>("key");
    QTest::newRow("truncated") << "truncated" << "";
    QTest::newRow("header JSON") << "header JSON" << "attnviz.trace";
    QTest::newRow("not a trace") << "not a trace" << "not an attnviz trace file";
    QTest::newRow("newer version") << "newer version" << "\"version\"";
    QTest::newRow("missing key") << "missing key" << "\"seq_len\" is missing";
    QTest::newRow("n_heads vs shape") << "n_heads vs shape" << "attention.0";
    QTest::newRow("tokens count") << "tokens count" << "\"tokens\"";
    QTest::newRow("missing layer") << "missing layer" << "attention.1";
    QTest::newRow("extra tensor") << "extra tensor" << "unexpected tensor";
    QTest::newRow("dtype") << "dtype" << "\"dtype\"";
    QTest::newRow("layer kind") << "layer kind" << "\"layer_kinds\"";
    QTest::newRow("mask") << "mask" << "\"mask\"";
    QTest::newRow("non-finite") << "non-finite" << "not finite";
    QTest::newRow("negative") << "negative" << "not a probability";
    QTest::newRow("masked key") << "masked key" << "hides the key";
    QTest::newRow("row sum") << "row sum" << "sums to";
    QTest::newRow("global token") << "global token" << "\"global_tokens\"";
}

void TestTraceFiles::corruptTraces() {
    QFETCH(QString, what);
    QFETCH(QString, key);
    QTemporaryDir dir;
    const QString file = dir.filePath("bad.safetensors");
    bad::Safetensors st = bad::readSafetensors(m_gpt2Trace);
    auto meta = nlohmann::json::parse(st.header["__metadata__"]["attnviz.trace"].get<std::string>());
    const auto setMeta = [&] { st.header["__metadata__"]["attnviz.trace"] = meta.dump(); };
    const int T = 6;
    if (what == "truncated") {
        QByteArray bytes = bad::readBytes(m_gpt2Trace);
        bytes.chop(10);
        QVERIFY(bad::writeBytes(file, bytes));
        key = "bad.safetensors";
    } else {
        if (what == "header JSON") {
            st.header["__metadata__"]["attnviz.trace"] = "{\"format\": \"attnviz-trace\", ";
        } else if (what == "not a trace") {
            st.header["__metadata__"].erase("attnviz.trace");
        } else if (what == "newer version") {
            meta["version"] = 7;
            setMeta();
        } else if (what == "missing key") {
            meta.erase("seq_len");
            setMeta();
        } else if (what == "n_heads vs shape") {
            meta["n_heads"] = 1;
            meta["n_kv_heads"] = 1;
            setMeta();
        } else if (what == "tokens count") {
            meta["tokens"].erase(meta["tokens"].size() - 1);
            setMeta();
        } else if (what == "missing layer") {
            meta["n_layers"] = 3;
            meta["layer_kinds"].push_back("global");
            setMeta();
            key = "attention.2";
        } else if (what == "extra tensor") {
            const auto end = static_cast<std::size_t>(st.data.size());
            st.header["extra"] = {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {end, end + 4}}};
            st.data.append(QByteArray(4, '\0'));
        } else if (what == "dtype") {
            meta["dtype"] = "F16";
            setMeta();
        } else if (what == "layer kind") {
            meta["layer_kinds"][1] = "local:-3";
            setMeta();
        } else if (what == "mask") {
            meta["mask"] = "default";
            setMeta();
        } else if (what == "non-finite") {
            *floatAt(st, "attention.1", 2 * T + 1) = std::numeric_limits<float>::quiet_NaN();
        } else if (what == "negative") {
            *floatAt(st, "attention.0", T + 0) = -0.25f;
        } else if (what == "masked key") {
            *floatAt(st, "attention.0", 0 * T + 3) = 0.5f;  // query 0 sees key 3 under a causal mask
        } else if (what == "row sum") {
            *floatAt(st, "attention.1", T * T + 3 * T) += 0.25f;  // head 1, query 3
        } else if (what == "global token") {
            meta["global_tokens"] = {T};
            setMeta();
        }
        QVERIFY(bad::writeSafetensors(file, st));
    }
    const QString problem = bad::runAndCheck({"attention", "--trace", file}, "bad.safetensors", key);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

QTEST_GUILESS_MAIN(TestTraceFiles)
#include "test_trace_files.moc"
