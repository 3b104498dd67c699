// Corrupt tokenizer files and bad text or id arguments, run through
// attnviz-cli: each must exit 1 with one error line naming the file (or the
// option) and what is wrong, leaving no temporary file and an existing
// output untouched. Valid tokenizers are written next to a tiny fixture,
// then broken one way per case.
#include "bad_input_builder.h"

#include "support/fixture_models.h"
#include "support/verify_result.h"

#include <QFile>
#include <QtTest>

#include <nlohmann/json.hpp>

using namespace attnviz;
using namespace attnviz::test::bad;

namespace {

// Byte-level BPE over a..z, "Ġ" and "ab" (ids 0..27 of the model's 50).
nlohmann::json bpeVocab() {
    nlohmann::json v = nlohmann::json::object();
    for (int i = 0; i < 26; ++i) v[std::string(1, char('a' + i))] = i;
    v["\xc4\xa0"] = 26;
    v["ab"] = 27;
    return v;
}

void writeVocabJson(const QString& dir, const nlohmann::json& vocab, const QByteArray& merges = "#version: 0.2\na b\n") {
    writeBytes(dir + "/vocab.json", QByteArray::fromStdString(vocab.dump()));
    writeBytes(dir + "/merges.txt", merges);
}

QByteArray tokenizerJson() {
    const nlohmann::json j = {{"version", "1.0"},
                              {"model", {{"type", "BPE"}, {"vocab", bpeVocab()}, {"merges", {"a b"}}}},
                              {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}}},
                              {"decoder", {{"type", "ByteLevel"}}}};
    return QByteArray::fromStdString(j.dump());
}

QStringList textArgs(const QString& dir) { return {"attention", "--model", dir, "--text", "ab ba"}; }

// vocab.json with one id replaced by `id` (raw JSON text).
Case vocabId(const char* name, const char* id) {
    return {name,
            [id](const QString& dir) {
                QByteArray text = QByteArray::fromStdString(bpeVocab().dump());
                text.replace("\"z\":25", QByteArray("\"z\":") + id);
                writeBytes(dir + "/vocab.json", text);
                writeBytes(dir + "/merges.txt", "#version: 0.2\na b\n");
                return textArgs(dir);
            },
            "vocab.json", "id"};
}

Case tokenizerJsonText(const char* name, std::function<QByteArray(const QByteArray&)> edit, QString key) {
    return {name,
            [edit](const QString& dir) {
                writeBytes(dir + "/tokenizer.json", edit(tokenizerJson()));
                return textArgs(dir);
            },
            "tokenizer.json", std::move(key)};
}

std::vector<Case> tokenizerCases() {
    std::vector<Case> cases;
    cases.push_back({"vocab.txt not UTF-8",
                     [](const QString& dir) {
                         writeBytes(dir + "/vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\na\nb\n\xff\xfe\n");
                         return textArgs(dir);
                     },
                     "vocab.txt", "UTF-8"});
    cases.push_back(tokenizerJsonText("tokenizer.json truncated", [](const QByteArray& t) { return t.left(t.size() / 2); },
                                      "JSON"));
    cases.push_back(tokenizerJsonText("tokenizer.json nested 100k levels",
                                      [](const QByteArray&) { return "{\"model\":" + deepJson(100000) + "}"; }, "nested"));
    cases.push_back(tokenizerJsonText("tokenizer.json vocab an array",
                                      [](const QByteArray& t) {
                                          auto j = nlohmann::json::parse(t.toStdString());
                                          j["model"]["vocab"] = {1, 2, 3};
                                          return QByteArray::fromStdString(j.dump());
                                      },
                                      "vocab"));
    cases.push_back(tokenizerJsonText("tokenizer.json merges a number",
                                      [](const QByteArray& t) {
                                          auto j = nlohmann::json::parse(t.toStdString());
                                          j["model"]["merges"] = 7;
                                          return QByteArray::fromStdString(j.dump());
                                      },
                                      "merges"));
    cases.push_back({"merges.txt with unknown tokens",
                     [](const QString& dir) {
                         writeVocabJson(dir, bpeVocab(), "#version: 0.2\na b\nqq zz\n");
                         return textArgs(dir);
                     },
                     "merges.txt", "qq"});
    return cases;
}

// Ids beyond int32, negative or fractional in vocab.json (the tokenizer
// loaders' range checks; see the report of issue 20).
std::vector<Case> idCases() {
    return {vocabId("vocab.json id 2^32+5", "4294967301"), vocabId("vocab.json id negative", "-1"),
            vocabId("vocab.json id a float", "25.5")};
}

std::vector<Case> textCases() {
    std::vector<Case> cases;
    const auto withTokenizer = [](const QString& dir) { writeVocabJson(dir, bpeVocab()); };
    cases.push_back({"--text not UTF-8",
                     [=](const QString& dir) {
                         withTokenizer(dir);
                         return QStringList{"attention", "--model", dir, "--text", "@BAD@caf\\351"};
                     },
                     "--text", "UTF-8"});
    cases.push_back({"--text-file not UTF-8",
                     [=](const QString& dir) {
                         withTokenizer(dir);
                         writeBytes(dir + "/input.txt", "caf\xe9 ab\n");
                         return QStringList{"attention", "--model", dir, "--text-file", dir + "/input.txt"};
                     },
                     "input.txt", "UTF-8"});
    cases.push_back({"--text empty",
                     [=](const QString& dir) {
                         withTokenizer(dir);
                         return QStringList{"attention", "--model", dir, "--text", ""};
                     },
                     "--text", "empty"});
    cases.push_back({"--text-file empty",
                     [=](const QString& dir) {
                         withTokenizer(dir);
                         writeBytes(dir + "/input.txt", "");
                         return QStringList{"attention", "--model", dir, "--text-file", dir + "/input.txt"};
                     },
                     "input.txt", "empty"});
    cases.push_back({"--text-file of 20 MB",
                     [=](const QString& dir) {
                         withTokenizer(dir);
                         QFile f(dir + "/input.txt");
                         if (f.open(QIODevice::WriteOnly)) f.resize(20 << 20);  // sparse: quick to make
                         return QStringList{"attention", "--model", dir, "--text-file", dir + "/input.txt"};
                     },
                     "input.txt", "bytes; attnviz reads text files up to"});
    cases.push_back({"--text-file missing",
                     [=](const QString& dir) {
                         withTokenizer(dir);
                         return QStringList{"attention", "--model", dir, "--text-file", dir + "/none.txt"};
                     },
                     "none.txt", "No such file"});
    cases.push_back({"--text-file a folder",
                     [=](const QString& dir) {
                         withTokenizer(dir);
                         return QStringList{"attention", "--model", dir, "--text-file", dir};
                     },
                     "--text-file", "folder"});
    const auto ids = [](const char* name, QString value, QString key) {
        return Case{name,
                    [value](const QString& dir) { return QStringList{"attention", "--model", dir, "--ids", value}; },
                    "--ids", std::move(key)};
    };
    cases.push_back(ids("--ids 999999", "999999", "outside the vocabulary"));
    cases.push_back(ids("--ids -1", "-1", "outside the vocabulary"));
    cases.push_back(ids("--ids abc", "abc", "'abc' is not an integer"));
    cases.push_back(ids("--ids 2^32+5", "4294967301", "4294967301 is out of range"));
    return cases;
}

void addRows(const std::vector<Case>& cases) {
    QTest::addColumn<int>("index");
    for (std::size_t i = 0; i < cases.size(); ++i) QTest::newRow(cases[i].name) << static_cast<int>(i);
}

}  // namespace

class TestBadTokenizerFiles : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void tokenizerFiles_data() { addRows(tokenizerCases()); }
    void tokenizerFiles() { run(tokenizerCases()); }
    void tokenizerIdsOutOfRange_data() { addRows(idCases()); }
    void tokenizerIdsOutOfRange() { run(idCases()); }
    void textAndIds_data() { addRows(textCases()); }
    void textAndIds() { run(textCases()); }

private:
    void run(const std::vector<Case>& cases);

    QTemporaryDir m_tmp;
    QString m_gpt2;
    int m_next = 0;
};

void TestBadTokenizerFiles::initTestCase() {
    ATTNVIZ_UNWRAP(gpt2, test::writeFixture(m_tmp, "tiny-gpt2"));
    m_gpt2 = QString::fromStdString(gpt2.string());
}

void TestBadTokenizerFiles::run(const std::vector<Case>& cases) {
    QFETCH(int, index);
    const Case& c = cases[static_cast<std::size_t>(index)];
    const QString dir = m_tmp.filePath(QString("case%1").arg(m_next++));
    QVERIFY(copyFolder(m_gpt2, dir));
    const QStringList args = c.build(dir);
    QElapsedTimer timer;
    timer.start();
    const QString problem = runAndCheck(args, c.file, c.key);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY2(timer.elapsed() < 10000, "refused quickly");
}

QTEST_GUILESS_MAIN(TestBadTokenizerFiles)
#include "test_bad_tokenizer_files.moc"
