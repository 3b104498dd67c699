// tokenizer.json variants on tiny vocabularies written in code, with ids
// worked out by hand from the merge ranks: Llama-3 style (Split regex +
// ByteLevel, ignore_merges, template), Llama-2 style (Prepend/Replace "▁",
// byte fallback, fuse_unk, decoder chain), Qwen2 style NFC, Metaspace
// prepend schemes, WordPiece with BertNormalizer, added-token flags, and the
// files or features that must be refused with a clear message and the right
// code (unsupported features let the folder fall back to another file).
#include "tiny_files.h"
#include "tiny_tokenizer_json.h"

#include "support/verify_result.h"

#include "attnviz/core/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace attnviz;
using Json = nlohmann::json;
using Ids = std::vector<std::int32_t>;

namespace {

using test::addedToken;
using test::llama2Style;
using test::vocabOf;

// Byte-level symbols: "Ġ" is the space byte, "Ċ" the newline, "Ã" "©" the
// two bytes of "é".
Json llama3Style(bool ignoreMerges) {
    const std::vector<std::string> tokens = {"H",  "e",    "l",     "o",     "\u0120", "w",  "r",  "d",      "I",
                                             "T",  "'",    "S",     "1",     "2",      "3",  "4",  "5",      "He",
                                             "ll", "Hell", "Hello", "\u0120w", "or",   "\u0120world", "12", "123", "\u010a",
                                             "\u00c3", "\u00a9"};
    Json j;
    j["version"] = "1.0";
    j["added_tokens"] = Json::array({addedToken(100, "<|begin_of_text|>"), addedToken(101, "<|eot_id|>")});
    j["normalizer"] = nullptr;
    j["pre_tokenizer"] = test::llama3PreTokenizer();
    j["post_processor"] = {
        {"type", "Sequence"},
        {"processors",
         Json::array({{{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}},
                      {{"type", "TemplateProcessing"},
                       {"single", Json::array({{{"SpecialToken", {{"id", "<|begin_of_text|>"}, {"type_id", 0}}}},
                                               {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
                       {"pair", Json::array({{{"SpecialToken", {{"id", "<|begin_of_text|>"}, {"type_id", 0}}}},
                                             {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                                             {{"SpecialToken", {{"id", "<|begin_of_text|>"}, {"type_id", 1}}}},
                                             {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}})},
                       {"special_tokens",
                        {{"<|begin_of_text|>",
                          {{"id", "<|begin_of_text|>"}, {"ids", {100}}, {"tokens", {"<|begin_of_text|>"}}}}}}}})}};
    j["decoder"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
    j["model"] = {{"type", "BPE"},
                  {"dropout", nullptr},
                  {"unk_token", nullptr},
                  {"continuing_subword_prefix", nullptr},
                  {"end_of_word_suffix", nullptr},
                  {"fuse_unk", false},
                  {"byte_fallback", false},
                  {"ignore_merges", ignoreMerges},
                  {"vocab", vocabOf(tokens)},
                  {"merges", Json::array({"H e", "l l", "He ll", "Hell o", "\u0120 w", "o r", "1 2", "12 3"})}};
    return j;
}

// llama2Style() ids (see tiny_tokenizer_json.h).
constexpr std::int32_t kL2Hello = 268, kL2w = 270, kL2Meta = 259, kL2H = 260, kL2e = 261, kL2ll = 266, kL2o = 263;
std::int32_t byteId(int b) { return 3 + b; }

// max_input_chars_per_word 5, so a short word already reaches the limit.
Json wordPieceStyle() { return test::wordPieceStyle(5); }

// Byte-level BPE without regex surprises, for added-token flags.
Json addedFlagsStyle(const Json& maskToken, bool lowercase) {
    Json j;
    j["version"] = "1.0";
    j["added_tokens"] = Json::array({maskToken});
    j["normalizer"] = lowercase ? Json{{"type", "Lowercase"}} : Json();
    j["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
    j["post_processor"] = nullptr;
    j["decoder"] = {{"type", "ByteLevel"}};
    j["model"] = {{"type", "BPE"},
                  {"vocab", vocabOf({"a", "b", "\u0120", "\u0120b", "<", "m", ">", "x", "y", "\u0120a"})},
                  {"merges", Json::array({"\u0120 b", "\u0120 a"})}};
    return j;
}

// Codes compared by name, so a failure prints "I/O error" and not a number.
using attnviz::test::codeName;

}  // namespace

Q_DECLARE_METATYPE(attnviz::core::ErrorCode)

class TestTokenizerJson : public QObject {
    Q_OBJECT

private slots:
    void llama3_data();
    void llama3();
    void llama3PairSpansDisplay();
    void llama2_data();
    void llama2();
    void llama2DecodeDisplay();
    void fuseUnk();
    void nfcBeforeByteLevel();
    void metaspace_data();
    void metaspace();
    void wordPiece_data();
    void wordPiece();
    void addedTokenFlags_data();
    void addedTokenFlags();
    void refused_data();
    void refused();
    void fallsBackOnlyForUnsupported();
    void fallsBackToSentencePiece();
    void missingFilesAreIo();
    void badTextAndIdsAreInvalidInput();

private:
    // A new folder with these files, or why it could not be written.
    core::Result<std::filesystem::path> folder(const Json& tokenizerJson, const Json& config = Json());
    QTemporaryDir m_root;
    int m_count = 0;
};

core::Result<std::filesystem::path> TestTokenizerJson::folder(const Json& tokenizerJson, const Json& config) {
    const std::filesystem::path dir = std::filesystem::path(m_root.path().toStdString()) / std::to_string(m_count++);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return core::makeError(core::ErrorCode::Io, "cannot create " + dir.string() + ": " + ec.message());
    if (!tokenizerJson.is_null()) {
        if (core::Status s = test::writeJson(dir / "tokenizer.json", tokenizerJson); !s) return s.takeError();
    }
    if (!config.is_null()) {
        if (core::Status s = test::writeJson(dir / "tokenizer_config.json", config); !s) return s.takeError();
    }
    return dir;
}

// `dir`: a folder, or the Result of folder().
#define LOAD_OR_FAIL(var, dir)                                    \
    ATTNVIZ_UNWRAP(var##Dir, core::Result<std::filesystem::path>(dir)); \
    auto var##Result = core::loadTokenizer(var##Dir);             \
    QVERIFY2(var##Result.ok(), var##Result.ok() ? "" : var##Result.error().c_str()); \
    const core::Tokenizer& var = *var##Result.value()

#define ENCODE_OR_FAIL(var, ...)                                  \
    const auto var = __VA_ARGS__;                                 \
    QVERIFY2(var.ok(), var.ok() ? "" : var.error().c_str())

void TestTokenizerJson::llama3_data() {
    QTest::addColumn<bool>("ignoreMerges");
    QTest::addColumn<QString>("text");
    QTest::addColumn<Ids>("expected");
    // "Hello" merges to one piece; "Ġworld" is a vocabulary entry the merges
    // cannot reach, so only ignore_merges keeps it whole.
    QTest::newRow("ignore_merges") << true << "Hello world" << Ids{100, 20, 23};
    QTest::newRow("merges") << false << "Hello world" << Ids{100, 20, 21, 22, 2, 7};
    // \p{N}{1,3}: "123" "45".
    QTest::newRow("digits by three") << true << "12345" << Ids{100, 25, 15, 16};
    QTest::newRow("contraction") << true << "IT'S" << Ids{100, 8, 9, 10, 11};
    QTest::newRow("typed special") << true << "Hello<|eot_id|>" << Ids{100, 20, 101};
    QTest::newRow("newline") << true << "Hello\n" << Ids{100, 20, 26};
    QTest::newRow("split character") << true << "\u00e9" << Ids{100, 27, 28};
    QTest::newRow("empty") << true << "" << Ids{100};
}

void TestTokenizerJson::llama3() {
    QFETCH(bool, ignoreMerges);
    QFETCH(QString, text);
    QFETCH(Ids, expected);
    LOAD_OR_FAIL(tok, folder(llama3Style(ignoreMerges)));
    QCOMPARE(tok.kind(), std::string("byte-level-bpe"));
    ENCODE_OR_FAIL(enc, tok.encode(text.toStdString()));
    QCOMPARE(enc->ids(), expected);
}

void TestTokenizerJson::llama3PairSpansDisplay() {
    LOAD_OR_FAIL(tok, folder(llama3Style(true)));
    ENCODE_OR_FAIL(enc, tok.encode("Hello", std::string_view("world")));
    QCOMPARE(enc->ids(), (Ids{100, 20, 100, 5, 22, 2, 7}));
    QCOMPARE(enc->typeIds(), (Ids{0, 0, 1, 1, 1, 1, 1}));
    QCOMPARE(enc->tokens[2].segment, 1);

    ENCODE_OR_FAIL(one, tok.encode("Hello world\n\u00e9"));
    QCOMPARE(one->ids(), (Ids{100, 20, 23, 26, 27, 28}));
    const std::vector<std::pair<std::size_t, std::size_t>> spans = {{0, 0}, {0, 5}, {5, 11}, {11, 12}, {12, 13}, {13, 14}};
    for (std::size_t i = 0; i < spans.size(); ++i) {
        QCOMPARE(one->tokens[i].start, spans[i].first);
        QCOMPARE(one->tokens[i].end, spans[i].second);
    }
    QCOMPARE(one->tokens[2].display, std::string("\u2423world"));
    QCOMPARE(one->tokens[3].display, std::string("\u21b5"));
    // Half of "é" alone is not text: shown as its byte.
    QCOMPARE(one->tokens[4].display, std::string("<0xC3>"));
    QCOMPARE(one->tokens[5].display, std::string("<0xA9>"));
    const auto decoded = tok.decode(Ids{20, 23, 26, 27, 28});
    QVERIFY(decoded.ok());
    QCOMPARE(decoded.value(), std::string("Hello world\n\u00e9"));
}

void TestTokenizerJson::llama2_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<Ids>("expected");
    QTest::newRow("merges to one piece") << "Hello" << Ids{1, kL2Hello};
    // No pre-tokenizer: the whole text is one word; "é" falls back to bytes.
    QTest::newRow("byte fallback") << "Hello w\u00e9" << Ids{1, kL2Hello, kL2w, byteId(0xC3), byteId(0xA9)};
    QTest::newRow("typed special") << "Hello</s>" << Ids{1, kL2Hello, 2};
    QTest::newRow("empty") << "" << Ids{1};
}

void TestTokenizerJson::llama2() {
    QFETCH(QString, text);
    QFETCH(Ids, expected);
    LOAD_OR_FAIL(tok, folder(llama2Style()));
    QCOMPARE(tok.kind(), std::string("bpe"));
    ENCODE_OR_FAIL(enc, tok.encode(text.toStdString()));
    QCOMPARE(enc->ids(), expected);
}

void TestTokenizerJson::llama2DecodeDisplay() {
    LOAD_OR_FAIL(tok, folder(llama2Style()));
    ENCODE_OR_FAIL(enc, tok.encode("Hello w\u00e9"));
    QCOMPARE(enc->tokens[1].display, std::string("\u2423Hello"));
    QCOMPARE(enc->tokens[3].display, std::string("<0xC3>"));
    // "▁Hello" covers "Hello" (the "▁" was inserted), "▁w" covers " w".
    QCOMPARE(enc->tokens[1].start, std::size_t(0));
    QCOMPARE(enc->tokens[1].end, std::size_t(5));
    QCOMPARE(enc->tokens[2].start, std::size_t(5));
    QCOMPARE(enc->tokens[2].end, std::size_t(7));
    QCOMPARE(enc->tokens[3].start, std::size_t(7));
    QCOMPARE(enc->tokens[4].end, std::size_t(9));
    const auto decoded = tok.decode(Ids{kL2Hello, kL2w, byteId(0xC3), byteId(0xA9)});
    QVERIFY(decoded.ok());
    QCOMPARE(decoded.value(), std::string("Hello w\u00e9"));
    // A lone lead byte is not UTF-8: ByteFallback writes U+FFFD.
    const auto broken = tok.decode(Ids{kL2Hello, byteId(0xC3)});
    QVERIFY(broken.ok());
    QCOMPARE(broken.value(), std::string("Hello\xEF\xBF\xBD"));
    QVERIFY(!tok.decode(Ids{5000}).ok());
}

void TestTokenizerJson::fuseUnk() {
    // Without byte fallback, unknown characters become <unk>: one per run
    // with fuse_unk, one per character without.
    Json j = llama2Style();
    j["model"]["byte_fallback"] = false;
    LOAD_OR_FAIL(fused, folder(j));
    ENCODE_OR_FAIL(a, fused.encode("\u00e9\u00e9"));
    QCOMPARE(a->ids(), (Ids{1, kL2Meta, 0}));
    j["model"]["fuse_unk"] = false;
    LOAD_OR_FAIL(separate, folder(j));
    ENCODE_OR_FAIL(b, separate.encode("\u00e9\u00e9"));
    QCOMPARE(b->ids(), (Ids{1, kL2Meta, 0, 0}));
}

void TestTokenizerJson::nfcBeforeByteLevel() {
    // "e" + U+0301 composes to "é" (bytes C3 A9 = "Ã©") under NFC; without
    // it the three bytes 65 CC 81 stay apart ("e", "Ì", "ģ").
    Json j;
    j["normalizer"] = {{"type", "NFC"}};
    j["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
    j["model"] = {{"type", "BPE"},
                  {"vocab", vocabOf({"\u00c3", "\u00a9", "\u00c3\u00a9", "e", "\u00cc", "\u0123"})},
                  {"merges", Json::array({"\u00c3 \u00a9"})}};
    LOAD_OR_FAIL(nfc, folder(j));
    ENCODE_OR_FAIL(composed, nfc.encode("e\u0301"));
    QCOMPARE(composed->ids(), (Ids{2}));
    QCOMPARE(composed->tokens[0].start, std::size_t(0));
    QCOMPARE(composed->tokens[0].end, std::size_t(3));
    QCOMPARE(composed->tokens[0].display, std::string("\u00e9"));
    j["normalizer"] = nullptr;
    LOAD_OR_FAIL(plain, folder(j));
    ENCODE_OR_FAIL(apart, plain.encode("e\u0301"));
    QCOMPARE(apart->ids(), (Ids{3, 4, 5}));
}

void TestTokenizerJson::metaspace_data() {
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<QString>("text");
    QTest::addColumn<Ids>("expected");
    QTest::newRow("first") << "first" << "Hello w" << Ids{kL2Hello, kL2w};
    // "first": only the text at offset 0 gets the "▁"; after a special it does not.
    QTest::newRow("first after special") << "first" << "</s>Hello" << Ids{2, kL2H, kL2e, kL2ll, kL2o};
    QTest::newRow("always after special") << "always" << "</s>Hello" << Ids{2, kL2Hello};
    QTest::newRow("never") << "never" << "Hello" << Ids{kL2H, kL2e, kL2ll, kL2o};
}

void TestTokenizerJson::metaspace() {
    QFETCH(QString, scheme);
    QFETCH(QString, text);
    QFETCH(Ids, expected);
    Json j = llama2Style();
    j["normalizer"] = nullptr;
    j["post_processor"] = nullptr;
    j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", scheme.toStdString()},
                          {"split", true}};
    j["decoder"] = {{"type", "Metaspace"}, {"replacement", "\u2581"}, {"prepend_scheme", scheme.toStdString()},
                    {"split", true}};
    LOAD_OR_FAIL(tok, folder(j));
    ENCODE_OR_FAIL(enc, tok.encode(text.toStdString()));
    QCOMPARE(enc->ids(), expected);
}

void TestTokenizerJson::wordPiece_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("pair");
    QTest::addColumn<Ids>("expected");
    // Accent stripped, lower-cased, punctuation split, "," unknown.
    QTest::newRow("normalise") << "H\u00e9llo, WORLD!" << QString() << Ids{2, 4, 1, 7, 8, 3};
    // max_input_chars_per_word is 5 here.
    QTest::newRow("five chars") << "aaaaa" << QString() << Ids{2, 9, 10, 10, 10, 10, 3};
    QTest::newRow("six chars") << "aaaaaa" << QString() << Ids{2, 1, 3};
    // "hel" matches but "##o" does not exist: the whole word is unknown.
    QTest::newRow("no continuation") << "helo" << QString() << Ids{2, 1, 3};
    QTest::newRow("cjk split") << "\u4e2da" << QString() << Ids{2, 11, 9, 3};
    QTest::newRow("zero width removed") << "hel\u200blo" << QString() << Ids{2, 4, 3};
    QTest::newRow("typed sep") << "hello[SEP]world" << QString() << Ids{2, 4, 3, 7, 3};
    QTest::newRow("pair") << "hello" << "world" << Ids{2, 4, 3, 7, 3};
}

void TestTokenizerJson::wordPiece() {
    QFETCH(QString, text);
    QFETCH(QString, pair);
    QFETCH(Ids, expected);
    LOAD_OR_FAIL(tok, folder(wordPieceStyle()));
    QCOMPARE(tok.kind(), std::string("wordpiece"));
    const std::string p = pair.toStdString();
    ENCODE_OR_FAIL(enc, pair.isNull() ? tok.encode(text.toStdString()) : tok.encode(text.toStdString(), std::string_view(p)));
    QCOMPARE(enc->ids(), expected);
    if (!pair.isNull()) QCOMPARE(enc->typeIds(), (Ids{0, 0, 0, 1, 1}));
    // WordPiece decoding: "##" pieces glue to the word, the rest is spaced.
    const auto decoded = tok.decode(enc->ids());
    QVERIFY(decoded.ok());
    if (text == "aaaaa") QCOMPARE(decoded.value(), std::string("[CLS] aaaaa [SEP]"));
    if (text == "hello[SEP]world") QCOMPARE(decoded.value(), std::string("[CLS] hello [SEP] world [SEP]"));
}

void TestTokenizerJson::addedTokenFlags_data() {
    QTest::addColumn<bool>("lstrip");
    QTest::addColumn<bool>("rstrip");
    QTest::addColumn<bool>("singleWord");
    QTest::addColumn<bool>("normalized");
    QTest::addColumn<bool>("lowercase");
    QTest::addColumn<QString>("text");
    QTest::addColumn<Ids>("expected");
    // vocabulary: 0 a, 1 b, 2 Ġ, 3 Ġb, 4 <, 5 m, 6 >, 7 x, 8 y; <m> is 10.
    QTest::newRow("plain") << false << false << false << false << false << "a <m> b" << Ids{0, 2, 10, 3};
    QTest::newRow("lstrip") << true << false << false << false << false << "a <m> b" << Ids{0, 10, 3};
    QTest::newRow("rstrip") << false << true << false << false << false << "a <m> b" << Ids{0, 2, 10, 1};
    QTest::newRow("single word inside") << false << false << true << false << false << "x<m>y" << Ids{7, 4, 5, 6, 8};
    QTest::newRow("single word alone") << false << false << true << false << false << "x <m> y" << Ids{7, 2, 10, 2, 8};
    // A normalized token is looked for after lower-casing.
    QTest::newRow("normalized") << false << false << false << true << true << "a <M> b" << Ids{0, 2, 10, 3};
    QTest::newRow("not normalized") << false << false << false << false << true << "a <M> b" << Ids{0, 2, 4, 5, 6, 3};
}

void TestTokenizerJson::addedTokenFlags() {
    QFETCH(bool, lstrip);
    QFETCH(bool, rstrip);
    QFETCH(bool, singleWord);
    QFETCH(bool, normalized);
    QFETCH(bool, lowercase);
    QFETCH(QString, text);
    QFETCH(Ids, expected);
    Json mask = addedToken(10, "<m>");
    mask["lstrip"] = lstrip;
    mask["rstrip"] = rstrip;
    mask["single_word"] = singleWord;
    mask["normalized"] = normalized;
    LOAD_OR_FAIL(tok, folder(addedFlagsStyle(mask, lowercase)));
    ENCODE_OR_FAIL(enc, tok.encode(text.toStdString()));
    QCOMPARE(enc->ids(), expected);
}

void TestTokenizerJson::refused_data() {
    QTest::addColumn<QString>("content");
    QTest::addColumn<QString>("message");
    QTest::addColumn<core::ErrorCode>("code");
    const core::ErrorCode unsupported = core::ErrorCode::Unsupported;
    const core::ErrorCode corrupt = core::ErrorCode::CorruptFile;
    auto withModel = [](Json model) {
        Json j = wordPieceStyle();
        j["model"] = std::move(model);
        return QString::fromStdString(j.dump());
    };
    auto with = [](const char* key, Json value) {
        Json j = wordPieceStyle();
        j[key] = std::move(value);
        return QString::fromStdString(j.dump());
    };
    const QString full = QString::fromStdString(wordPieceStyle().dump());
    QTest::newRow("unigram") << withModel({{"type", "Unigram"}, {"vocab", Json::array()}})
                             << "unsupported tokenizer.json feature: model type Unigram" << unsupported;
    QTest::newRow("precompiled") << with("normalizer", {{"type", "Precompiled"}, {"precompiled_charsmap", "AAAA"}})
                                 << "unsupported tokenizer.json feature: normalizer Precompiled" << unsupported;
    QTest::newRow("unicode scripts") << with("pre_tokenizer", {{"type", "UnicodeScripts"}})
                                     << "unsupported tokenizer.json feature: pre_tokenizer UnicodeScripts" << unsupported;
    QTest::newRow("post-processor") << with("post_processor", {{"type", "Mystery"}})
                                    << "unsupported tokenizer.json feature: post_processor Mystery" << unsupported;
    QTest::newRow("decoder") << with("decoder", {{"type", "CTC"}}) << "unsupported tokenizer.json feature: decoder CTC"
                             << unsupported;
    QTest::newRow("dropout") << withModel({{"type", "BPE"}, {"dropout", 0.1}, {"vocab", {{"a", 0}}}, {"merges", Json::array()}})
                             << "unsupported tokenizer.json feature: BPE dropout" << unsupported;
    QTest::newRow("bad regex") << with("pre_tokenizer", {{"type", "Split"}, {"pattern", {{"Regex", "(a"}}},
                                                         {"behavior", "Isolated"}})
                               << "invalid regular expression \"(a\"" << unsupported;
    QTest::newRow("truncated") << full.left(full.size() / 2) << "is not valid JSON" << corrupt;
    QTest::newRow("merge of unknown tokens")
        << withModel({{"type", "BPE"}, {"vocab", {{"a", 0}}}, {"merges", Json::array({"a q"})}})
        << "merge 1 ('a' 'q') uses a token that is not in the vocabulary" << corrupt;
    QTest::newRow("merge result missing")
        << withModel({{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}}}, {"merges", Json::array({"a b"})}})
        << "makes 'ab', which is not in the vocabulary" << corrupt;
    QTest::newRow("vocab not an object") << withModel({{"type", "WordPiece"}, {"vocab", Json::array()}})
                                         << "model.vocab is not an object" << corrupt;
    QTest::newRow("unknown template token")
        << with("post_processor", {{"type", "TemplateProcessing"},
                                   {"single", Json::array({{{"SpecialToken", {{"id", "[X]"}, {"type_id", 0}}}}})},
                                   {"pair", Json::array()},
                                   {"special_tokens", Json::object()}})
        << "uses special token '[X]', which it does not define" << corrupt;
    QTest::newRow("no unk in vocab") << withModel({{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"vocab", {{"a", 0}}}})
                                     << "has no unknown token '[UNK]'" << corrupt;
}

void TestTokenizerJson::refused() {
    QFETCH(QString, content);
    QFETCH(QString, message);
    QFETCH(core::ErrorCode, code);
    ATTNVIZ_UNWRAP(dir, folder(Json()));
    ATTNVIZ_VERIFY_OK(test::writeFile(dir / "tokenizer.json", content.toStdString()));
    const auto tok = core::loadTokenizer(dir);
    QVERIFY(!tok.ok());
    QVERIFY2(QString::fromStdString(tok.error()).contains(message), tok.error().c_str());
    QVERIFY2(QString::fromStdString(tok.error()).contains("tokenizer.json"), tok.error().c_str());
    // With nothing to fall back to, an unsupported file leaves the folder
    // unsupported; a broken one is reported as it is.
    QCOMPARE(codeName(tok.code()), codeName(code));
    // Asked for tokenizer.json by name, there is no fallback either way.
    const auto named = core::loadTokenizer(dir, core::TokenizerFormat::TokenizerJson);
    QVERIFY(!named.ok());
    QVERIFY2(QString::fromStdString(named.error()).contains(message), named.error().c_str());
    QCOMPARE(codeName(named.code()), codeName(code));
}

void TestTokenizerJson::fallsBackOnlyForUnsupported() {
    // An unsupported tokenizer.json gives way to vocab.txt next to it...
    Json unigram = wordPieceStyle();
    unigram["model"] = {{"type", "Unigram"}, {"vocab", Json::array()}};
    ATTNVIZ_UNWRAP(dir, folder(unigram));
    ATTNVIZ_VERIFY_OK(test::writeFile(dir / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n"));
    LOAD_OR_FAIL(tok, dir);
    QCOMPARE(tok.kind(), std::string("wordpiece"));
    ENCODE_OR_FAIL(enc, tok.encode("Hello"));
    QCOMPARE(enc->ids(), (Ids{2, 4, 3}));
    // ...but a broken one is reported, not skipped.
    ATTNVIZ_UNWRAP(broken, folder(Json()));
    ATTNVIZ_VERIFY_OK(test::writeFile(broken / "tokenizer.json", "{\"model\": {"));
    ATTNVIZ_VERIFY_OK(test::writeFile(broken / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n"));
    const auto failed = core::loadTokenizer(broken);
    QVERIFY(!failed.ok());
    QVERIFY2(QString::fromStdString(failed.error()).contains("not valid JSON"), failed.error().c_str());
    QCOMPARE(codeName(failed.code()), codeName(core::ErrorCode::CorruptFile));
    // ...and so is a broken file met after the fallback.
    ATTNVIZ_UNWRAP(brokenVocab, folder(unigram));
    ATTNVIZ_VERIFY_OK(test::writeFile(brokenVocab / "vocab.txt", ""));
    const auto empty = core::loadTokenizer(brokenVocab);
    QVERIFY(!empty.ok());
    QVERIFY2(QString::fromStdString(empty.error()).contains("vocab.txt' has no tokens"), empty.error().c_str());
    QCOMPARE(codeName(empty.code()), codeName(core::ErrorCode::CorruptFile));
}

void TestTokenizerJson::fallsBackToSentencePiece() {
    // An unsupported tokenizer.json next to a tokenizer.model gives way to it.
    Json unigram = wordPieceStyle();
    unigram["model"] = {{"type", "Unigram"}, {"vocab", Json::array()}};
    ATTNVIZ_UNWRAP(dir, folder(unigram));
    test::SpModelSpec spec;
    spec.pieces = {{"<unk>", 0, test::SpPiece::Unknown},
                   {"<s>", 0, test::SpPiece::Control},
                   {"</s>", 0, test::SpPiece::Control},
                   {"\u2581hello", -1}};
    ATTNVIZ_VERIFY_OK(test::writeFile(dir / "tokenizer.model", test::sentencePieceModel(spec)));
    LOAD_OR_FAIL(tok, dir);
    QCOMPARE(tok.kind(), std::string("sentencepiece"));
    ENCODE_OR_FAIL(enc, tok.encode("hello"));
    QCOMPARE(enc->ids(), (Ids{1, 3}));
}

void TestTokenizerJson::missingFilesAreIo() {
    const auto missing = core::loadTokenizer(std::filesystem::path(m_root.path().toStdString()) / "absent");
    QVERIFY(!missing.ok());
    QCOMPARE(codeName(missing.code()), codeName(core::ErrorCode::Io));
    // A folder without any tokenizer file is a missing file, not an unsupported one.
    ATTNVIZ_UNWRAP(emptyDir, folder(Json()));
    const auto empty = core::loadTokenizer(emptyDir);
    QVERIFY(!empty.ok());
    QVERIFY2(QString::fromStdString(empty.error()).contains("no supported tokenizer"), empty.error().c_str());
    QCOMPARE(codeName(empty.code()), codeName(core::ErrorCode::Io));
    ATTNVIZ_UNWRAP(namedDir, folder(Json()));
    const auto named = core::loadTokenizer(namedDir, core::TokenizerFormat::TokenizerJson);
    QVERIFY(!named.ok());
    QCOMPARE(codeName(named.code()), codeName(core::ErrorCode::Io));
}

void TestTokenizerJson::badTextAndIdsAreInvalidInput() {
    LOAD_OR_FAIL(tok, folder(wordPieceStyle()));
    const auto text = tok.encode("hello \xff");
    QVERIFY(!text.ok());
    QVERIFY2(QString::fromStdString(text.error()).contains("not valid UTF-8"), text.error().c_str());
    QCOMPARE(codeName(text.code()), codeName(core::ErrorCode::InvalidInput));
    const auto pair = tok.encode("hello", std::string_view("\xc3"));
    QVERIFY(!pair.ok());
    QCOMPARE(codeName(pair.code()), codeName(core::ErrorCode::InvalidInput));
    const auto ids = tok.decode(Ids{4, tok.vocabSize() + 10});
    QVERIFY(!ids.ok());
    QVERIFY2(QString::fromStdString(ids.error()).contains("outside the vocabulary"), ids.error().c_str());
    QCOMPARE(codeName(ids.code()), codeName(core::ErrorCode::InvalidInput));
}

QTEST_APPLESS_MAIN(TestTokenizerJson)
#include "test_tokenizer_json.moc"
