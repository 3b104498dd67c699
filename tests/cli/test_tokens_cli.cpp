// attnviz-cli tokens on the tokenizer-only folders of ../shared/models/tokenizers
// (no weights): exit status 0, the documented JSON, and the ids of the
// matching golden line ("Hello world") of ../shared/golden/tokenizers.
#include "support/test_paths.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>

using namespace attnviz;

namespace {

struct CliRun {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

CliRun runCli(const QStringList& args) {
    QProcess p;
    p.start(ATTNVIZ_CLI_PATH, args);
    CliRun r;
    if (!p.waitForFinished(60000)) return r;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// The golden ids of `text` (with special tokens, no pair) in a golden file.
std::vector<int> goldenIds(const std::filesystem::path& file, const std::string& text) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line);
        if (j.at("text") == text && !j.contains("pair") && j.value("add_special_tokens", true)) {
            return j.at("ids").get<std::vector<int>>();
        }
    }
    return {};
}

}  // namespace

class TestTokensCli : public QObject {
    Q_OBJECT

private slots:
    void tokenizerFolders_data();
    void tokenizerFolders();
    void pairTypes();
    void idsInput();
    void errors();
};

void TestTokensCli::tokenizerFolders_data() {
    QTest::addColumn<QString>("folder");
    QTest::addColumn<QString>("goldenFile");
    QTest::newRow("bert-base-uncased") << "bert-base-uncased" << "bert-base-uncased.jsonl";
    QTest::newRow("gpt2") << "gpt2" << "gpt2.jsonl";
    QTest::newRow("llama2-32k") << "llama2-32k" << "llama2-32k.jsonl";
}

void TestTokensCli::tokenizerFolders() {
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "shared models folder");
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "golden reference folder");
    QFETCH(QString, folder);
    QFETCH(QString, goldenFile);
    const auto dir = models / "tokenizers" / folder.toStdString();
    const CliRun run = runCli({"tokens", "--model", QString::fromStdString(dir.string()), "--text", "Hello world", "--json"});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(run.out, &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    const QJsonArray tokens = doc.object().value("tokens").toArray();

    const auto expected = goldenIds(golden / "tokenizers" / goldenFile.toStdString(), "Hello world");
    QVERIFY(!expected.empty());
    QCOMPARE(static_cast<std::size_t>(tokens.size()), expected.size());
    for (qsizetype i = 0; i < tokens.size(); ++i) {
        const QJsonObject t = tokens[i].toObject();
        for (const char* key : {"id", "text", "piece", "start", "end", "special", "type"}) {
            QVERIFY2(t.contains(key), key);
        }
        QCOMPARE(t["id"].toInt(), expected[static_cast<std::size_t>(i)]);
        QVERIFY(!t["text"].toString().isEmpty());
        QCOMPARE(t["type"].toInt(), 0);
    }
    // The last token is "world" (or "▁world", "Ġworld"), ending at byte 11,
    // unless the tokenizer closes with a special token.
    const QJsonObject last = tokens.last().toObject();
    const QJsonObject world = last["special"].toBool() ? tokens[tokens.size() - 2].toObject() : last;
    QCOMPARE(world["end"].toInt(), 11);
    QVERIFY2(world["text"].toString().endsWith("world"), qPrintable(world["text"].toString()));
}

void TestTokensCli::pairTypes() {
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "shared models folder");
    const auto dir = models / "tokenizers" / "bert-base-uncased";
    const CliRun run = runCli({"tokens", "--model", QString::fromStdString(dir.string()), "--text", "Hello", "--pair",
                               "world", "--json"});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const QJsonArray tokens = QJsonDocument::fromJson(run.out).object().value("tokens").toArray();
    QStringList texts;
    QList<int> types;
    for (const auto& v : tokens) {
        texts << v.toObject()["text"].toString();
        types << v.toObject()["type"].toInt();
    }
    QCOMPARE(texts, (QStringList{"[CLS]", "hello", "[SEP]", "world", "[SEP]"}));
    QCOMPARE(types, (QList<int>{0, 0, 0, 1, 1}));
    QVERIFY(tokens[0].toObject()["special"].toBool());
    QVERIFY(!tokens[1].toObject()["special"].toBool());
}

void TestTokensCli::idsInput() {
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "shared models folder");
    // GPT-2 ids 15496 "Hello", 995 "Ġworld", 198 "Ċ".
    const auto dir = models / "tokenizers" / "gpt2";
    const CliRun run =
        runCli({"tokens", "--model", QString::fromStdString(dir.string()), "--ids", "15496,995,198", "--json"});
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const QJsonArray tokens = QJsonDocument::fromJson(run.out).object().value("tokens").toArray();
    QCOMPARE(tokens.size(), 3);
    QCOMPARE(tokens[0].toObject()["text"].toString(), QString("Hello"));
    QCOMPARE(tokens[1].toObject()["piece"].toString(), QString("\u0120world"));
    QCOMPARE(tokens[1].toObject()["text"].toString(), QString("\u2423world"));
    QCOMPARE(tokens[2].toObject()["text"].toString(), QString("\u21b5"));

    // SentencePiece byte fallback (Llama 2): "<0x0A>" shows as "↵" too, an
    // ASCII byte as its character, a byte of a longer character stays "<0xE2>".
    const auto llama = models / "tokenizers" / "llama2-32k";
    const CliRun bytes = runCli({"tokens", "--model", QString::fromStdString(llama.string()), "--ids", "13,12,68,229", "--json"});
    QVERIFY2(bytes.exitCode == 0, bytes.err.constData());
    const QJsonArray b = QJsonDocument::fromJson(bytes.out).object().value("tokens").toArray();
    QCOMPARE(b[0].toObject()["piece"].toString(), QString("<0x0A>"));
    QCOMPARE(b[0].toObject()["text"].toString(), QString("\u21b5"));
    QCOMPARE(b[1].toObject()["text"].toString(), QString("\u21e5"));  // <0x09>, a tab
    QCOMPARE(b[2].toObject()["text"].toString(), QString("A"));        // <0x41>
    QCOMPARE(b[3].toObject()["text"].toString(), QString("<0xE2>"));
}

void TestTokensCli::errors() {
    // A folder with no tokenizer files: exit 1 and a message naming the files.
    QTemporaryDir empty;
    const CliRun run = runCli({"tokens", "--model", empty.path(), "--text", "Hello"});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains("tokenizer.json") && run.err.contains("vocab.txt"), run.err.constData());
}

QTEST_GUILESS_MAIN(TestTokensCli)
#include "test_tokens_cli.moc"
