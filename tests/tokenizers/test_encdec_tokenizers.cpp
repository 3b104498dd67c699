// The encoder-decoder tokenizers (T5Tokenizer, MarianTokenizer,
// BartTokenizer) against Hugging Face on ../shared/golden/encdec
// (README-encdec.md): every teacher-forced case's source gives its
// input_ids and its target (through loadTargetTokenizer: Marian's
// target.spm) its labels; decode gives what the slow tokenizers' decode
// gives; the conventions around special tokens, pairs, `legacy` and
// Marian's language codes; separate_vocabs; and the errors of broken
// Marian folders. (The golden tokenizers/*.jsonl lines run in
// test_golden_tokenizers.)
//
// Expected ids and strings not in the golden files were printed by the
// Hugging Face oracle (transformers 4.48.0.dev0, slow tokenizers loaded
// with AutoTokenizer.from_pretrained(dir, use_fast=False) on the fixture
// folders; `tok(text).input_ids`, `tok(text_target=t).input_ids`,
// `tok.decode(ids)`, and for the source side of Marian
// `tok.decode(ids, use_source_tokenizer=True)`); "legacy false" is the t5
// fixture's tokenizer_config.json with "legacy": false.
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

using namespace attnviz;

namespace {

using Ids = std::vector<std::int32_t>;

nlohmann::json readJson(const std::filesystem::path& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

std::vector<std::string> pieces(const core::Encoding& enc) {
    std::vector<std::string> out;
    for (const core::Token& t : enc.tokens) out.push_back(t.piece);
    return out;
}

QString idsText(const Ids& ids) {
    QStringList parts;
    for (const auto id : ids) parts << QString::number(id);
    return "[" + parts.join(" ") + "]";
}

// A folder `name` in `tmp` with copies of `files` of `from`.
std::filesystem::path copyFolder(const QTemporaryDir& tmp, const std::string& name, const std::filesystem::path& from,
                                 const std::vector<std::string>& files) {
    const std::filesystem::path dir = std::filesystem::path(tmp.path().toStdString()) / name;
    std::filesystem::create_directories(dir);
    for (const std::string& f : files) std::filesystem::copy_file(from / f, dir / f);
    return dir;
}

// Decoded strings the oracle printed for the golden cases: the target
// side's decode of `labels` (of `generated_ids` for gen8) and the source
// side's decode of `input_ids`.
const std::map<std::string, std::pair<std::string, std::string>>& goldenDecodes() {
    static const std::map<std::string, std::pair<std::string, std::string>> m = {
        {"bart__gen8", {"</s>#################### Ben Ben Ben", ""}},
        {"bart__in1__teacher",
         {"<s>1,250 runners finished the race.</s>",
          "<s>On 3 May 2021, 1,250 runners finished the 42.2 km race; 87% set records!</s>"}},
        {"bart__in2__teacher",
         {"<s>A café in Malmö serves crème brûlée.</s>",
          "<s>Ångström's café in Malmö serves naïve crème brûlée to Zoë.</s>"}},
        {"marian__gen8", {"<pad> pôlisy pôlisy pôlisy pôlisy pôlisy pôlisy pôlisy pôlisy", ""}},
        {"marian__in1__teacher",
         {"Antsoy aho amin'ny 555-0199 alohan'ny 8:30, azafady!</s>", "Call me at 555-0199 before 8:30, please!</s>"}},
        {"marian__in2__teacher",
         {"Nitsiky ilay tompon'ny kafe avy any Zürich.</s>", "The naïve café owner from Zürich smiled.</s>"}},
        {"t5-gated__gen8", {"<pad>atteindre underscorecorrect Nord coolerudi basil Nord", ""}},
        {"t5-gated__in1__teacher",
         {"Sales grew 12% to $4.5M.</s>", "summarize: Sales rose 12% in 2023, to $4.5 million (up from $4.0M).</s>"}},
        {"t5-gated__in2__teacher",
         {"Le se<unk> or na<unk> f boit un café au lait à Cologne.</s>",
          "translate English to French: The na<unk> ve se<unk> or drinks café au lait in Köln.</s>"}},
        {"t5__gen8", {"<pad>Freedom Freedom Freedom These These These These These", ""}},
        {"t5__in1__teacher",
         {"Der Zug fährt um 7:45 Uhr von Gleis 3 ab.</s>",
          "translate English to German: The train leaves at 7:45, from platform 3.</s>"}},
        {"t5__in2__teacher",
         {"Das Café in Zürich serviert Crème brûlée.</s>",
          "translate English to German: The café in Zürich serves crème brûlée.</s>"}},
    };
    return m;
}

struct EncodeCase {
    std::string text;
    std::optional<std::string> pair;
    Ids ids;
    std::string decoded;  // decode(ids)
};

}  // namespace

class TestEncdecTokenizers : public QObject {
    Q_OBJECT

private slots:
    void goldenCases_data();
    void goldenCases();
    void t5Conventions_data();
    void t5Conventions();
    void t5Decode();
    void marianConventions_data();
    void marianConventions();
    void marianDecode();
    void marianSeparateVocabs();
    void fromModelType();
    void badMarianFolders_data();
    void badMarianFolders();

private:
    std::filesystem::path encdec();
    void checkCase(const core::Tokenizer& tok, const EncodeCase& c);
    QTemporaryDir m_tmp;
};

std::filesystem::path TestEncdecTokenizers::encdec() {
    const auto golden = test::goldenDir();
    if (!golden || !std::filesystem::is_directory(*golden / "encdec" / "attention")) return {};
    return *golden / "encdec";
}

void TestEncdecTokenizers::goldenCases_data() {
    QTest::addColumn<QString>("name");
    for (const auto& [name, _] : goldenDecodes()) QTest::newRow(name.c_str()) << QString::fromStdString(name);
}

void TestEncdecTokenizers::goldenCases() {
    QFETCH(QString, name);
    const auto root = encdec();
    if (root.empty()) QSKIP("golden/encdec not found: set ATTNVIZ_GOLDEN_DIR or provide ../shared");
    const auto file = root / "attention" / (name.toStdString() + ".json");
    QVERIFY2(std::filesystem::is_regular_file(file), file.string().c_str());
    const nlohmann::json c = readJson(file);
    const auto dir = root / c.at("model_dir_hint").get<std::string>();
    ATTNVIZ_UNWRAP(source, core::loadTokenizer(dir));
    ATTNVIZ_UNWRAP(target, core::loadTargetTokenizer(dir));
    const auto& [targetText, sourceText] = goldenDecodes().at(name.toStdString());

    // tok(source) == input_ids (and convert_ids_to_tokens == tokens).
    const auto inputIds = c.at("input_ids").get<Ids>();
    ATTNVIZ_UNWRAP(enc, source->encode(c.at("source").get<std::string>()));
    QVERIFY2(enc.ids() == inputIds, qPrintable(idsText(enc.ids()) + " vs HF " + idsText(inputIds)));
    QCOMPARE(pieces(enc), c.at("tokens").get<std::vector<std::string>>());
    if (c.contains("target")) {
        // tok(text_target=target) == labels: Marian's target.spm.
        const auto labels = c.at("labels").get<Ids>();
        ATTNVIZ_UNWRAP(tenc, target->encode(c.at("target").get<std::string>()));
        QVERIFY2(tenc.ids() == labels, qPrintable(idsText(tenc.ids()) + " vs HF " + idsText(labels)));
        QCOMPARE(pieces(tenc), c.at("label_tokens").get<std::vector<std::string>>());
        ATTNVIZ_UNWRAP(decodedTarget, target->decode(labels));
        QCOMPARE(QString::fromStdString(decodedTarget), QString::fromStdString(targetText));
        ATTNVIZ_UNWRAP(decodedSource, source->decode(inputIds));
        QCOMPARE(QString::fromStdString(decodedSource), QString::fromStdString(sourceText));
        // The decoder's input ids (start token + labels shifted) decode too.
        ATTNVIZ_UNWRAP(decoderText, target->decode(c.at("decoder_input_ids").get<Ids>()));
        QVERIFY(!decoderText.empty());
    } else {
        // Generated ids (start token + 8 new ones) through the target side.
        ATTNVIZ_UNWRAP(generated, target->decode(c.at("generated_ids").get<Ids>()));
        QCOMPARE(QString::fromStdString(generated), QString::fromStdString(targetText));
    }
    // Only Marian's two sides differ.
    const bool marian = c.at("model").get<std::string>() == "marian";
    QCOMPARE(source->source() != target->source(), marian);
}

void TestEncdecTokenizers::checkCase(const core::Tokenizer& tok, const EncodeCase& c) {
    const auto enc = c.pair ? tok.encode(c.text, std::string_view(*c.pair)) : tok.encode(c.text);
    QVERIFY2(enc.ok(), enc.ok() ? "" : enc.error().c_str());
    QVERIFY2(enc->ids() == c.ids, qPrintable(idsText(enc->ids()) + " vs HF " + idsText(c.ids)));
    for (const core::Token& t : enc->tokens) {
        QCOMPARE(t.typeId, 0);  // neither class returns token types
        QCOMPARE(QString::fromStdString(t.piece), QString::fromStdString(tok.piece(t.id)));
    }
    ATTNVIZ_UNWRAP(decoded, tok.decode(c.ids));
    QCOMPARE(QString::fromStdString(decoded), QString::fromStdString(c.decoded));
}

void TestEncdecTokenizers::t5Conventions_data() {
    QTest::addColumn<bool>("legacy");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("pair");  // "" = none
    QTest::addColumn<Ids>("ids");
    QTest::addColumn<QString>("decoded");
    // Sentinels strip the whitespace around them (<extra_id_0> = 32099,
    // <extra_id_1> = 32098); a typed </s> at the end gets no second one;
    // A </s> B </s>; legacy false: no "▁" piece of its own after a sentinel
    // or a special, "▁" in the text is a space.
    struct Row {
        const char* text;
        const char* pair;
        Ids legacy;
        Ids nonLegacy;
        const char* decoded;
    };
    const Row rows[] = {
        {"Hello <extra_id_0> world <extra_id_1>.", "", {8774, 32099, 296, 32098, 3, 5, 1},
         {8774, 32099, 7276, 32098, 5, 1}, "Hello <extra_id_0> world <extra_id_1>.</s>"},
        {"a</s>", "", {3, 9, 1}, {3, 9, 1}, "a</s>"},
        {"x </s> y", "", {3, 226, 1, 3, 63, 1}, {3, 226, 1, 3, 63, 1}, "x</s> y</s>"},
        {"<pad>hi<unk>", "", {0, 7102, 2, 1}, {0, 107, 23, 2, 1}, "<pad> hi<unk></s>"},
        {"  <extra_id_0>  z", "", {32099, 3, 172, 1}, {32099, 172, 1}, "<extra_id_0> z</s>"},
        {"Hello <extra_id_0>world", "", {8774, 32099, 296, 1}, {8774, 32099, 7276, 1},
         "Hello <extra_id_0> world</s>"},
        {" leading", "", {1374, 1}, {1374, 1}, "leading</s>"},
        {"\u2581x", "", {3, 226, 1}, {3, 226, 1}, "x</s>"},
        {"Hello .", "", {8774, 3, 5, 1}, {8774, 3, 5, 1}, "Hello.</s>"},
        {"a", "b", {3, 9, 1, 3, 115, 1}, {3, 9, 1, 3, 115, 1}, "a</s> b</s>"},
        {"a</s>", "b</s>", {3, 9, 1, 3, 115, 1}, {3, 9, 1, 3, 115, 1}, "a</s> b</s>"},
    };
    int i = 0;
    for (const Row& r : rows) {
        ++i;
        for (const bool legacy : {true, false}) {
            // The decoded strings are the same for both (checked by the oracle
            // on each row's own ids).
            QTest::newRow(qPrintable(QString("%1/%2").arg(legacy ? "legacy" : "non-legacy").arg(i)))
                << legacy << QString::fromUtf8(r.text) << QString::fromUtf8(r.pair)
                << (legacy ? r.legacy : r.nonLegacy) << QString::fromUtf8(r.decoded);
        }
    }
}

void TestEncdecTokenizers::t5Conventions() {
    QFETCH(bool, legacy);
    QFETCH(QString, text);
    QFETCH(QString, pair);
    QFETCH(Ids, ids);
    QFETCH(QString, decoded);
    const auto root = encdec();
    if (root.empty()) QSKIP("golden/encdec not found: set ATTNVIZ_GOLDEN_DIR or provide ../shared");
    const auto fixture = root / "fixtures" / "t5";
    std::filesystem::path dir = fixture;
    if (!legacy) {
        dir = std::filesystem::path(m_tmp.path().toStdString()) / "t5-nonlegacy";
        if (!std::filesystem::exists(dir)) {
            std::filesystem::create_directories(dir);
            std::filesystem::copy_file(fixture / "spiece.model", dir / "spiece.model");
            nlohmann::json config = readJson(fixture / "tokenizer_config.json");
            config["legacy"] = false;
            std::ofstream(dir / "tokenizer_config.json") << config.dump();
        }
    }
    ATTNVIZ_UNWRAP(tok, core::loadTokenizer(dir));
    QCOMPARE(tok->vocabSize(), 32100);  // len(T5Tokenizer): 32,000 pieces + 100 sentinels
    EncodeCase c{text.toStdString(), std::nullopt, ids, decoded.toStdString()};
    if (!pair.isEmpty()) c.pair = pair.toStdString();
    checkCase(*tok, c);
}

void TestEncdecTokenizers::t5Decode() {
    const auto root = encdec();
    if (root.empty()) QSKIP("golden/encdec not found: set ATTNVIZ_GOLDEN_DIR or provide ../shared");
    ATTNVIZ_UNWRAP(tok, core::loadTargetTokenizer(root / "fixtures" / "t5"));
    // Sentinels stand alone, joined by spaces; one space before a run of
    // specials; clean_up_tokenization (" ." -> ".").
    const std::pair<Ids, const char*> cases[] = {
        {{32099, 37, 629, 32098, 19, 1627, 5, 1}, "<extra_id_0> The house <extra_id_1> is wonderful.</s>"},
        {{37, 629, 3, 6, 1, 0, 37}, "The house,</s><pad>The"},
        {{8774, 3, 5}, "Hello."},
        {{}, ""},
        {{3}, ""},
        {{0, 32099, 2, 2, 1}, "<pad> <extra_id_0> <unk><unk></s>"},
    };
    for (const auto& [ids, expected] : cases) {
        ATTNVIZ_UNWRAP(text, tok->decode(ids));
        QCOMPARE(QString::fromStdString(text), QString::fromUtf8(expected));
    }
    QCOMPARE(QString::fromStdString(tok->piece(32099)), QString("<extra_id_0>"));
    QCOMPARE(QString::fromStdString(tok->piece(32000)), QString("<extra_id_99>"));
    QVERIFY(!tok->decode(Ids{32100}).ok());
}

void TestEncdecTokenizers::marianConventions_data() {
    QTest::addColumn<bool>("targetSide");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("pair");
    QTest::addColumn<Ids>("ids");
    QTest::addColumn<QString>("decoded");
    // A language code at the start is one token (<unk> = 1 here: this
    // vocabulary has none); every >>...<< on a line is cut out; typed
    // specials split the text; A B </s> for a pair. The source side decodes
    // with source.spm (decode(ids, use_source_tokenizer=True)).
    QTest::newRow("code first") << false << ">>fr<< Hello world" << "" << Ids{1, 34291, 245, 0}
                                << "<unk> Hello world</s>";
    QTest::newRow("code inside") << false << "Hello >>fr<< world" << "" << Ids{34291, 245, 0} << "Hello world</s>";
    QTest::newRow("two codes, one match") << false << ">>xx<< >>yy<< z" << "" << Ids{1, 16746, 0} << "<unk> z</s>";
    QTest::newRow("codes per line") << false << "x >>a<<\n>>b<< y" << "" << Ids{6764, 7832, 0} << "x y</s>";
    QTest::newRow("typed eos") << false << "a</s>b" << "" << Ids{17, 0, 755, 0} << "a</s> b</s>";
    QTest::newRow("typed specials") << false << "<unk> x <pad>" << "" << Ids{1, 6764, 54687, 0}
                                    << "<unk> x<pad> </s>";
    QTest::newRow("pair") << false << "a" << "b" << Ids{17, 755, 0} << "a b</s>";
    // tok(text_target=...): target.spm; decode with it (HF's default).
    QTest::newRow("target") << true << "Antsoy aho amin'ny 555-0199" << ""
                            << Ids{32900, 96, 12, 2, 6, 4741, 1471, 14, 9942, 11946, 0}
                            << "Antsoy aho amin'ny 555-0199</s>";
    QTest::newRow("target code") << true << ">>fr<< Manao ahoana" << "" << Ids{1, 2076, 522, 0}
                                 << "<unk> Manao ahoana</s>";
}

void TestEncdecTokenizers::marianConventions() {
    QFETCH(bool, targetSide);
    QFETCH(QString, text);
    QFETCH(QString, pair);
    QFETCH(Ids, ids);
    QFETCH(QString, decoded);
    const auto root = encdec();
    if (root.empty()) QSKIP("golden/encdec not found: set ATTNVIZ_GOLDEN_DIR or provide ../shared");
    const auto dir = root / "fixtures" / "marian";
    ATTNVIZ_UNWRAP(tok, targetSide ? core::loadTargetTokenizer(dir) : core::loadTokenizer(dir));
    QCOMPARE(tok->vocabSize(), 54688);
    EncodeCase c{text.toStdString(), std::nullopt, ids, decoded.toStdString()};
    if (!pair.isEmpty()) c.pair = pair.toStdString();
    checkCase(*tok, c);
}

void TestEncdecTokenizers::marianDecode() {
    const auto root = encdec();
    if (root.empty()) QSKIP("golden/encdec not found: set ATTNVIZ_GOLDEN_DIR or provide ../shared");
    const auto dir = root / "fixtures" / "marian";
    ATTNVIZ_UNWRAP(target, core::loadTargetTokenizer(dir));
    ATTNVIZ_UNWRAP(source, core::loadTokenizer(dir));
    // decode(ids) (target.spm) and decode(ids, use_source_tokenizer=True).
    const std::tuple<Ids, const char*, const char*> cases[] = {
        {{54687, 0, 1, 54687, 5, 6, 7}, "<pad> </s> <unk> <pad> nyny the", "<pad> </s> <unk> <pad>  nyny the"},
        {{1, 34291, 245, 0}, "<unk>  Hello world</s>", "<unk> Hello world</s>"},
        {{}, "", ""},
        {{28, 50726, 49083}, "東京", "東京"},
    };
    for (const auto& [ids, fromTarget, fromSource] : cases) {
        ATTNVIZ_UNWRAP(t, target->decode(ids));
        QCOMPARE(QString::fromStdString(t), QString::fromUtf8(fromTarget));
        ATTNVIZ_UNWRAP(s, source->decode(ids));
        QCOMPARE(QString::fromStdString(s), QString::fromUtf8(fromSource));
    }
    QVERIFY(!target->decode(Ids{54688}).ok());
    QVERIFY(!target->decode(Ids{-1}).ok());
    QCOMPARE(QString::fromStdString(target->piece(54687)), QString("<pad>"));
    QVERIFY(QString::fromStdString(target->source()).endsWith("target.spm'"));
    QVERIFY(QString::fromStdString(source->source()).endsWith("source.spm'"));
}

void TestEncdecTokenizers::marianSeparateVocabs() {
    const auto root = encdec();
    if (root.empty()) QSKIP("golden/encdec not found: set ATTNVIZ_GOLDEN_DIR or provide ../shared");
    const auto fixture = root / "fixtures" / "marian";
    const nlohmann::json c = readJson(root / "attention" / "marian__in1__teacher.json");
    // separate_vocabs: the target side reads target_vocab.json. Here it is
    // vocab.json with every id moved up by 7 (mod 54688), so the target ids
    // are HF's labels moved the same way; the source side is unchanged.
    const auto dir = copyFolder(m_tmp, "marian-separate", fixture, {"source.spm", "target.spm", "vocab.json"});
    const nlohmann::json vocab = readJson(fixture / "vocab.json");
    const std::int32_t n = static_cast<std::int32_t>(vocab.size());
    nlohmann::json shifted = nlohmann::json::object();
    for (const auto& [piece, id] : vocab.items()) shifted[piece] = (id.get<std::int32_t>() + 7) % n;
    std::ofstream(dir / "target_vocab.json") << shifted.dump();
    std::ofstream(dir / "tokenizer_config.json") << R"({"separate_vocabs": true, "source_lang": "en", "target_lang": "mg"})";
    ATTNVIZ_UNWRAP(source, core::loadTokenizer(dir));
    ATTNVIZ_UNWRAP(target, core::loadTargetTokenizer(dir));
    ATTNVIZ_UNWRAP(src, source->encode(c.at("source").get<std::string>()));
    QCOMPARE(src.ids(), c.at("input_ids").get<Ids>());
    Ids labels = c.at("labels").get<Ids>();
    for (auto& id : labels) id = (id + 7) % n;
    ATTNVIZ_UNWRAP(tgt, target->encode(c.at("target").get<std::string>()));
    QCOMPARE(tgt.ids(), labels);
    ATTNVIZ_UNWRAP(text, target->decode(labels));
    QCOMPARE(QString::fromStdString(text), QString::fromStdString(goldenDecodes().at("marian__in1__teacher").first));
    // Without target_vocab.json: one line naming it.
    std::filesystem::remove(dir / "target_vocab.json");
    const auto missing = core::loadTargetTokenizer(dir);
    QVERIFY(!missing.ok());
    QVERIFY2(QString::fromStdString(missing.error()).contains("target_vocab.json' is missing"),
             missing.error().c_str());
}

void TestEncdecTokenizers::fromModelType() {
    const auto root = encdec();
    if (root.empty()) QSKIP("golden/encdec not found: set ATTNVIZ_GOLDEN_DIR or provide ../shared");
    // No tokenizer_config.json: config.json's model_type names the class,
    // as AutoTokenizer's mapping does (t5: T5Tokenizer with its defaults,
    // bart: BartTokenizer, marian: MarianTokenizer).
    const std::pair<const char*, std::vector<std::string>> folders[] = {
        {"t5", {"spiece.model", "config.json"}},
        {"bart", {"vocab.json", "merges.txt", "config.json"}},
        {"marian", {"source.spm", "target.spm", "vocab.json", "config.json"}},
    };
    const nlohmann::json t5Case = readJson(root / "attention" / "t5__in1__teacher.json");
    const nlohmann::json bartCase = readJson(root / "attention" / "bart__in1__teacher.json");
    const nlohmann::json marianCase = readJson(root / "attention" / "marian__in1__teacher.json");
    for (const auto& [name, files] : folders) {
        const auto dir = copyFolder(m_tmp, std::string("model-type-") + name, root / "fixtures" / name, files);
        const nlohmann::json& c = std::string(name) == "t5" ? t5Case : std::string(name) == "bart" ? bartCase : marianCase;
        ATTNVIZ_UNWRAP(source, core::loadTokenizer(dir));
        ATTNVIZ_UNWRAP(target, core::loadTargetTokenizer(dir));
        ATTNVIZ_UNWRAP(src, source->encode(c.at("source").get<std::string>()));
        QCOMPARE(src.ids(), c.at("input_ids").get<Ids>());
        ATTNVIZ_UNWRAP(tgt, target->encode(c.at("target").get<std::string>()));
        QCOMPARE(tgt.ids(), c.at("labels").get<Ids>());
    }
    // The upstream opus-mt-en-mg files have no config.json: source.spm alone
    // says Marian.
    if (const auto models = test::modelsDir(); models && std::filesystem::is_directory(*models / "tokenizers/marian-en-mg")) {
        ATTNVIZ_UNWRAP(target, core::loadTargetTokenizer(*models / "tokenizers/marian-en-mg"));
        ATTNVIZ_UNWRAP(tgt, target->encode(marianCase.at("target").get<std::string>()));
        QCOMPARE(tgt.ids(), marianCase.at("labels").get<Ids>());
    }
}

void TestEncdecTokenizers::badMarianFolders_data() {
    QTest::addColumn<QString>("change");   // what is done to a copy of fixtures/marian
    QTest::addColumn<bool>("target");      // loadTargetTokenizer (else loadTokenizer)
    QTest::addColumn<QString>("message");  // in the one-line error
    QTest::addColumn<int>("code");
    const int io = static_cast<int>(core::ErrorCode::Io);
    const int corrupt = static_cast<int>(core::ErrorCode::CorruptFile);
    QTest::newRow("no vocab.json") << "rm vocab.json" << false << "vocab.json' is missing" << io;
    QTest::newRow("no vocab.json, target") << "rm vocab.json" << true << "vocab.json' is missing" << io;
    QTest::newRow("no target.spm") << "rm target.spm" << true << "target.spm' is missing" << io;
    QTest::newRow("corrupt target.spm") << "garbage target.spm" << true
                                        << "target.spm' is not a valid SentencePiece model" << corrupt;
    QTest::newRow("corrupt target.spm, source side") << "garbage target.spm" << false
                                                     << "target.spm' is not a valid SentencePiece model" << corrupt;
    QTest::newRow("corrupt source.spm") << "garbage source.spm" << false
                                        << "source.spm' is not a valid SentencePiece model" << corrupt;
    QTest::newRow("vocab.json not an object") << "vocab [1, 2]" << false
                                              << "vocab.json' is not a JSON object of piece -> id" << corrupt;
    QTest::newRow("vocab.json truncated") << "vocab {\"a\": 0, \"b" << true << "vocab.json' is not valid JSON"
                                          << corrupt;
    QTest::newRow("vocab.json without <unk>") << "vocab {\"</s>\": 0, \"<pad>\": 1, \"a\": 2}" << false
                                              << "vocab.json' has no entry for the unk_token \"<unk>\"" << corrupt;
    QTest::newRow("vocab.json id twice") << "vocab {\"</s>\": 0, \"<unk>\": 1, \"<pad>\": 1}" << false
                                         << "vocab.json': id 1 is given to both" << corrupt;
    QTest::newRow("vocab.json negative id") << "vocab {\"</s>\": 0, \"<unk>\": -4, \"<pad>\": 2}" << false
                                            << "vocab.json': the id of \"<unk>\" is -4" << corrupt;
    QTest::newRow("vocab.json huge id") << "vocab {\"</s>\": 0, \"<unk>\": 1, \"<pad>\": 2000000000}" << false
                                        << "vocab.json': the id of \"<pad>\" is 2000000000; a vocabulary of 3 pieces uses ids up to 65542"
                                        << corrupt;
}

void TestEncdecTokenizers::badMarianFolders() {
    QFETCH(QString, change);
    QFETCH(bool, target);
    QFETCH(QString, message);
    QFETCH(int, code);
    const auto root = encdec();
    if (root.empty()) QSKIP("golden/encdec not found: set ATTNVIZ_GOLDEN_DIR or provide ../shared");
    QTemporaryDir tmp;
    const auto dir = copyFolder(tmp, "marian", root / "fixtures" / "marian",
                                {"source.spm", "target.spm", "vocab.json", "tokenizer_config.json"});
    const std::string how = change.toStdString();
    if (how.rfind("rm ", 0) == 0) {
        std::filesystem::remove(dir / how.substr(3));
    } else if (how.rfind("garbage ", 0) == 0) {
        std::ofstream(dir / how.substr(8), std::ios::binary | std::ios::trunc) << "\x01\x02garbage";
    } else {
        std::ofstream(dir / "vocab.json", std::ios::trunc) << how.substr(6);
    }
    const auto tok = target ? core::loadTargetTokenizer(dir) : core::loadTokenizer(dir);
    QVERIFY(!tok.ok());
    const QString error = QString::fromStdString(tok.error());
    QVERIFY2(error.contains(message), qPrintable(error));
    QVERIFY2(!error.contains('\n'), qPrintable(error));
    QCOMPARE(static_cast<int>(tok.code()), code);
}

QTEST_APPLESS_MAIN(TestEncdecTokenizers)
#include "test_encdec_tokenizers.moc"
