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

QTEST_GUILESS_MAIN(TestGgufTokenizer)
#include "test_gguf_tokenizer.moc"
