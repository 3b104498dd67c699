// attnviz-cli bench --generate N on a tiny causal preset and on the T5
// fixture of ../shared/golden/encdec (skipped when absent): the report's
// lines and a positive time per new token (not its size); bad combinations
// are refused with one line.
#include "support/cli_runner.h"
#include "support/fixture_models.h"
#include "support/test_paths.h"
#include "support/verify_result.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnviz;

class TestBenchGenerateCli : public QObject {
    Q_OBJECT

private slots:
    void causalModel();
    void encoderDecoderModel();
    void refusedOptions();
    void openTimeAndMemory();
};

namespace {

test::CliResult runCli(const QStringList& args) { return test::runCli(ATTNVIZ_CLI_PATH, args); }

// The number after `label` at the start of a line of `out`, or -1.
double reported(const QByteArray& out, const QString& label) {
    const QRegularExpression line("^" + label + "\\s+([0-9.]+)", QRegularExpression::MultilineOption);
    const auto m = line.match(QString::fromUtf8(out));
    return m.hasMatch() ? m.captured(1).toDouble() : -1.0;
}

// "" when `out` has the generation report's lines, else what is missing.
QString checkReport(const QByteArray& out, const QString& inputLabel, int inputTokens, int newTokens, int repeat) {
    if (reported(out, inputLabel) != inputTokens) return inputLabel + " line";
    if (!QString::fromUtf8(out).contains(QRegularExpression(
            QString("^new\\s+%1 tokens, %2 repeats").arg(newTokens).arg(repeat), QRegularExpression::MultilineOption))) {
        return "new line";
    }
    const QRegularExpression first("^first\\s+([0-9.]+) ms median: ", QRegularExpression::MultilineOption);
    const auto f = first.match(QString::fromUtf8(out));
    if (!f.hasMatch() || f.captured(1).toDouble() <= 0) return "first line";
    const QRegularExpression perToken("^per-token\\s+([0-9.]+) ms median, ([0-9.]+) ms min \\(([0-9]+) steps after the first",
                                      QRegularExpression::MultilineOption);
    const auto m = perToken.match(QString::fromUtf8(out));
    if (!m.hasMatch()) return "per-token line";
    const double med = m.captured(1).toDouble(), min = m.captured(2).toDouble();
    if (!(min > 0 && min <= med)) return "per-token times not positive or min above median";
    if (m.captured(3).toInt() < 1 || m.captured(3).toInt() > (newTokens - 1) * repeat) return "per-token step count";
    return {};
}

}  // namespace

void TestBenchGenerateCli::causalModel() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-llama"));
    const auto run = runCli({"bench", "--model", QString::fromStdString(dir.string()), "--generate", "6", "--tokens",
                             "12", "--repeat", "2", "--threads", "1"});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY2(run.out.startsWith("model      "), run.out.constData());
    const QString problem = checkReport(run.out, "prompt", 12, 6, 2);
    QVERIFY2(problem.isEmpty(), qPrintable(problem + ":\n" + run.out));
    // Prompt and new tokens beyond the 64 positions: one line.
    const auto tooLong = runCli({"bench", "--model", QString::fromStdString(dir.string()), "--generate", "10",
                                 "--tokens", "60"});
    QCOMPARE(tooLong.exitCode, 1);
    QVERIFY2(tooLong.err.contains("at most 4 new tokens"), tooLong.err.constData());
    QCOMPARE(tooLong.err.count('\n'), 1);
}

void TestBenchGenerateCli::encoderDecoderModel() {
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "../shared/golden");
    const auto t5 = golden / "encdec" / "fixtures" / "t5";
    if (!std::filesystem::exists(t5 / "config.json")) QSKIP("golden/encdec/fixtures/t5 not found");
    const auto run = runCli({"bench", "--model", QString::fromStdString(t5.string()), "--generate", "5", "--tokens",
                             "10", "--repeat", "2", "--threads", "1"});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY2(run.out.contains("encoder ") && run.out.contains("decoder "), run.out.constData());
    const QString problem = checkReport(run.out, "source", 10, 5, 2);
    QVERIFY2(problem.isEmpty(), qPrintable(problem + ":\n" + run.out));
    // Without --generate: one line saying how to bench it.
    const auto plain = runCli({"bench", "--model", QString::fromStdString(t5.string())});
    QCOMPARE(plain.exitCode, 1);
    QVERIFY2(plain.err.contains("--generate"), plain.err.constData());
    QCOMPARE(plain.err.count('\n'), 1);
}

void TestBenchGenerateCli::refusedOptions() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-gpt2"));
    const QString model = QString::fromStdString(dir.string());
    for (const QStringList& extra : {QStringList{"--generate", "0"}, QStringList{"--generate", "4", "--mask", "causal"},
                                     QStringList{"--generate", "4", "--scores"},
                                     QStringList{"--generate", "4", "--memory"}}) {
        const auto run = runCli(QStringList{"bench", "--model", model} + extra);
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(extra.size() == 2 ? "--generate" : extra[2].toUtf8()), run.err.constData());
        QCOMPARE(run.err.count('\n'), 1);
        QVERIFY(run.out.isEmpty());
    }
    // A bidirectional encoder cannot generate.
    ATTNVIZ_UNWRAP(bert, test::writeFixture(tmp, "tiny-bert"));
    const auto run = runCli({"bench", "--model", QString::fromStdString(bert.string()), "--generate", "4"});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("bidirectional encoder"), run.err.constData());
    QCOMPARE(run.err.count('\n'), 1);
}

QTEST_GUILESS_MAIN(TestBenchGenerateCli)
// Plain bench prints `open_ms N`; --memory adds `peak_rss_mb N` and
// `trace_mb N`. tiny-gpt2 is 2 layers x 2 heads: 64 tokens hold
// 2*2*64*64 float32 probabilities = 65536 bytes, twice that with --scores.
void TestBenchGenerateCli::openTimeAndMemory() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-gpt2"));
    const QString model = QString::fromStdString(dir.string());
    const auto plain = runCli({"bench", "--model", model, "--tokens", "64", "--repeat", "1"});
    QCOMPARE(plain.exitCode, 0);
    QVERIFY2(QRegularExpression("\\nopen_ms \\d+\\n").match(QString::fromUtf8(plain.out)).hasMatch(), plain.out.constData());
    QVERIFY(plain.out.contains("\nload       "));
    QVERIFY(plain.out.contains("\nmemory     "));
    QVERIFY(!plain.out.contains("peak_rss_mb"));
    QVERIFY(!plain.out.contains("trace_mb"));
    for (const auto& [extra, traceMb] : {std::pair{QStringList{}, QString("0.066")}, std::pair{QStringList{"--scores"}, QString("0.131")}}) {
        const auto run = runCli(QStringList{"bench", "--model", model, "--tokens", "64", "--repeat", "1", "--memory"} + extra);
        QCOMPARE(run.exitCode, 0);
        const QString out = QString::fromUtf8(run.out);
        const auto peak = QRegularExpression("\\npeak_rss_mb (\\d+)\\n").match(out);
        QVERIFY2(peak.hasMatch(), run.out.constData());
        QVERIFY(peak.captured(1).toInt() > 0);
        QVERIFY2(out.contains("\ntrace_mb " + traceMb + "\n"), run.out.constData());
    }
}

#include "test_bench_generate_cli.moc"
