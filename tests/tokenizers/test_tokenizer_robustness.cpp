// Inputs and files a tokenizer must survive: invalid UTF-8 (an error naming
// the offset), empty text (just the specials), megabyte texts that would be
// quadratic in a naive BPE or regex loop (the ctest TIMEOUT bounds them),
// encode from several threads at once, and missing or corrupt vocabulary
// files (errors naming the file, with the code of the failure).
#include "tiny_files.h"
#include "tiny_folder.h"

#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/tokenizer.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <map>
#include <thread>

using namespace attnviz;
using Ids = std::vector<std::int32_t>;

namespace {

struct Folder {
    const char* name;
    const char* dir;  // in models
    std::optional<core::TokenizerFormat> format;  // nullopt: loadTokenizer(dir)
};

const std::vector<Folder>& folders() {
    using F = core::TokenizerFormat;
    static const std::vector<Folder> f = {
        {"bert vocab.txt", "tokenizers/bert-base-uncased", F::WordPieceVocab},
        {"bert tokenizer.json", "tokenizers/bert-base-uncased", F::TokenizerJson},
        {"gpt2 vocab.json", "tokenizers/gpt2", F::ByteLevelBpeVocab},
        {"gpt2 tokenizer.json", "tokenizers/gpt2", F::TokenizerJson},
        {"llama2 tokenizer.model", "tokenizers/llama2-32k", F::SentencePiece},
        {"tok512 tokenizer.model", "stories260K", F::SentencePiece},
        {"t5 spiece.model", "tokenizers/t5", F::SentencePiece},
        {"marian source.spm", "tokenizers/marian-en-mg", std::nullopt},  // loadTokenizer's choice
    };
    return f;
}

// Codes compared by name, so a failure prints "I/O error" and not a number.
using attnviz::test::codeName;

}  // namespace

Q_DECLARE_METATYPE(attnviz::core::ErrorCode)

class TestTokenizerRobustness : public QObject {
    Q_OBJECT

private slots:
    void invalidUtf8_data();
    void invalidUtf8();
    void emptyText_data();
    void emptyText();
    void hugeText_data();
    void hugeText();
    void threads_data();
    void threads();
    void badFiles_data();
    void badFiles();
    void wordPieceLongWords_data();
    void wordPieceLongWords();
    void decodeOutOfRange_data() { addFolderRows(); }
    void decodeOutOfRange();

private:
    void addFolderRows();
    // Null without the shared models folder.
    core::Result<const core::Tokenizer*> tokenizer(int index);
    std::map<int, std::unique_ptr<core::Tokenizer>> m_cache;
};

void TestTokenizerRobustness::addFolderRows() {
    QTest::addColumn<int>("folder");
    for (std::size_t i = 0; i < folders().size(); ++i) QTest::newRow(folders()[i].name) << static_cast<int>(i);
}

core::Result<const core::Tokenizer*> TestTokenizerRobustness::tokenizer(int index) {
    const auto models = test::modelsDir();
    if (!models) return static_cast<const core::Tokenizer*>(nullptr);
    auto& slot = m_cache[index];
    if (!slot) {
        const Folder& f = folders()[static_cast<std::size_t>(index)];
        auto loaded = f.format ? core::loadTokenizer(*models / f.dir, *f.format) : core::loadTokenizer(*models / f.dir);
        if (!loaded) return loaded.takeError();
        slot = std::move(loaded.value());
    }
    return static_cast<const core::Tokenizer*>(slot.get());
}

#define REQUIRE_TOKENIZER(var, index)                                                          \
    ATTNVIZ_UNWRAP(var, tokenizer(index));                                                     \
    if (var == nullptr) QSKIP("shared models folder not found (set ATTNVIZ_MODELS_DIR)")

void TestTokenizerRobustness::invalidUtf8_data() {
    QTest::addColumn<int>("folder");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("inPair");
    QTest::addColumn<int>("offset");
    const std::pair<const char*, std::pair<QByteArray, int>> inputs[] = {
        {"stray byte", {QByteArray("ok \xff"), 3}},
        {"truncated", {QByteArray("abc\xc3"), 3}},
        {"surrogate", {QByteArray("\xed\xa0\x80x"), 0}},
        {"overlong", {QByteArray("a\xc0\xaf"), 1}},
    };
    for (std::size_t i = 0; i < folders().size(); ++i) {
        for (const auto& [name, input] : inputs) {
            for (bool pair : {false, true}) {
                const std::string row = std::string(folders()[i].name) + " " + name + (pair ? " in pair" : "");
                QTest::newRow(row.c_str()) << static_cast<int>(i) << input.first << pair << input.second;
            }
        }
    }
}

void TestTokenizerRobustness::invalidUtf8() {
    QFETCH(int, folder);
    QFETCH(QByteArray, bytes);
    QFETCH(bool, inPair);
    QFETCH(int, offset);
    REQUIRE_TOKENIZER(tok, folder);
    const std::string bad = bytes.toStdString();
    const auto enc = inPair ? tok->encode("fine", std::string_view(bad)) : tok->encode(bad);
    QVERIFY(!enc.ok());
    const QString message = QString::fromStdString(enc.error());
    QVERIFY2(message.contains("not valid UTF-8"), qPrintable(message));
    QVERIFY2(message.contains(QString("offset %1").arg(offset)), qPrintable(message));
    QVERIFY2(message.contains(inPair ? "pair" : "the text"), qPrintable(message));
    QCOMPARE(codeName(enc.code()), codeName(core::ErrorCode::InvalidInput));
}

void TestTokenizerRobustness::emptyText_data() {
    QTest::addColumn<int>("folder");
    QTest::addColumn<Ids>("expected");
    // [CLS] [SEP]; nothing for GPT-2; BOS for the Llama conventions; </s>
    // for T5 (1) and Marian (0).
    const Ids expected[] = {{101, 102}, {101, 102}, {}, {}, {1}, {1}, {1}, {0}};
    for (std::size_t i = 0; i < folders().size(); ++i) {
        QTest::newRow(folders()[i].name) << static_cast<int>(i) << expected[i];
    }
}

void TestTokenizerRobustness::emptyText() {
    QFETCH(int, folder);
    QFETCH(Ids, expected);
    REQUIRE_TOKENIZER(tok, folder);
    const auto enc = tok->encode("");
    QVERIFY2(enc.ok(), enc.ok() ? "" : enc.error().c_str());
    QCOMPARE(enc->ids(), expected);
    const auto pair = tok->encode("", std::string_view(""));
    QVERIFY(pair.ok());
    for (const core::Token& t : pair->tokens) QVERIFY(t.special);
}

void TestTokenizerRobustness::hugeText_data() {
    QTest::addColumn<int>("folder");
    QTest::addColumn<QByteArray>("unit");
    const std::pair<const char*, QByteArray> units[] = {
        {"one letter", "a"},
        {"spaces", " "},
        {"multibyte letter", "\xc3\xa9"},  // é
        {"words", "the cat sat. "},
    };
    for (std::size_t i = 0; i < folders().size(); ++i) {
        // T5's and Marian's SentencePiece runs the library as Llama's does:
        // only the texts their own code walks (words, and Marian's codes),
        // to keep the suite inside its time limit.
        const bool encdec = std::string(folders()[i].name).rfind("t5", 0) == 0 ||
                            std::string(folders()[i].name).rfind("marian", 0) == 0;
        for (const auto& [name, unit] : units) {
            if (encdec && unit != "the cat sat. ") continue;
            const std::string row = std::string(folders()[i].name) + " " + name;
            QTest::newRow(row.c_str()) << static_cast<int>(i) << unit;
        }
        // Marian looks for language codes ">>xx<<" on every line.
        if (std::string(folders()[i].name).rfind("marian", 0) == 0) {
            QTest::newRow((std::string(folders()[i].name) + " code brackets").c_str()) << static_cast<int>(i)
                                                                                      << QByteArray(">> <<>>");
            QTest::newRow((std::string(folders()[i].name) + " code lines").c_str()) << static_cast<int>(i)
                                                                                   << QByteArray(">>a<<\n");
        }
    }
}

void TestTokenizerRobustness::hugeText() {
    QFETCH(int, folder);
    QFETCH(QByteArray, unit);
    REQUIRE_TOKENIZER(tok, folder);
    std::string text;
    const std::size_t target = 1u << 20;  // 1 MiB
    while (text.size() + static_cast<std::size_t>(unit.size()) <= target) text.append(unit.constData(), unit.size());
    QElapsedTimer timer;
    timer.start();
    const auto enc = tok->encode(text);
    QVERIFY2(enc.ok(), enc.ok() ? "" : enc.error().c_str());
    qInfo("%zu bytes -> %zu tokens in %lld ms", text.size(), enc->tokens.size(), static_cast<long long>(timer.elapsed()));
    QVERIFY(!enc->tokens.empty());
    // Spans stay inside the text and in order.
    std::size_t previousEnd = 0;
    for (const core::Token& t : enc->tokens) {
        QVERIFY(t.end <= text.size());
        if (t.start != t.end) {
            QVERIFY(t.start >= previousEnd || t.start == t.end);
            previousEnd = t.end;
        }
    }
}

void TestTokenizerRobustness::threads_data() { addFolderRows(); }

void TestTokenizerRobustness::threads() {
    QFETCH(int, folder);
    REQUIRE_TOKENIZER(tok, folder);
    // Short texts repeat, so the BPE cache is read and written concurrently.
    const std::vector<std::string> texts = {"Hello world", "The quick brown fox jumps over the lazy dog.",
                                            "caf\u00e9 na\u00efve \u65e5\u672c\u8a9e", "don't stop  me\tnow\n",
                                            "\xf0\x9f\x8d\x95 and 1234567 <s> [CLS]", "supercalifragilistic"};
    std::vector<Ids> expected;
    for (const auto& t : texts) {
        const auto enc = tok->encode(t);
        QVERIFY(enc.ok());
        expected.push_back(enc->ids());
    }
    std::atomic<int> mismatches{0};
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w) {
        workers.emplace_back([&, w]() {
            for (int round = 0; round < 200; ++round) {
                const std::size_t i = static_cast<std::size_t>(round + w) % texts.size();
                const auto enc = tok->encode(texts[i]);
                if (!enc.ok() || enc->ids() != expected[i]) ++mismatches;
            }
        });
    }
    for (auto& t : workers) t.join();
    QCOMPARE(mismatches.load(), 0);
}

void TestTokenizerRobustness::badFiles_data() {
    test::SpModelSpec spec;
    spec.pieces = {{"<unk>", 0, test::SpPiece::Unknown}, {"a", -1}};
    const std::string model = test::sentencePieceModel(spec);
    const QByteArray validModel(model.data(), static_cast<qsizetype>(model.size()));
    QTest::addColumn<QByteArrayList>("files");  // name=content pairs
    QTest::addColumn<QString>("message");
    QTest::addColumn<core::ErrorCode>("code");
    const core::ErrorCode corrupt = core::ErrorCode::CorruptFile;
    const core::ErrorCode io = core::ErrorCode::Io;
    QTest::newRow("empty folder") << QByteArrayList{}
                                  << "looked for tokenizer.json, tokenizer.model, vocab.txt, vocab.json + merges.txt"
                                  << io;
    QTest::newRow("vocab.json without merges") << QByteArrayList{"vocab.json={\"a\": 0}"} << "merges.txt is missing"
                                               << io;
    QTest::newRow("corrupt tokenizer.model") << QByteArrayList{"tokenizer.model=\x01\x02garbage"}
                                             << "is not a valid SentencePiece model" << corrupt;
    QTest::newRow("empty tokenizer.model") << QByteArrayList{"tokenizer.model="} << "tokenizer.model" << corrupt;
    QTest::newRow("vocab.txt without [UNK]") << QByteArrayList{"vocab.txt=[CLS]\n[SEP]\nhello\n"}
                                             << "has no unknown token '[UNK]'" << corrupt;
    QTest::newRow("empty vocab.txt") << QByteArrayList{"vocab.txt="} << "has no tokens" << corrupt;
    QTest::newRow("vocab.txt not UTF-8") << QByteArrayList{"vocab.txt=[UNK]\n\xff\n"} << "is not valid UTF-8" << corrupt;
    QTest::newRow("vocab.json not an object") << QByteArrayList{"vocab.json=[1, 2]", "merges.txt=#version: 0.2\n"}
                                              << "is not a JSON object of token -> id" << corrupt;
    QTest::newRow("merges.txt malformed") << QByteArrayList{"vocab.json={\"a\": 0, \"b\": 1, \"ab\": 2}",
                                                         "merges.txt=#version: 0.2\na b c\n"}
                                          << "merges.txt' line 2: expected two tokens" << corrupt;
    QTest::newRow("absurd id in vocab.json") << QByteArrayList{"vocab.json={\"a\": 2000000000}", "merges.txt=#version: 0.2\n"}
                                             << "has id 2000000000, outside" << corrupt;
    QTest::newRow("truncated vocab.json") << QByteArrayList{"vocab.json={\"a\": 0, \"b", "merges.txt=#version: 0.2\n"}
                                          << "vocab.json' is not valid JSON" << corrupt;
    QTest::newRow("corrupt tokenizer_config.json") << QByteArrayList{"tokenizer_config.json={oops", "vocab.txt=[UNK]\n"}
                                                   << "tokenizer_config.json' is not valid JSON" << corrupt;
    // Far deeper than any recursive walk of the parsed document could go.
    const qsizetype levels = 200000;
    const QByteArray deepArray = QByteArray(levels, '[') + QByteArray(levels, ']');
    const QByteArray tinyModel = R"("model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0}})";
    QTest::newRow("tokenizer.json nested 200000 levels")
        << QByteArrayList{"tokenizer.json={" + tinyModel + ", \"normalizer\": " + deepArray + "}"}
        << "tokenizer.json' is nested more than 512 levels deep" << corrupt;
    QByteArray deepObject;
    for (qsizetype i = 0; i < levels; ++i) deepObject += "{\"a\":";
    deepObject += "1" + QByteArray(levels, '}');
    QTest::newRow("tokenizer_config.json nested 200000 levels")
        << QByteArrayList{"tokenizer_config.json={\"x\": " + deepObject + "}", "vocab.txt=[UNK]\n"}
        << "tokenizer_config.json' is nested more than 512 levels deep" << corrupt;
    QTest::newRow("vocab.json nested 200000 levels")
        << QByteArrayList{"vocab.json={\"a\": 0, \"x\": " + deepArray + "}", "merges.txt=#version: 0.2\n"}
        << "vocab.json' is nested more than 512 levels deep" << corrupt;
    // Within the JSON limit, but Sequence inside Sequence 40 times.
    QByteArray sequences;
    for (int i = 0; i < 40; ++i) sequences += R"({"type": "Sequence", "normalizers": [)";
    sequences += R"({"type": "Lowercase"})";
    for (int i = 0; i < 40; ++i) sequences += "]}";
    QTest::newRow("normalizer Sequence nested 40 levels")
        << QByteArrayList{"tokenizer.json={" + tinyModel + ", \"normalizer\": " + sequences + "}"}
        << "normalizer Sequence nested more than 16 levels deep" << corrupt;
    QTest::newRow("spiece.model of no ALBERT or T5")
        << QByteArrayList{"spiece.model=" + validModel} << "spiece.model is read only as ALBERT's or T5's"
        << core::ErrorCode::Unsupported;
    QTest::newRow("corrupt T5 spiece.model")
        << QByteArrayList{"config.json={\"model_type\": \"t5\"}", "spiece.model=\x01\x02garbage"}
        << "spiece.model' is not a valid SentencePiece model" << corrupt;
    QTest::newRow("T5 extra_ids against its sentinels")
        << QByteArrayList{"tokenizer_config.json={\"tokenizer_class\": \"T5Tokenizer\", \"extra_ids\": 3, "
                          "\"additional_special_tokens\": [\"<extra_id_0>\"]}",
                          "spiece.model=" + validModel}
        << "tokenizer_config.json': extra_ids is 3 but additional_special_tokens lists 1 <extra_id_N> tokens"
        << corrupt;
    QTest::newRow("corrupt ALBERT spiece.model")
        << QByteArrayList{"config.json={\"model_type\": \"albert\"}", "spiece.model=\x01\x02garbage"}
        << "spiece.model' is not a valid SentencePiece model" << corrupt;
    QTest::newRow("unknown SentencePiece class")
        << QByteArrayList{"tokenizer_config.json={\"tokenizer_class\": \"XLNetTokenizer\"}", "tokenizer.model=" + validModel}
        << "tokenizer_class 'XLNetTokenizer' is not supported for SentencePiece models" << core::ErrorCode::Unsupported;
}

void TestTokenizerRobustness::badFiles() {
    QFETCH(QByteArrayList, files);
    QFETCH(QString, message);
    QFETCH(core::ErrorCode, code);
    QTemporaryDir dir;
    const std::filesystem::path root = dir.path().toStdString();
    ATTNVIZ_VERIFY_OK(test::writeFiles(root, files));
    const auto tok = core::loadTokenizer(root);
    QVERIFY(!tok.ok());
    QVERIFY2(QString::fromStdString(tok.error()).contains(message), tok.error().c_str());
    QCOMPARE(codeName(tok.code()), codeName(code));
    const auto missing = core::loadTokenizer(root / "does-not-exist");
    QVERIFY(!missing.ok());
    QCOMPARE(codeName(missing.code()), codeName(core::ErrorCode::Io));
}

void TestTokenizerRobustness::wordPieceLongWords_data() {
    QTest::addColumn<int>("folder");
    QTest::newRow("vocab.txt") << 0;
    QTest::newRow("tokenizer.json") << 1;
}

void TestTokenizerRobustness::wordPieceLongWords() {
    // BERT: a word of more than 100 characters is [UNK] (100), shorter ones are split.
    QFETCH(int, folder);
    REQUIRE_TOKENIZER(tok, folder);
    const std::string hundred(100, 'a');
    const auto ok = tok->encode(hundred);
    QVERIFY(ok.ok());
    QVERIFY(ok->tokens.size() > 3);
    for (const core::Token& t : ok->tokens) QVERIFY(t.id != 100);
    const auto unk = tok->encode(hundred + "a and more");
    QVERIFY(unk.ok());
    QCOMPARE(unk->ids().at(1), 100);
    QCOMPARE(unk->tokens.at(1).start, std::size_t(0));
    QCOMPARE(unk->tokens.at(1).end, std::size_t(101));
    QCOMPARE(tok->piece(unk->ids().at(2)), std::string("and"));
}

void TestTokenizerRobustness::decodeOutOfRange() {
    QFETCH(int, folder);
    REQUIRE_TOKENIZER(tok, folder);
    const auto past = tok->decode(Ids{tok->vocabSize() + 10});
    QVERIFY(!past.ok());
    QCOMPARE(codeName(past.code()), codeName(core::ErrorCode::InvalidInput));
    const auto negative = tok->decode(Ids{-1});
    QVERIFY(!negative.ok());
    QCOMPARE(codeName(negative.code()), codeName(core::ErrorCode::InvalidInput));
    QCOMPARE(tok->piece(-1), std::string());
    QCOMPARE(tok->display(tok->vocabSize() + 10), std::string());
}

QTEST_APPLESS_MAIN(TestTokenizerRobustness)
#include "test_tokenizer_robustness.moc"
