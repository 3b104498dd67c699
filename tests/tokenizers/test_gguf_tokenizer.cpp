// The tokenizer of a GGUF file's metadata, built here byte by byte: a small
// SentencePiece vocabulary with byte fallback and a small GPT-2 style BPE
// encode as their conventions say; every malformed key gives one line that
// names the file and the key.
#include "support/gguf_builder.h"
#include "support/verify_result.h"

#include "attnviz/core/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace attnviz::core;
using attnviz::test::GgufBuilder;

namespace {

// <unk> <s> </s>, the 256 byte pieces, then a few words.
GgufBuilder spmVocab(bool withTypes = true) {
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    std::vector<float> scores = {0, 0, 0};
    std::vector<std::int32_t> types = {2, 3, 3};
    for (int b = 0; b < 256; ++b) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "<0x%02X>", b);
        tokens.push_back(hex);
        scores.push_back(0);
        types.push_back(6);
    }
    for (const char* w : {"\u2581", "h", "e", "l", "o", "\u2581h", "ll", "\u2581he", "\u2581hell", "\u2581hello"}) {
        tokens.push_back(w);
        scores.push_back(-static_cast<float>(tokens.size()));
        types.push_back(1);
    }
    GgufBuilder b;
    b.string("tokenizer.ggml.model", "llama").strings("tokenizer.ggml.tokens", tokens);
    b.floats("tokenizer.ggml.scores", scores);
    if (withTypes) b.ints("tokenizer.ggml.token_type", types);
    b.u32("tokenizer.ggml.bos_token_id", 1).u32("tokenizer.ggml.eos_token_id", 2);
    return b;
}

std::vector<std::string> pieces(const Encoding& e) {
    std::vector<std::string> out;
    for (const Token& t : e.tokens) out.push_back(t.piece);
    return out;
}

}  // namespace

class TestGgufTokenizer : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }
    void sentencePieceFromMetadata();
    void byteLevelBpeFromMetadata();
    void badMetadata_data();
    void badMetadata();
    void wordPieceFromMetadata();
    void casedWordPieceKeepsCase();
    void preTokenizers_data();
    void preTokenizers();
    void badBertMetadata_data();
    void badBertMetadata();

private:
    std::filesystem::path path(const std::string& name) const {
        return std::filesystem::path(m_tmp.path().toStdString()) / name;
    }
    QTemporaryDir m_tmp;
};

void TestGgufTokenizer::sentencePieceFromMetadata() {
    spmVocab().write(path("spm.gguf"));
    ATTNVIZ_UNWRAP(tok, loadTokenizer(path("spm.gguf")));
    ATTNVIZ_UNWRAP(enc, tok->encode("hello h\xc3\xa9"));
    // BOS, the merged word, then "▁h" and é by byte fallback (0xC3 0xA9).
    QCOMPARE(pieces(enc), (std::vector<std::string>{"<s>", "\u2581hello", "\u2581h", "<0xC3>", "<0xA9>"}));
    QCOMPARE(enc.tokens[1].id, 3 + 256 + 9);
    QCOMPARE(enc.tokens[3].id, 3 + 0xC3);
    const auto ids = enc.ids();
    ATTNVIZ_UNWRAP(text, tok->decode(std::vector<std::int32_t>(ids.begin() + 1, ids.end())));
    QCOMPARE(text, std::string("hello h\xc3\xa9"));
}

void TestGgufTokenizer::byteLevelBpeFromMetadata() {
    // Bytes as GPT-2's printable alphabet: 'h' 'i' ' ' -> "Ġ".
    GgufBuilder b;
    b.string("tokenizer.ggml.model", "gpt2").string("tokenizer.ggml.pre", "gpt-2");
    b.strings("tokenizer.ggml.tokens", {"h", "i", "\u0120", "hi", "\u0120hi", "<|endoftext|>"});
    b.ints("tokenizer.ggml.token_type", {1, 1, 1, 1, 1, 3});
    b.strings("tokenizer.ggml.merges", {"h i", "\u0120 hi"});
    b.u32("tokenizer.ggml.bos_token_id", 5).u32("tokenizer.ggml.eos_token_id", 5);
    b.write(path("bpe.gguf"));
    ATTNVIZ_UNWRAP(tok, loadTokenizer(path("bpe.gguf")));
    ATTNVIZ_UNWRAP(enc, tok->encode("hi hi<|endoftext|>"));
    QCOMPARE(enc.ids(), (std::vector<std::int32_t>{3, 4, 5}));
    QVERIFY(enc.tokens[2].special);
}

void TestGgufTokenizer::badMetadata_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("expected");
    QTest::newRow("no tokenizer") << 0 << "metadata \"tokenizer.ggml.model\" is missing";
    QTest::newRow("unknown model") << 1 << "metadata \"tokenizer.ggml.model\" is \"rwkv\"";
    QTest::newRow("no tokens") << 2 << "metadata \"tokenizer.ggml.tokens\" is missing";
    QTest::newRow("scores count") << 3 << "metadata \"tokenizer.ggml.scores\" has 2 entries for 3 tokens";
    QTest::newRow("bos out of range") << 4 << "metadata \"tokenizer.ggml.bos_token_id\" is 7, outside the 3 tokens";
    QTest::newRow("bad token type") << 5 << "metadata \"tokenizer.ggml.token_type\" entry 1 is 9";
    QTest::newRow("unknown pre") << 6 << "metadata \"tokenizer.ggml.pre\" is \"exotic\"";
    QTest::newRow("bad merge") << 7 << "metadata \"tokenizer.ggml.merges\" entry 0 is not two tokens";
    QTest::newRow("tokens not strings") << 8 << "metadata \"tokenizer.ggml.tokens\" is not an array of strings";
}

void TestGgufTokenizer::badMetadata() {
    QFETCH(int, kind);
    QFETCH(QString, expected);
    GgufBuilder b;
    const bool bpe = kind >= 6;
    if (kind != 0) b.string("tokenizer.ggml.model", kind == 1 ? "rwkv" : bpe ? "gpt2" : "llama");
    if (kind == 8) b.floats("tokenizer.ggml.tokens", {1.0f});
    else if (kind != 2) b.strings("tokenizer.ggml.tokens", {"<unk>", "a", "b"});
    if (kind == 3) b.floats("tokenizer.ggml.scores", {0.f, 1.f});
    if (kind == 4) b.u32("tokenizer.ggml.bos_token_id", 7);
    if (kind == 5) b.ints("tokenizer.ggml.token_type", {2, 9, 1});
    if (kind == 6) b.string("tokenizer.ggml.pre", "exotic");
    if (kind == 7) b.strings("tokenizer.ggml.merges", {"ab"});
    const auto file = path("bad" + std::to_string(kind) + ".gguf");
    b.write(file);
    auto r = loadTokenizer(file);
    QVERIFY2(!r, qPrintable(expected));
    QVERIFY2(r.error().find(expected.toStdString()) != std::string::npos, r.error().c_str());
    QVERIFY2(r.error().find(file.filename().string()) != std::string::npos, r.error().c_str());
    QVERIFY2(r.error().find('\n') == std::string::npos, r.error().c_str());
}

// BERT's vocabulary as the converter stores it: bracketed specials as they
// are, "##" continuation pieces without it, every other token after U+2581.
GgufBuilder bertVocab(const std::vector<std::string>& tokens) {
    GgufBuilder b;
    b.string("tokenizer.ggml.model", "bert").strings("tokenizer.ggml.tokens", tokens);
    return b;
}

void TestGgufTokenizer::wordPieceFromMetadata() {
    // ids: 0 [PAD] 1 [UNK] 2 [CLS] 3 [SEP] 4 [MASK] 5 ▁hello 6 ▁, 7 ▁play 8 ing 9 ▁world 10 ▁é
    auto b = bertVocab({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "\u2581hello", "\u2581,", "\u2581play", "ing",
                        "\u2581world", "\u2581\u00e9"});
    b.ints("tokenizer.ggml.token_type", {3, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1});
    b.u32("tokenizer.ggml.cls_token_id", 2).u32("tokenizer.ggml.seperator_token_id", 3);
    b.u32("tokenizer.ggml.unknown_token_id", 1).u32("tokenizer.ggml.padding_token_id", 0);
    b.write(path("bert.gguf"));
    ATTNVIZ_UNWRAP(tok, loadTokenizer(path("bert.gguf")));
    // An uncased vocabulary: lower-cased, accents stripped, punctuation
    // split off, continuation pieces shown with "##", [CLS] ... [SEP].
    ATTNVIZ_UNWRAP(enc, tok->encode("Hello, PLAYING world\u00e9 x [MASK]"));
    QCOMPARE(pieces(enc), (std::vector<std::string>{"[CLS]", "hello", ",", "play", "##ing", "[UNK]", "[UNK]", "[MASK]",
                                                    "[SEP]"}));
    QCOMPARE(enc.ids(), (std::vector<std::int32_t>{2, 5, 6, 7, 8, 1, 1, 4, 3}));
    ATTNVIZ_UNWRAP(pair, tok->encode("hello", std::string_view("world")));
    QCOMPARE(pair.ids(), (std::vector<std::int32_t>{2, 5, 3, 9, 3}));
}

void TestGgufTokenizer::casedWordPieceKeepsCase() {
    // A capital outside the brackets: a cased vocabulary (do_lower_case
    // false). No special-token ids: BERT's names.
    bertVocab({"[UNK]", "[CLS]", "[SEP]", "\u2581Hello", "\u2581hello"}).write(path("cased.gguf"));
    ATTNVIZ_UNWRAP(tok, loadTokenizer(path("cased.gguf")));
    ATTNVIZ_UNWRAP(enc, tok->encode("Hello hello HELLO"));
    QCOMPARE(enc.ids(), (std::vector<std::int32_t>{1, 3, 4, 0, 2}));
    // No [PAD] or [MASK] in this vocabulary: no id past it for them.
    ATTNVIZ_UNWRAP(specials, tok->encode("[MASK] [PAD]"));
    for (const Token& t : specials.tokens) QVERIFY2(t.id >= 0 && t.id < 5, t.piece.c_str());
    QCOMPARE(tok->vocabSize(), 5);
}

void TestGgufTokenizer::preTokenizers_data() {
    QTest::addColumn<QString>("pre");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<int>>("ids");
    // Vocabulary (byte-level symbols): 0 1, 1 2, 2 3, 3 4, 4 5, 5 12, 6 123,
    // 7 45, 8 12345, 9 h, 10 e, 11 l, 12 o, 13 hello, 14 Ì (0xCC), 15 ģ
    // (0x81), 16 Ã (0xC3), 17 © (0xA9), 18 Ã©, 19 <|begin_of_text|>.
    // Merges: "1 2", "12 3", "4 5", "123 45", "Ã ©".
    // GPT-2's split keeps "12345" one word; Llama 3 groups digits by three;
    // Qwen2 and StarCoder take them one by one.
    QTest::newRow("gpt-2 digits") << "gpt-2" << "12345" << QList<int>{8};
    QTest::newRow("olmo digits") << "olmo" << "12345" << QList<int>{8};
    QTest::newRow("llama-bpe digits") << "llama-bpe" << "12345" << QList<int>{19, 6, 7};
    QTest::newRow("qwen2 digits") << "qwen2" << "12345" << QList<int>{0, 1, 2, 3, 4};
    QTest::newRow("starcoder digits") << "starcoder" << "12345" << QList<int>{0, 1, 2, 3, 4};
    // ignore_merges (Llama 3): a word in the vocabulary is one token even
    // without the merges to build it.
    QTest::newRow("gpt-2 whole word") << "gpt-2" << "hello" << QList<int>{9, 10, 11, 11, 12};
    QTest::newRow("llama-bpe whole word") << "llama-bpe" << "hello" << QList<int>{19, 13};
    // GPT-NeoX's and Qwen2's NFC: e + U+0301 becomes é (0xC3 0xA9) first.
    QTest::newRow("gpt-2 no nfc") << "gpt-2" << "e\u0301" << QList<int>{10, 14, 15};
    QTest::newRow("mpt nfc") << "mpt" << "e\u0301" << QList<int>{18};
    QTest::newRow("qwen2 nfc") << "qwen2" << "e\u0301" << QList<int>{18};
}

void TestGgufTokenizer::preTokenizers() {
    QFETCH(QString, pre);
    QFETCH(QString, text);
    QFETCH(QList<int>, ids);
    GgufBuilder b;
    b.string("tokenizer.ggml.model", "gpt2").string("tokenizer.ggml.pre", pre.toStdString());
    b.strings("tokenizer.ggml.tokens", {"1", "2", "3", "4", "5", "12", "123", "45", "12345", "h", "e", "l", "o",
                                        "hello", "\u00cc", "\u0123", "\u00c3", "\u00a9", "\u00c3\u00a9",
                                        "<|begin_of_text|>"});
    b.strings("tokenizer.ggml.merges", {"1 2", "12 3", "4 5", "123 45", "\u00c3 \u00a9"});
    b.u32("tokenizer.ggml.bos_token_id", 19);  // added only where the pre-tokenizer's model adds it
    const auto file = path("pre-" + pre.toStdString() + ".gguf");
    b.write(file);
    ATTNVIZ_UNWRAP(tok, loadTokenizer(file));
    ATTNVIZ_UNWRAP(enc, tok->encode(text.toStdString()));
    std::vector<std::int32_t> expected(ids.begin(), ids.end());
    QCOMPARE(enc.ids(), expected);
}

void TestGgufTokenizer::badBertMetadata_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("expected");
    QTest::newRow("sep out of range") << 0 << "metadata \"tokenizer.ggml.seperator_token_id\" is 9, outside the 4 tokens";
    QTest::newRow("bad token type") << 1 << "metadata \"tokenizer.ggml.token_type\" entry 2 is 0";
    QTest::newRow("no unknown token") << 2 << "the WordPiece vocabulary has no unknown token '[UNK]'";
    QTest::newRow("no sep") << 3 << "metadata \"tokenizer.ggml.seperator_token_id\" is missing and the vocabulary has no [SEP] token";
    QTest::newRow("types count") << 4 << "metadata \"tokenizer.ggml.token_type\" has 3 entries for 4 tokens";
    QTest::newRow("tokens not strings") << 5 << "metadata \"tokenizer.ggml.tokens\" is not an array of strings";
}

void TestGgufTokenizer::badBertMetadata() {
    QFETCH(int, kind);
    QFETCH(QString, expected);
    GgufBuilder b;
    b.string("tokenizer.ggml.model", "bert");
    if (kind == 5) b.ints("tokenizer.ggml.tokens", {1, 2});
    else if (kind == 2) b.strings("tokenizer.ggml.tokens", {"[CLS]", "[SEP]", "\u2581a", "b"});
    else if (kind == 3) b.strings("tokenizer.ggml.tokens", {"[UNK]", "[CLS]", "\u2581a", "b"});
    else b.strings("tokenizer.ggml.tokens", {"[UNK]", "[CLS]", "[SEP]", "\u2581a"});
    if (kind == 0) b.u32("tokenizer.ggml.seperator_token_id", 9);
    if (kind == 1) b.ints("tokenizer.ggml.token_type", {3, 3, 0, 1});
    if (kind == 4) b.ints("tokenizer.ggml.token_type", {3, 3, 1});
    const auto file = path("badbert" + std::to_string(kind) + ".gguf");
    b.write(file);
    auto r = loadTokenizer(file);
    QVERIFY2(!r, qPrintable(expected));
    QVERIFY2(r.error().find(expected.toStdString()) != std::string::npos, r.error().c_str());
    QVERIFY2(r.error().find(file.filename().string()) != std::string::npos, r.error().c_str());
    QVERIFY2(r.error().find('\n') == std::string::npos, r.error().c_str());
}

QTEST_GUILESS_MAIN(TestGgufTokenizer)
#include "test_gguf_tokenizer.moc"
