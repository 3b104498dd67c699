// attnviz-cli bench --typing FILE on a tiny GPT-2 with a word-piece
// vocabulary: the report's lines and that keystrokes reused the previous
// run's prefix (not the timings); a model without a tokenizer is refused
// with one line.
#include "support/cli_runner.h"
#include "support/fixture_models.h"
#include "support/verify_result.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnviz;

class TestBenchTypingCli : public QObject {
    Q_OBJECT

private slots:
    void reportsKeystrokesAndReuse();
    void modelWithoutTokenizer();
    void missingFile();
};

namespace {

test::CliResult runCli(const QStringList& args) { return test::runCli(ATTNVIZ_CLI_PATH, args); }

bool writeText(const QString& path, const QByteArray& text) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(text) == text.size();
}

// The number after `label` at the start of a line of `out`, or -1.
double reported(const QByteArray& out, const QString& label) {
    const QRegularExpression line("^" + label + "\\s+([0-9.]+)", QRegularExpression::MultilineOption);
    const auto m = line.match(QString::fromUtf8(out));
    return m.hasMatch() ? m.captured(1).toDouble() : -1.0;
}

}  // namespace

void TestBenchTypingCli::reportsKeystrokesAndReuse() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-gpt2"));
    const QString model = QString::fromStdString(dir.string());
    // Word pieces: specials, then the letters a..j (ids 5..14).
    QVERIFY(writeText(model + "/vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"));
    // 40 one-letter words: 42 tokens with [CLS] and [SEP]; "é" is one
    // keystroke of two bytes ([UNK]).
    QByteArray text;
    for (int i = 0; i < 40; ++i) text += QByteArray(1, static_cast<char>('a' + i % 10)) + " ";
    text += "\xC3\xA9";
    const QString file = tmp.path() + "/typed.txt";
    QVERIFY(writeText(file, text));

    const auto run = runCli({"bench", "--model", model, "--typing", file, "--threads", "1"});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    // Every code point is a keystroke; each ran (none is only spaces).
    QCOMPARE(reported(run.out, "keystrokes"), 81.0);
    QCOMPARE(reported(run.out, "tokens"), 43.0);
    // Keystrokes past 32 tokens reuse the first block: from "k" at token 32
    // (the 31st word) on, every run but none before.
    const double reused = reported(run.out, "reused");
    QVERIFY2(reused >= 15 && reused < 81, run.out.constData());
    for (const char* label : {"p50", "p95", "max"}) {
        const QRegularExpression line(QString("^%1\\s+[0-9]+\\.[0-9]{2} ms$").arg(label),
                                      QRegularExpression::MultilineOption);
        QVERIFY2(line.match(QString::fromUtf8(run.out)).hasMatch(), run.out.constData());
    }
    QVERIFY(reported(run.out, "p50") <= reported(run.out, "p95"));
    QVERIFY(reported(run.out, "p95") <= reported(run.out, "max"));
}

void TestBenchTypingCli::modelWithoutTokenizer() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-gpt2"));
    const QString file = tmp.path() + "/typed.txt";
    QVERIFY(writeText(file, "a b c"));
    const auto run = runCli({"bench", "--model", QString::fromStdString(dir.string()), "--typing", file});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("has no tokenizer"), run.err.constData());
    QCOMPARE(run.err.count('\n'), 1);
    QVERIFY(run.out.isEmpty());
}

void TestBenchTypingCli::missingFile() {
    QTemporaryDir tmp;
    ATTNVIZ_UNWRAP(dir, test::writeFixture(tmp, "tiny-gpt2"));
    const auto run = runCli({"bench", "--model", QString::fromStdString(dir.string()), "--typing",
                             tmp.path() + "/absent.txt"});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("--typing") && run.err.contains("absent.txt"), run.err.constData());
    QCOMPARE(run.err.count('\n'), 1);
}

QTEST_GUILESS_MAIN(TestBenchTypingCli)
#include "test_bench_typing_cli.moc"
