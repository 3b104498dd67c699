// tokenizer.model with the Hugging Face slow-tokenizer conventions, on tiny
// Unigram models built in code (so every expected id is worked out by hand
// from the scores: the segmentation with the best total score wins):
// LlamaTokenizer (BOS/EOS, legacy true/false, typed special tokens) and
// AlbertTokenizer ([CLS] A [SEP] B [SEP], remove_space, `` '' -> ",
// keep_accents, do_lower_case, the digit-comma rule, [MASK] lstrip, its
// spiece.model found through config.json's model_type), and
// the codes of the errors: bad text or ids, unsupported classes, corrupt
// models. Then the project's own default models, when their folders exist.
#include "tiny_files.h"

#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace attnviz;
using test::SpPiece;

namespace {

using Ids = std::vector<std::int32_t>;

// ids: 0 <unk>, 1 <s>, 2 </s>, 3 "▁", 4 "▁Hello", 5 "▁World", 6 "World",
// 7.. single characters (score -10, so whole words always win).
std::string llamaModel() {
    test::SpModelSpec spec;
    spec.pieces = {{"<unk>", 0, SpPiece::Unknown}, {"<s>", 0, SpPiece::Control}, {"</s>", 0, SpPiece::Control},
                   {"\u2581", -5},                {"\u2581Hello", -1},         {"\u2581World", -1},
                   {"World", -1}};
    for (const char* c : {"H", "e", "l", "o", "W", "r", "d", "<", ">", "u", "n", "k", "s", "/"}) {
        spec.pieces.push_back({c, -10});
    }
    return test::sentencePieceModel(spec);
}

constexpr std::int32_t kUnk = 0, kBos = 1, kEos = 2, kMeta = 3, kHello = 4, kWorldSpace = 5, kWorld = 6;

// ids: 0 <pad>, 1 <unk>, 2 [CLS], 3 [SEP], 4 [MASK], then words and characters.
std::string albertModel() {
    test::SpModelSpec spec;
    spec.pieces = {{"<pad>", 0, SpPiece::Control}, {"<unk>", 0, SpPiece::Unknown}, {"[CLS]", 0, SpPiece::Control},
                   {"[SEP]", 0, SpPiece::Control}, {"[MASK]", 0, SpPiece::Control}, {"\u2581", -5},
                   {"\u2581hello", -1},             {"\u2581Hello", -1},           {"\u2581world", -1},
                   {"\u2581cafe", -1},              {"\u2581caf\u00e9", -1},       {"\u258112,", -0.5f},
                   {"\u258112", -1},                {",", -2},                     {"\"", -2},
                   {"hello", -1},                   {"\u2581the", -1},             {"\u2581sat", -1}};
    for (const char* c : {"a", "c", "d", "e", "f", "h", "l", "o", "r", "s", "t", "w", "H", "W", "1", "2", "\u00e9"}) {
        spec.pieces.push_back({c, -10});
    }
    // 35 "12," and 36 "12": a digit-comma piece without "▁".
    spec.pieces.push_back({"12,", -0.5f});
    spec.pieces.push_back({"12", -3});
    return test::sentencePieceModel(spec);
}

constexpr std::int32_t kCls = 2, kSep = 3, kMask = 4, kAMeta = 5, kAhello = 6, kAHello = 7, kAworld = 8, kAcafe = 9,
                       kAcafeAccent = 10, kA12 = 12, kAComma = 13, kAQuote = 14, kAhelloBare = 15, kAthe = 16,
                       kAsat = 17, kAunk = 1, kA12Bare = 36;

core::Result<std::filesystem::path> writeFolder(const QTemporaryDir& root, const std::string& name,
                                                const std::string& model, const nlohmann::json& config) {
    const std::filesystem::path dir = std::filesystem::path(root.path().toStdString()) / name;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return core::makeError(core::ErrorCode::Io, "cannot create " + dir.string() + ": " + ec.message());
    if (core::Status s = test::writeFile(dir / "tokenizer.model", model); !s) return s.takeError();
    if (!config.is_null()) {
        if (core::Status s = test::writeJson(dir / "tokenizer_config.json", config); !s) return s.takeError();
    }
    return dir;
}

// Codes compared by name, so a failure prints "I/O error" and not a number.
using attnviz::test::codeName;

}  // namespace

class TestSentencePieceConventions : public QObject {
    Q_OBJECT

private slots:
    void llama_data();
    void llama();
    void llamaPairAndSpans();
    void llamaAddedPadToken();
    void albert_data();
    void albert();
    void albertPair();
    void albertSpieceModel();
    void errorCodes();
    void defaultModels_data();
    void defaultModels();

private:
    QTemporaryDir m_root;
};

void TestSentencePieceConventions::llama_data() {
    QTest::addColumn<QString>("config");
    QTest::addColumn<QString>("text");
    QTest::addColumn<Ids>("expected");
    const QString legacy = R"({"tokenizer_class": "LlamaTokenizer", "legacy": true})";
    const QString modern = R"({"tokenizer_class": "LlamaTokenizer", "legacy": false})";
    QTest::newRow("legacy plain") << legacy << "Hello World" << Ids{kBos, kHello, kWorldSpace};
    // Each chunk after a typed special gets its own dummy-prefix "▁".
    QTest::newRow("legacy special") << legacy << "Hello <s> World" << Ids{kBos, kHello, kMeta, kBos, kMeta, kWorldSpace};
    QTest::newRow("legacy glued") << legacy << "<s>World" << Ids{kBos, kBos, kWorldSpace};
    // legacy=false: one "▁" at the start only; a space after a special
    // becomes the next word's "▁".
    QTest::newRow("modern special") << modern << "Hello <s> World" << Ids{kBos, kHello, kMeta, kBos, kWorldSpace};
    QTest::newRow("modern glued") << modern << "<s>World" << Ids{kBos, kBos, kWorld};
    QTest::newRow("modern plain") << modern << "Hello World" << Ids{kBos, kHello, kWorldSpace};
    QTest::newRow("no config = legacy, BOS") << QString() << "Hello <s> World"
                                             << Ids{kBos, kHello, kMeta, kBos, kMeta, kWorldSpace};
    QTest::newRow("eos only") << R"({"tokenizer_class": "LlamaTokenizer", "add_bos_token": false, "add_eos_token": true})"
                              << "Hello" << Ids{kHello, kEos};
    QTest::newRow("empty") << legacy << "" << Ids{kBos};
    QTest::newRow("typed eos and unk") << legacy << "</s><unk>" << Ids{kBos, kEos, kUnk};
}

void TestSentencePieceConventions::llama() {
    QFETCH(QString, config);
    QFETCH(QString, text);
    QFETCH(Ids, expected);
    static int folder = 0;
    ATTNVIZ_UNWRAP(dir, writeFolder(m_root, "llama" + std::to_string(folder++), llamaModel(),
                                    config.isEmpty() ? nlohmann::json() : nlohmann::json::parse(config.toStdString())));
    auto tok = core::loadTokenizer(dir);
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().c_str());
    QCOMPARE((*tok)->kind(), std::string("sentencepiece"));
    const auto enc = (*tok)->encode(text.toStdString());
    QVERIFY2(enc.ok(), enc.ok() ? "" : enc.error().c_str());
    QCOMPARE(enc->ids(), expected);
    for (const core::Token& t : enc->tokens) QCOMPARE(t.typeId, 0);  // LlamaTokenizer returns no token types
}

void TestSentencePieceConventions::llamaPairAndSpans() {
    ATTNVIZ_UNWRAP(dir, writeFolder(m_root, "llama-pair", llamaModel(), nlohmann::json{{"tokenizer_class", "LlamaTokenizer"}}));
    auto tok = core::loadTokenizer(dir);
    QVERIFY(tok.ok());
    const auto enc = (*tok)->encode("Hello World", std::string_view("World"));
    QVERIFY(enc.ok());
    QCOMPARE(enc->ids(), (Ids{kBos, kHello, kWorldSpace, kBos, kWorldSpace}));
    QCOMPARE(enc->tokens[3].segment, 1);
    QCOMPARE(enc->tokens[4].segment, 1);
    // "▁Hello" covers "Hello", "▁World" covers " World"; BOS is empty.
    QCOMPARE(enc->tokens[0].start, enc->tokens[0].end);
    QCOMPARE(enc->tokens[1].start, std::size_t(0));
    QCOMPARE(enc->tokens[1].end, std::size_t(5));
    QCOMPARE(enc->tokens[2].start, std::size_t(5));
    QCOMPARE(enc->tokens[2].end, std::size_t(11));
    QCOMPARE(enc->tokens[4].start, std::size_t(0));
    QCOMPARE(enc->tokens[4].end, std::size_t(5));
    QCOMPARE(enc->tokens[1].display, std::string("\u2423Hello"));
    const auto decoded = (*tok)->decode(Ids{kHello, kWorldSpace});
    QVERIFY(decoded.ok());
    QCOMPARE(decoded.value(), std::string("Hello World"));
}

void TestSentencePieceConventions::llamaAddedPadToken() {
    // A special token the SentencePiece model lacks gets the next id, as
    // transformers' _add_tokens does, and is recognised when typed.
    ATTNVIZ_UNWRAP(dir, writeFolder(m_root, "llama-pad", llamaModel(),
                                    nlohmann::json{{"tokenizer_class", "LlamaTokenizer"}, {"pad_token", "<pad>"}}));
    auto tok = core::loadTokenizer(dir);
    QVERIFY(tok.ok());
    const std::int32_t pieces = 7 + 14;
    QCOMPARE((*tok)->vocabSize(), pieces + 1);
    const auto enc = (*tok)->encode("<pad>");
    QVERIFY(enc.ok());
    QCOMPARE(enc->ids(), (Ids{kBos, pieces}));
    QVERIFY(enc->tokens[1].special);
    QCOMPARE((*tok)->piece(pieces), std::string("<pad>"));
}

void TestSentencePieceConventions::albert_data() {
    QTest::addColumn<QString>("config");
    QTest::addColumn<QString>("text");
    QTest::addColumn<Ids>("expected");
    // The default masked model's settings (tools/train/README.md).
    const QString cased = R"({"tokenizer_class": "AlbertTokenizer", "do_lower_case": false, "keep_accents": true,
        "remove_space": true, "mask_token": {"content": "[MASK]", "lstrip": true, "normalized": false, "rstrip": false,
        "single_word": false}})";
    const QString lower = R"({"tokenizer_class": "AlbertTokenizer", "do_lower_case": true, "keep_accents": false})";
    QTest::newRow("spaces collapse") << cased << "  Hello   world " << Ids{kCls, kAHello, kAworld, kSep};
    QTest::newRow("lower case") << lower << "Hello World" << Ids{kCls, kAhello, kAworld, kSep};
    QTest::newRow("accents kept") << cased << "caf\u00e9" << Ids{kCls, kAcafeAccent, kSep};
    QTest::newRow("accents stripped") << lower << "caf\u00e9" << Ids{kCls, kAcafe, kSep};
    // "▁12," is one piece but AlbertTokenizer re-splits a digit + comma.
    QTest::newRow("digit comma") << cased << "12, hello" << Ids{kCls, kA12, kAComma, kAhello, kSep};
    // "12," inside a word: "12" is re-encoded as "▁12", whose "▁" is dropped
    // because the original piece had none.
    QTest::newRow("digit comma inside a word") << cased << "hello12, world"
                                               << Ids{kCls, kAhello, kA12Bare, kAComma, kAworld, kSep};
    QTest::newRow("quotes") << cased << "``hello''" << Ids{kCls, kAMeta, kAQuote, kAhelloBare, kAQuote, kSep};
    QTest::newRow("mask") << cased << "the [MASK] sat" << Ids{kCls, kAthe, kMask, kAsat, kSep};
    QTest::newRow("mask glued") << cased << "hello[MASK]world" << Ids{kCls, kAhello, kMask, kAworld, kSep};
    QTest::newRow("mask kept when lower-casing") << lower << "Hello [MASK]" << Ids{kCls, kAhello, kMask, kSep};
    // transformers lower-cases the text before looking for special tokens,
    // so a typed "<UNK>" becomes the unknown token.
    QTest::newRow("typed upper-case unk") << lower << "<UNK>" << Ids{kCls, kAunk, kSep};
    QTest::newRow("empty") << cased << "" << Ids{kCls, kSep};
}

void TestSentencePieceConventions::albert() {
    QFETCH(QString, config);
    QFETCH(QString, text);
    QFETCH(Ids, expected);
    static int folder = 0;
    ATTNVIZ_UNWRAP(dir, writeFolder(m_root, "albert" + std::to_string(folder++), albertModel(), nlohmann::json::parse(config.toStdString())));
    auto tok = core::loadTokenizer(dir);
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().c_str());
    const auto enc = (*tok)->encode(text.toStdString());
    QVERIFY2(enc.ok(), enc.ok() ? "" : enc.error().c_str());
    QCOMPARE(enc->ids(), expected);
    QVERIFY(enc->tokens.front().special && enc->tokens.back().special);
}

void TestSentencePieceConventions::albertPair() {
    ATTNVIZ_UNWRAP(dir, writeFolder(m_root, "albert-pair", albertModel(),
                                    nlohmann::json{{"tokenizer_class", "AlbertTokenizer"}, {"do_lower_case", true}}));
    auto tok = core::loadTokenizer(dir);
    QVERIFY(tok.ok());
    const auto enc = (*tok)->encode("Hello", std::string_view("World"));
    QVERIFY(enc.ok());
    QCOMPARE(enc->ids(), (Ids{kCls, kAhello, kSep, kAworld, kSep}));
    QCOMPARE(enc->typeIds(), (Ids{0, 0, 0, 1, 1}));
    // Spans point into each segment's own text, through the lower-casing.
    QCOMPARE(enc->tokens[1].start, std::size_t(0));
    QCOMPARE(enc->tokens[1].end, std::size_t(5));
    QCOMPARE(enc->tokens[3].segment, 1);
    QCOMPARE(enc->tokens[3].end, std::size_t(5));
}

void TestSentencePieceConventions::albertSpieceModel() {
    // AlbertTokenizer's file is spiece.model; with no tokenizer_config.json,
    // config.json's model_type albert names the class.
    const std::filesystem::path dir = std::filesystem::path(m_root.path().toStdString()) / "albert-spiece";
    std::filesystem::create_directories(dir);
    ATTNVIZ_VERIFY_OK(test::writeFile(dir / "spiece.model", albertModel()));
    ATTNVIZ_VERIFY_OK(test::writeJson(dir / "config.json", nlohmann::json{{"model_type", "albert"}}));
    auto tok = core::loadTokenizer(dir);
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().c_str());
    const auto enc = (*tok)->encode("  Hello   World ", std::string_view("12, hello"));
    QVERIFY2(enc.ok(), enc.ok() ? "" : enc.error().c_str());
    // AlbertTokenizer defaults: do_lower_case, remove_space, accents stripped.
    QCOMPARE(enc->ids(), (Ids{kCls, kAhello, kAworld, kSep, kA12, kAComma, kAhello, kSep}));
    QCOMPARE(enc->typeIds(), (Ids{0, 0, 0, 0, 1, 1, 1, 1}));
    auto direct = core::loadTokenizer(dir, core::TokenizerFormat::SentencePiece);
    QVERIFY2(direct.ok(), direct.ok() ? "" : direct.error().c_str());
    QCOMPARE((*direct)->encode("Hello")->ids(), (Ids{kCls, kAhello, kSep}));

    // Another model type: spiece.model is not read as ALBERT's (nor T5's).
    ATTNVIZ_VERIFY_OK(test::writeJson(dir / "config.json", nlohmann::json{{"model_type", "bert"}}));
    const auto other = core::loadTokenizer(dir);
    QVERIFY(!other.ok());
    QVERIFY2(QString::fromStdString(other.error()).contains("spiece.model is read only as ALBERT's or T5's"),
             other.error().c_str());
    QCOMPARE(codeName(other.code()), codeName(core::ErrorCode::Unsupported));
}

void TestSentencePieceConventions::errorCodes() {
    ATTNVIZ_UNWRAP(dir, writeFolder(m_root, "llama-errors", llamaModel(), nlohmann::json{{"tokenizer_class", "LlamaTokenizer"}}));
    auto tok = core::loadTokenizer(dir);
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().c_str());
    // What the user typed or passed: text that is not UTF-8, ids past the vocabulary.
    const auto text = (*tok)->encode("Hello \xc3(");
    QVERIFY(!text.ok());
    QVERIFY2(QString::fromStdString(text.error()).contains("not valid UTF-8"), text.error().c_str());
    QCOMPARE(codeName(text.code()), codeName(core::ErrorCode::InvalidInput));
    const auto ids = (*tok)->decode(Ids{kHello, (*tok)->vocabSize()});
    QVERIFY(!ids.ok());
    QCOMPARE(codeName(ids.code()), codeName(core::ErrorCode::InvalidInput));
    const auto negative = (*tok)->decode(Ids{-1});
    QVERIFY(!negative.ok());
    QCOMPARE(codeName(negative.code()), codeName(core::ErrorCode::InvalidInput));

    // A valid model under a class attnviz has no conventions for.
    ATTNVIZ_UNWRAP(xlnet, writeFolder(m_root, "xlnet", llamaModel(), nlohmann::json{{"tokenizer_class", "XLNetTokenizer"}}));
    const auto unsupported = core::loadTokenizer(xlnet);
    QVERIFY(!unsupported.ok());
    QCOMPARE(codeName(unsupported.code()), codeName(core::ErrorCode::Unsupported));
    // A file that is no SentencePiece model at all.
    ATTNVIZ_UNWRAP(garbage, writeFolder(m_root, "garbage", "\x01\x02garbage", nlohmann::json()));
    const auto corrupt = core::loadTokenizer(garbage);
    QVERIFY(!corrupt.ok());
    QVERIFY2(QString::fromStdString(corrupt.error()).contains("is not a valid SentencePiece model"),
             corrupt.error().c_str());
    QCOMPARE(codeName(corrupt.code()), codeName(core::ErrorCode::CorruptFile));
}

void TestSentencePieceConventions::defaultModels_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("causal") << "attnviz-gpt2-gutenberg";
    QTest::newRow("masked") << "attnviz-bert-gutenberg";
}

void TestSentencePieceConventions::defaultModels() {
    // The reference ids written by tools/train (tests/data/default_models)
    // for the models in resources/models.
    QFETCH(QString, name);
    const auto dir = test::sourceDir() / "resources" / "models" / name.toStdString();
    const auto reference = test::testDataDir() / "default_models" / (name.toStdString() + ".json");
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec) || !std::filesystem::is_regular_file(reference, ec)) {
        QSKIP("default model folder or its reference outputs not present yet");
    }
    auto tok = core::loadTokenizer(dir);
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().c_str());
    std::ifstream in(reference);
    const auto j = nlohmann::json::parse(in);
    const auto& sentences = j.at("sentences");
    QVERIFY(!sentences.empty());
    for (const auto& s : sentences) {
        const std::string text = s.at("text").get<std::string>();
        const auto enc = s.contains("text_pair") && !s["text_pair"].is_null()
                             ? (*tok)->encode(text, std::string_view(s["text_pair"].get_ref<const std::string&>()))
                             : (*tok)->encode(text);
        QVERIFY2(enc.ok(), enc.ok() ? "" : enc.error().c_str());
        QCOMPARE(enc->ids(), s.at("input_ids").get<Ids>());
        if (s.contains("token_type_ids") && !s["token_type_ids"].is_null()) {
            QCOMPARE(enc->typeIds(), s["token_type_ids"].get<Ids>());
        }
    }
}

QTEST_APPLESS_MAIN(TestSentencePieceConventions)
#include "test_sentencepiece_conventions.moc"
