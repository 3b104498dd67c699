// A tokenizer whose ids go beyond the model's vocab_size: a warning when the
// session opens (naming the tokenizer file and both sizes), and a run that
// meets such an id fails naming the tokenizer file, the token and its id
// (not only "outside the vocabulary"). attnviz-cli prints the warning.
#include "support/cli_runner.h"
#include "support/fixture_models.h"
#include "support/verify_result.h"

#include "attnviz/core/session.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace attnviz;

namespace {

// tiny-gpt2 (vocab_size 50) with a 59-line vocab.txt (61 ids with the [PAD] and [MASK] BertTokenizer adds): [UNK] [CLS] [SEP],
// t3..t58, and "hello" at id 55, "hi" at id 7.
std::filesystem::path writeMismatch(const QTemporaryDir& tmp) {
    auto dir = test::writeFixture(tmp, "tiny-gpt2");
    if (!dir) return {};
    std::ofstream vocab(*dir / "vocab.txt");
    vocab << "[UNK]\n[CLS]\n[SEP]\n";
    for (int id = 3; id < 59; ++id) vocab << (id == 55 ? std::string("hello") : id == 7 ? "hi" : "t" + std::to_string(id)) << "\n";
    std::ofstream(*dir / "tokenizer_config.json") << R"({"tokenizer_class": "BertTokenizer"})";
    return *dir;
}

}  // namespace

class TestTokenizerModelVocab : public QObject {
    Q_OBJECT

private slots:
    void warningAtOpen();
    void runNamesTokenizerFileTokenAndId();
    void idsInsideTheModelStillRun();
    void cliPrintsTheWarning();
};

void TestTokenizerModelVocab::warningAtOpen() {
    QTemporaryDir tmp;
    const auto dir = writeMismatch(tmp);
    QVERIFY(!dir.empty());
    ATTNVIZ_UNWRAP(session, core::Session::open(dir));
    QVERIFY(session->tokenizer() != nullptr);
    QCOMPARE(session->warnings().size(), std::size_t{1});
    const QString w = QString::fromStdString(session->warnings().front());
    QVERIFY2(w.contains("'" + QString::fromStdString((dir / "vocab.txt").string()) + "'"), qPrintable(w));
    QVERIFY2(w.contains("has 61 ids") && w.contains("vocab_size is 50"), qPrintable(w));
}

void TestTokenizerModelVocab::runNamesTokenizerFileTokenAndId() {
    QTemporaryDir tmp;
    const auto dir = writeMismatch(tmp);
    QVERIFY(!dir.empty());
    ATTNVIZ_UNWRAP(session, core::Session::open(dir));
    ATTNVIZ_UNWRAP(tokens, session->tokenize({.text = "hi hello"}));
    QCOMPARE(tokens.size(), std::size_t{4});  // [CLS] hi hello [SEP]
    auto run = session->run(tokens, core::RunRequest::forViews(core::MaskMode::defaultMode(), false));
    QVERIFY(!run.ok());
    const QString e = QString::fromStdString(run.error());
    QVERIFY2(e.contains("token 'hello' (id 55, position 2)"), qPrintable(e));
    QVERIFY2(e.contains("'" + QString::fromStdString((dir / "vocab.txt").string()) + "'"), qPrintable(e));
    QVERIFY2(e.contains("vocab_size 50"), qPrintable(e));
    QCOMPARE(run.code(), core::ErrorCode::InvalidInput);
}

void TestTokenizerModelVocab::idsInsideTheModelStillRun() {
    QTemporaryDir tmp;
    const auto dir = writeMismatch(tmp);
    QVERIFY(!dir.empty());
    ATTNVIZ_UNWRAP(session, core::Session::open(dir));
    ATTNVIZ_UNWRAP(tokens, session->tokenize({.text = "hi"}));
    ATTNVIZ_UNWRAP(run, session->run(tokens, core::RunRequest::forViews(core::MaskMode::defaultMode(), false)));
    QVERIFY(run != nullptr);
}

void TestTokenizerModelVocab::cliPrintsTheWarning() {
    QTemporaryDir tmp;
    const auto dir = writeMismatch(tmp);
    QVERIFY(!dir.empty());
    const auto r = test::runCli(ATTNVIZ_CLI_PATH, {"attention", "--model", QString::fromStdString(dir.string()), "--text",
                                                   "hi hello"});
    QCOMPARE(r.exitCode, 1);
    const QString err = QString::fromUtf8(r.err);
    QVERIFY2(err.contains("has 61 ids") && err.contains("vocab_size is 50"), qPrintable(err));
    QVERIFY2(err.contains("token 'hello' (id 55, position 2)"), qPrintable(err));
}

QTEST_GUILESS_MAIN(TestTokenizerModelVocab)
#include "test_tokenizer_model_vocab.moc"
