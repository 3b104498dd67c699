// Every string a tokenizer returns is valid UTF-8 (tokenizer.h): a
// SentencePiece model whose pieces are not UTF-8 decodes each maximal
// invalid subsequence to U+FFFD, as Python's bytes.decode(errors="replace")
// does, and `attnviz-cli tokens --json` then writes valid JSON.
#include "tiny_files.h"

#include "support/cli_runner.h"
#include "support/verify_result.h"

#include "attnviz/core/tokenizer.h"
#include "attnviz/core/trace_json.h"
#include "tokenizers/unicode_text.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

using namespace attnviz;
using test::SpPiece;

namespace {

const std::string kFffd = "\xEF\xBF\xBD";

// ids: 0 <unk>, 1 <s>, 2 </s>, 3 "a", 4 "\xFF\xFEb", 5 "\xE2\x82" (a cut
// euro sign), 6 "\xED\xA0\x80" (a surrogate), 7 control "<\xC0\xAF>".
std::string badPiecesModel() {
    test::SpModelSpec spec;
    spec.pieces = {{"<unk>", 0, SpPiece::Unknown},   {"<s>", 0, SpPiece::Control}, {"</s>", 0, SpPiece::Control},
                   {"a", -1},                         {"\xFF\xFE" "b", -2},        {"\xE2\x82", -3},
                   {"\xED\xA0\x80", -4},              {"<\xC0\xAF>", 0, SpPiece::Control}};
    return test::sentencePieceModel(spec);
}

std::filesystem::path writeBadModel(const QTemporaryDir& tmp) {
    const std::filesystem::path dir = tmp.path().toStdString();
    if (!test::writeFile(dir / "tokenizer.model", badPiecesModel()).ok()) return {};
    return dir;
}

}  // namespace

class TestTokenizerUtf8 : public QObject {
    Q_OBJECT

private slots:
    void repairMatchesPython_data();
    void repairMatchesPython();
    void sentencePieceDecodeIsValid();
    void tokensJsonIsValid();
    void folderNameNotUtf8GivesValidJson();
};

// Expected strings are Python's bytes.decode("utf-8", errors="replace").
void TestTokenizerUtf8::repairMatchesPython_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QByteArray>("expected");
    const QByteArray r = QByteArray::fromStdString(kFffd);
    QTest::newRow("valid") << QByteArray("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80") << QByteArray("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80");
    QTest::newRow("stray continuation bytes") << QByteArray("\xFF\x80\x80") << r + r + r;
    QTest::newRow("cut 3-byte sequence") << QByteArray("\xE2\x82" "a") << r + "a";
    QTest::newRow("cut 4-byte sequence at end") << QByteArray("x\xF0\x9F\x98") << "x" + r;
    QTest::newRow("surrogate") << QByteArray("\xED\xA0\x80") << r + r + r;
    QTest::newRow("overlong") << QByteArray("\xC0\xAF") << r + r;
    QTest::newRow("overlong 3-byte") << QByteArray("\xE0\x80\xAF") << r + r + r;
    QTest::newRow("beyond U+10FFFF") << QByteArray("\xF4\x90\x80\x80") << r + r + r + r;
    QTest::newRow("lead then ASCII") << QByteArray("\xC3" "A\xC3") << r + "A" + r;
    QTest::newRow("4-byte cut after 3") << QByteArray("\xF1\x80\x80" "z") << r + "z";
}

void TestTokenizerUtf8::repairMatchesPython() {
    QFETCH(QByteArray, bytes);
    QFETCH(QByteArray, expected);
    const std::string out = core::unicode::toValidUtf8(bytes.toStdString());
    QCOMPARE(QByteArray::fromStdString(out), expected);
    QVERIFY(!core::findInvalidUtf8(out));
}

void TestTokenizerUtf8::sentencePieceDecodeIsValid() {
    QTemporaryDir tmp;
    const auto dir = writeBadModel(tmp);
    QVERIFY(!dir.empty());
    ATTNVIZ_UNWRAP(tok, core::loadTokenizer(dir));
    QCOMPARE(tok->kind(), std::string("sentencepiece"));
    ATTNVIZ_UNWRAP(b, tok->decode(std::vector<std::int32_t>{3, 4}));
    QCOMPARE(QByteArray::fromStdString(b), QByteArray::fromStdString("a" + kFffd + kFffd + "b"));
    ATTNVIZ_UNWRAP(cut, tok->decode(std::vector<std::int32_t>{5, 3}));
    QCOMPARE(QByteArray::fromStdString(cut), QByteArray::fromStdString(kFffd + "a"));
    for (std::int32_t id = 0; id < tok->vocabSize(); ++id) {
        ATTNVIZ_UNWRAP(text, tok->decode(std::vector<std::int32_t>{id}));
        QVERIFY2(!core::findInvalidUtf8(text), qPrintable(QString("decode of id %1").arg(id)));
        QVERIFY2(!core::findInvalidUtf8(tok->piece(id)), qPrintable(QString("piece of id %1").arg(id)));
        QVERIFY2(!core::findInvalidUtf8(tok->display(id)), qPrintable(QString("display of id %1").arg(id)));
    }
    std::vector<std::int32_t> all(static_cast<std::size_t>(tok->vocabSize()));
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::int32_t>(i);
    ATTNVIZ_UNWRAP(everything, tok->decode(all));
    QVERIFY(!core::findInvalidUtf8(everything));
}

void TestTokenizerUtf8::tokensJsonIsValid() {
    QTemporaryDir tmp;
    const auto dir = writeBadModel(tmp);
    QVERIFY(!dir.empty());
    const auto run = test::runCli(ATTNVIZ_CLI_PATH, {"tokens", "--model", QString::fromStdString(dir.string()),
                                                     "--ids", "3,4,5,6,7", "--json"});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY2(!core::findInvalidUtf8(run.out.toStdString()), run.out.constData());
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(run.out, &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    const QJsonArray tokens = doc.object().value("tokens").toArray();
    QCOMPARE(tokens.size(), 5);
    QCOMPARE(tokens[1].toObject().value("piece").toString(), QString::fromUtf8("\uFFFD\uFFFDb"));
    QCOMPARE(tokens[1].toObject().value("id").toInt(), 4);
}

// The model's name (its folder) goes into every JSON the CLI writes
// (attention, analyze, predict), through appendJsonString; a folder name that
// is not UTF-8 must not make that JSON invalid. (In-process: QProcess cannot
// pass an argument that is not UTF-8.)
void TestTokenizerUtf8::folderNameNotUtf8GivesValidJson() {
    std::string out;
    core::appendJsonString(out, "bad\xFFname\n\xE2\x82");
    QCOMPARE(QByteArray::fromStdString(out), QByteArray::fromStdString("\"bad" + kFffd + "name\\n" + kFffd + "\""));
}

QTEST_GUILESS_MAIN(TestTokenizerUtf8)
#include "test_tokenizer_utf8.moc"
