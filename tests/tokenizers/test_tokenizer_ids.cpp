// Ids read from tokenizer files must be integers from 0 to 2^31 - 2: an id
// beyond int32 (2^32 + 5) must not become 5, negative ids and floats are
// refused, and added_tokens_decoder's 2147483647 must not overflow `id + 1`.
// Each error names the file, the token (or field) and the value.
#include "tiny_files.h"
#include "tiny_folder.h"

#include "support/verify_result.h"

#include "attnviz/core/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace attnviz;

namespace {

// A WordPiece tokenizer.json whose vocab, added tokens or post-processor
// have one id replaced by `id` (raw JSON text) at `where`.
std::string tokenizerJson(const std::string& where, const std::string& id) {
    const auto v = [&](const char* at, const char* good) { return where == at ? id : std::string(good); };
    return R"({"model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": )" +
           v("vocab", "2") + R"(, "a": 3}},
        "added_tokens": [{"content": "<x>", "special": true, "id": )" + v("added", "4") + R"(}],
        "post_processor": )" +
           (where == "template"
                ? R"({"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}], "pair": null,
                     "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [)" + id + R"(], "tokens": ["[CLS]"]}}})"
                : R"({"type": "BertProcessing", "cls": ["[CLS]", )" + v("cls", "1") + R"(], "sep": ["[SEP]", 2]})") +
           "}";
}

}  // namespace

class TestTokenizerIds : public QObject {
    Q_OBJECT

private slots:
    void outOfRangeIdsAreRefused_data();
    void outOfRangeIdsAreRefused();
    void largestIdLoads();
};

void TestTokenizerIds::outOfRangeIdsAreRefused_data() {
    QTest::addColumn<QByteArrayList>("files");  // name=content pairs
    QTest::addColumn<QString>("file");          // the file the message names
    QTest::addColumn<QString>("message");       // names the token and the value
    const QByteArray merges = "merges.txt=#version: 0.2\n";
    const QByteArray vocabTxt = "vocab.txt=[UNK]\n[CLS]\n[SEP]\na\n";
    const QByteArray range = "; ids must be integers from 0 to 2147483646";
    auto row = [](const char* name, QByteArrayList files, const char* file, const QByteArray& message) {
        QTest::newRow(name) << files << file << QString::fromUtf8(message);
    };
    // vocab.json (+ merges.txt)
    row("vocab.json 2^32+5", {R"(vocab.json={"a": 0, "b": 4294967301})", merges}, "vocab.json",
        "the id of token 'b' is 4294967301" + range);
    row("vocab.json 2^63", {R"(vocab.json={"a": 0, "b": 9223372036854775813})", merges}, "vocab.json",
        "the id of token 'b' is 9223372036854775813" + range);
    row("vocab.json negative", {R"(vocab.json={"a": 0, "b": -1})", merges}, "vocab.json", "the id of token 'b' is -1" + range);
    row("vocab.json float", {R"(vocab.json={"a": 0, "b": 1.0})", merges}, "vocab.json", "the id of token 'b' is 1.0" + range);
    row("vocab.json string", {R"(vocab.json={"a": 0, "b": "1"})", merges}, "vocab.json", R"(the id of token 'b' is "1")" + range);
    // added_tokens.json (next to vocab.txt)
    row("added_tokens.json 2^32+5", {vocabTxt, R"(added_tokens.json={"<x>": 4294967301})"}, "added_tokens.json",
        "the id of '<x>' is 4294967301" + range);
    row("added_tokens.json negative", {vocabTxt, R"(added_tokens.json={"<x>": -7})"}, "added_tokens.json",
        "the id of '<x>' is -7" + range);
    row("added_tokens.json float", {vocabTxt, R"(added_tokens.json={"<x>": 5.5})"}, "added_tokens.json",
        "the id of '<x>' is 5.5" + range);
    // tokenizer_config.json added_tokens_decoder keys
    for (const char* key : {"2147483647", "4294967301", "-1", "+5", " 5", "5.0", "1e3", ""}) {
        const QByteArray k = key;
        QTest::newRow(qPrintable("added_tokens_decoder key '" + k + "'"))
            << QByteArrayList{vocabTxt, R"(tokenizer_config.json={"added_tokens_decoder": {")" + k +
                                            R"(": {"content": "<x>", "special": true}}})"}
            << "tokenizer_config.json"
            << QString::fromUtf8("added_tokens_decoder key '" + k + "' is not an id (ids are integers from 0 to 2147483646)");
    }
    // tokenizer.json
    const auto json = [&](const char* where, const char* id) {
        return QByteArrayList{QByteArray("tokenizer.json=") + tokenizerJson(where, id).c_str()};
    };
    row("model.vocab 2^32+5", json("vocab", "4294967301"), "tokenizer.json", "model.vocab: the id of '[SEP]' is 4294967301" + range);
    // In range for an id, but the vocabulary is a table indexed by id: a
    // sparse id near 2^31 would allocate 64 GB (WordPiece and BPE alike), and
    // one of 66,666,144 in a tiny file 2 GB (found by fuzz_tokenizer_json).
    row("model.vocab sparse id", json("vocab", "2147483646"), "tokenizer.json",
        "model.vocab: the id of '[SEP]' is 2147483646; a vocabulary of 4 tokens uses ids up to 65544");
    row("model.vocab id 66666144", json("vocab", "66666144"), "tokenizer.json",
        "model.vocab: the id of '[SEP]' is 66666144; a vocabulary of 4 tokens uses ids up to 65544");
    row("model.vocab negative", json("vocab", "-2"), "tokenizer.json", "model.vocab: the id of '[SEP]' is -2" + range);
    row("added_tokens 2^32+5", json("added", "4294967301"), "tokenizer.json", "added_tokens: the id of '<x>' is 4294967301" + range);
    row("added_tokens negative", json("added", "-1"), "tokenizer.json", "added_tokens: the id of '<x>' is -1" + range);
    row("added_tokens float", json("added", "4.0"), "tokenizer.json", "added_tokens: the id of '<x>' is 4.0" + range);
    row("BertProcessing cls 2^32+1", json("cls", "4294967297"), "tokenizer.json",
        "post_processor cls: the id of '[CLS]' is 4294967297" + range);
    row("BertProcessing cls negative", json("cls", "-1"), "tokenizer.json", "post_processor cls: the id of '[CLS]' is -1" + range);
    row("TemplateProcessing ids 2^32+1", json("template", "4294967297"), "tokenizer.json",
        "post_processor special_tokens: an id of '[CLS]' is 4294967297" + range);
    row("TemplateProcessing ids float", json("template", "1.5"), "tokenizer.json",
        "post_processor special_tokens: an id of '[CLS]' is 1.5" + range);
}

void TestTokenizerIds::outOfRangeIdsAreRefused() {
    QFETCH(QByteArrayList, files);
    QFETCH(QString, file);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const std::filesystem::path root = dir.path().toStdString();
    ATTNVIZ_VERIFY_OK(test::writeFiles(root, files));
    const auto tok = core::loadTokenizer(root);
    QVERIFY2(!tok.ok(), "loaded");
    const QString error = QString::fromStdString(tok.error());
    QVERIFY2(error.contains(QString::fromStdString((root / file.toStdString()).string())), qPrintable(error));
    QVERIFY2(error.contains(message), qPrintable(error));
    QCOMPARE(tok.code(), core::ErrorCode::CorruptFile);
}

// The largest id allowed, 2^31 - 2: one past it (the vocabulary size) is
// still an int32, and the token encodes to it.
void TestTokenizerIds::largestIdLoads() {
    QTemporaryDir dir;
    const std::filesystem::path root = dir.path().toStdString();
    ATTNVIZ_VERIFY_OK(test::writeFile(root / "vocab.txt", "[UNK]\n[CLS]\n[SEP]\na\n"));
    ATTNVIZ_VERIFY_OK(test::writeFile(
        root / "tokenizer_config.json",
        R"({"tokenizer_class": "BertTokenizer", "added_tokens_decoder": {"2147483646": {"content": "<x>", "special": true}}})"));
    ATTNVIZ_UNWRAP(tok, core::loadTokenizer(root));
    QCOMPARE(tok->vocabSize(), 2147483647);
    ATTNVIZ_UNWRAP(enc, tok->encode("a <x>"));
    const auto ids = enc.ids();
    QVERIFY2(std::find(ids.begin(), ids.end(), 2147483646) != ids.end(), "the added token is not in the encoding");
}

QTEST_GUILESS_MAIN(TestTokenizerIds)
#include "test_tokenizer_ids.moc"
