// Every line of ../shared/golden/tokenizers/*.jsonl and
// ../shared/golden/archs/tokenizers/*.jsonl (Hugging Face slow tokenizers and
// llama.cpp's vectors) through each file format of the matching tokenizer
// folder (the one each golden README names): ids, pieces and token types equal; decode
// round-trips where the tokenizer keeps every character; byte spans cover the
// input without overlap.
#include "support/gguf_vocab_convert.h"
#include "support/test_paths.h"
#include "support/verify_result.h"

#include "attnviz/core/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <memory>

using namespace attnviz;

namespace {

// What decode(encode(x)) gives back.
enum class RoundTrip {
    None,          // WordPiece drops whitespace, lower-cases, strips accents
    Exact,         // byte-level BPE, SentencePiece with identity normalisation
    Nfc,           // the text in Unicode NFC (GPT-NeoX's NFC normalizer)
    ExceptSpaces,  // SentencePiece with remove_extra_whitespaces: only ASCII spaces change
};

// Which input bytes the non-special tokens may leave uncovered.
enum class Coverage {
    Full,                    // every byte belongs to a token
    SpacesMayVanish,         // ASCII spaces may be dropped
    WhitespaceAndControls,   // BERT: whitespace, control/format characters, NUL, U+FFFD, and
                             // nonspacing marks (accent stripping)
};

// Where a spec's tokenizer folder lies. Converted: a GGUF file the test
// writes from the models folder's vocabulary as llama.cpp's converter would
// (support/gguf_vocab_convert.h): vocab.txt as a bert GGUF, tokenizer.json as
// a gpt2 one with the pre-tokenizer name the converter gives it.
enum class Root { Models, Golden, Converted };

struct FileSpec {
    const char* file;      // in golden/<set>/tokenizers
    const char* modelDir;  // in models (or in golden, see root)
    std::vector<std::optional<core::TokenizerFormat>> formats;  // nullopt: loadTokenizer's own choice
    RoundTrip roundTrip;
    Coverage coverage;
    const char* set = "";  // "" (golden) or "archs" (golden/archs)
    Root root = Root::Models;
    // Why lines with whitespace that remove_extra_whitespaces would change
    // are skipped; nullptr: no line is.
    const char* whitespaceSkip = nullptr;

    std::filesystem::path jsonl(const std::filesystem::path& golden) const {
        return golden / set / "tokenizers" / file;
    }
    std::filesystem::path folder(const std::filesystem::path& models, const std::filesystem::path& golden) const {
        return (root == Root::Golden ? golden : models) / modelDir;
    }
    // Row name prefix: the file, with its set and (for a second folder) the folder.
    std::string label() const {
        std::string out = *set ? std::string(set) + "/" + file : std::string(file);
        if (root == Root::Converted) return out + "@gguf(" + modelDir + ")";
        return root == Root::Golden ? out + "@" + modelDir : out;
    }
};

const std::vector<FileSpec>& specs() {
    using F = core::TokenizerFormat;
    static const std::vector<FileSpec> s = {
        {"bert-base-uncased.jsonl", "tokenizers/bert-base-uncased", {F::WordPieceVocab, F::TokenizerJson, std::nullopt},
         RoundTrip::None, Coverage::WhitespaceAndControls},
        {"llamacpp-bert-bge.jsonl", "tokenizers/bert-base-uncased", {F::WordPieceVocab, F::TokenizerJson, std::nullopt},
         RoundTrip::None, Coverage::WhitespaceAndControls},
        {"gpt2.jsonl", "tokenizers/gpt2", {F::ByteLevelBpeVocab, F::TokenizerJson, std::nullopt}, RoundTrip::Exact,
         Coverage::Full},
        {"llamacpp-gpt-2.jsonl", "tokenizers/gpt2", {F::ByteLevelBpeVocab, F::TokenizerJson, std::nullopt},
         RoundTrip::Exact, Coverage::Full},
        {"llama2-32k.jsonl", "tokenizers/llama2-32k", {F::SentencePiece, std::nullopt}, RoundTrip::Exact, Coverage::Full},
        {"llamacpp-llama-spm.jsonl", "tokenizers/llama2-32k", {F::SentencePiece, std::nullopt}, RoundTrip::Exact,
         Coverage::Full},
        // The golden README: tok512 has remove_extra_whitespaces on.
        {"tok512.jsonl", "stories260K", {F::SentencePiece, std::nullopt}, RoundTrip::ExceptSpaces,
         Coverage::SpacesMayVanish},
        // golden/archs README-archs.md "tokenizers/*.jsonl": AlbertTokenizer on
        // fixtures/albert (spiece.model + its tokenizer_config.json); the
        // GPT-NeoX-20B tokenizer.json (no tokenizer_config.json), and the
        // same file in fixtures/gpt_neox (with its GPTNeoXTokenizer config).
        {"albert-base-v2.jsonl", "archs/fixtures/albert", {F::SentencePiece, std::nullopt}, RoundTrip::None,
         Coverage::WhitespaceAndControls, "archs", Root::Golden},
        {"gpt-neox-20b.jsonl", "tokenizers/gpt-neox-20b", {F::TokenizerJson, std::nullopt}, RoundTrip::Nfc,
         Coverage::Full, "archs"},
        {"gpt-neox-20b.jsonl", "archs/fixtures/gpt_neox", {std::nullopt}, RoundTrip::Nfc, Coverage::Full, "archs",
         Root::Golden},
        {"llamacpp-mpt.jsonl", "tokenizers/gpt-neox-20b", {F::TokenizerJson, std::nullopt}, RoundTrip::Nfc,
         Coverage::Full, "archs"},
        // golden/encdec README-encdec.md "tokenizers/*.jsonl" (slow
        // tokenizers of transformers 4.48): T5Tokenizer on fixtures/t5
        // (legacy written out) and on the upstream t5-small files (no legacy
        // key: the same default); MarianTokenizer's source side on
        // fixtures/marian and on the upstream opus-mt-en-mg files (no
        // config.json: found by source.spm); BartTokenizer on fixtures/bart.
        // T5 and Marian normalise (NFKC, whitespace) and make unknown
        // characters <unk>: no round trip (test_encdec_tokenizers decodes).
        {"t5.jsonl", "encdec/fixtures/t5", {F::SentencePiece, std::nullopt}, RoundTrip::None,
         Coverage::WhitespaceAndControls, "encdec", Root::Golden},
        {"t5.jsonl", "tokenizers/t5", {F::SentencePiece, std::nullopt}, RoundTrip::None,
         Coverage::WhitespaceAndControls, "encdec"},
        {"marian-en-mg-source.jsonl", "encdec/fixtures/marian", {std::nullopt}, RoundTrip::None,
         Coverage::WhitespaceAndControls, "encdec", Root::Golden},
        {"marian-en-mg-source.jsonl", "tokenizers/marian-en-mg", {std::nullopt}, RoundTrip::None,
         Coverage::WhitespaceAndControls, "encdec"},
        {"bart-base.jsonl", "encdec/fixtures/bart", {F::ByteLevelBpeVocab, std::nullopt}, RoundTrip::Exact,
         Coverage::Full, "encdec", Root::Golden},
        // The tokenizers GGUF files carry in their metadata (golden/gguf
        // README: the Llama-2 32k, tok512 and GPT-2 vocabularies, converted
        // by llama.cpp), against the same Hugging Face ids.
        {"llama2-32k.jsonl", "gguf/gguf/llama.F32.gguf", {std::nullopt}, RoundTrip::Exact, Coverage::Full, "",
         Root::Golden},
        {"llamacpp-llama-spm.jsonl", "gguf/gguf/llama.F32.gguf", {std::nullopt}, RoundTrip::Exact, Coverage::Full, "",
         Root::Golden},
        {"tok512.jsonl", "gguf/gguf/llama-kq.Q4_K_M.gguf", {std::nullopt}, RoundTrip::ExceptSpaces,
         Coverage::SpacesMayVanish, "", Root::Golden,
         "llama.cpp's converter does not store tok512's remove_extra_whitespaces; the GGUF tokenizer keeps every "
         "space, as llama.cpp does"},
        {"gpt2.jsonl", "gguf/gguf/gpt2.F16.gguf", {std::nullopt}, RoundTrip::Exact, Coverage::Full, "", Root::Golden},
        {"llamacpp-gpt-2.jsonl", "gguf/gguf/gpt2.F16.gguf", {std::nullopt}, RoundTrip::Exact, Coverage::Full, "",
         Root::Golden},
        // The same vocabularies converted here as llama.cpp's converter
        // converts them: bert-base-uncased's vocab.txt (model "bert", phantom
        // space), GPT-NeoX-20B's tokenizer.json (pre "olmo": the converter's
        // name for its check hash).
        {"bert-base-uncased.jsonl", "tokenizers/bert-base-uncased", {std::nullopt}, RoundTrip::None,
         Coverage::WhitespaceAndControls, "", Root::Converted},
        {"llamacpp-bert-bge.jsonl", "tokenizers/bert-base-uncased", {std::nullopt}, RoundTrip::None,
         Coverage::WhitespaceAndControls, "", Root::Converted},
        {"gpt-neox-20b.jsonl", "tokenizers/gpt-neox-20b", {std::nullopt}, RoundTrip::Nfc, Coverage::Full, "archs",
         Root::Converted},
        {"llamacpp-mpt.jsonl", "tokenizers/gpt-neox-20b", {std::nullopt}, RoundTrip::Nfc, Coverage::Full, "archs",
         Root::Converted},
    };
    return s;
}

const char* formatName(const std::optional<core::TokenizerFormat>& f) {
    if (!f) return "auto";
    switch (*f) {
    case core::TokenizerFormat::TokenizerJson: return "tokenizer.json";
    case core::TokenizerFormat::SentencePiece: return "tokenizer.model";
    case core::TokenizerFormat::WordPieceVocab: return "vocab.txt";
    case core::TokenizerFormat::ByteLevelBpeVocab: return "vocab.json";
    }
    return "?";
}

struct GoldenLine {
    std::string text;
    std::optional<std::string> pair;
    std::vector<std::int32_t> ids;
    std::vector<std::string> tokens;
    std::vector<std::int32_t> typeIds;
    bool addSpecialTokens = true;
};

std::vector<GoldenLine> readGoldenFile(const std::filesystem::path& path) {
    std::vector<GoldenLine> lines;
    std::ifstream in(path);
    std::string raw;
    while (std::getline(in, raw)) {
        if (raw.empty()) continue;
        const auto j = nlohmann::json::parse(raw);
        GoldenLine g;
        g.text = j.at("text").get<std::string>();
        if (j.contains("pair") && !j["pair"].is_null()) g.pair = j["pair"].get<std::string>();
        g.ids = j.at("ids").get<std::vector<std::int32_t>>();
        g.tokens = j.at("tokens").get<std::vector<std::string>>();
        if (j.contains("token_type_ids") && !j["token_type_ids"].is_null()) {
            g.typeIds = j["token_type_ids"].get<std::vector<std::int32_t>>();
        }
        g.addSpecialTokens = j.value("add_special_tokens", true);
        lines.push_back(std::move(g));
    }
    return lines;
}

template <class T>
QString listText(const std::vector<T>& v) {
    QStringList parts;
    for (const auto& x : v) {
        if constexpr (std::is_same_v<T, std::string>) {
            parts << QString::fromStdString(x);
        } else {
            parts << QString::number(x);
        }
    }
    return "[" + parts.join(" ") + "]";
}

// Specials the tokenizer put around the text (not typed in it).
bool addedByTemplate(const core::Token& t) { return t.special && t.start == t.end; }

// Whether remove_extra_whitespaces could change `text`: a run of
// whitespace, whitespace at either end or next to a special token.
bool hasExtraWhitespace(const std::string& text) {
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    if (text.empty()) return false;
    if (space(text.front()) || space(text.back())) return true;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!space(text[i])) continue;
        if (text[i] != ' ' || (i + 1 < text.size() && space(text[i + 1]))) return true;
        if ((i > 0 && text[i - 1] == '>') || (i + 1 < text.size() && text[i + 1] == '<')) return true;
    }
    return false;
}

std::string withoutSpaces(std::string s) {
    s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
    return s;
}

}  // namespace

class TestGoldenTokenizers : public QObject {
    Q_OBJECT

private slots:
    void ids_data() { addRows(false); }
    void ids();
    void roundTrip_data() { addRows(true); }
    void roundTrip();
    void spans_data() { addRows(false); }
    void spans();
    void autoChoice();
    void archsAutoChoice();
    void albertFromModelType();
    void gptNeoxWhitespaceRuns();
    void pairLayouts_data();
    void pairLayouts();

private:
    void addRows(bool onlyLossless);
    core::Result<const core::Tokenizer*> tokenizer(const std::filesystem::path& dir, const std::optional<core::TokenizerFormat>& f);
    struct Row {
        const FileSpec* spec;
        std::size_t format;
        GoldenLine line;
        std::filesystem::path dir;  // the tokenizer folder; empty when absent
        std::string missing;        // why the row cannot run, when it cannot
    };
    Row fetchRow();
    // The GGUF file converted from `folder` (written once); empty, with
    // `why`, when the folder's vocabulary is absent.
    std::filesystem::path convertedGguf(const std::filesystem::path& folder, std::string& why);
    QTemporaryDir m_tmp;

    std::map<std::string, std::unique_ptr<core::Tokenizer>> m_tokenizers;
    std::map<std::string, std::vector<GoldenLine>> m_lines;
};

void TestGoldenTokenizers::addRows(bool onlyLossless) {
    QTest::addColumn<int>("spec");
    QTest::addColumn<int>("format");
    QTest::addColumn<int>("line");
    const auto golden = test::goldenDir();
    if (!golden) return;
    for (std::size_t s = 0; s < specs().size(); ++s) {
        const FileSpec& spec = specs()[s];
        if (onlyLossless && spec.roundTrip == RoundTrip::None) continue;
        const auto path = spec.jsonl(*golden);
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec)) {
            // One row that skips, naming the file.
            QTest::newRow((spec.label() + "/missing").c_str()) << static_cast<int>(s) << 0 << -1;
            continue;
        }
        auto& lines = m_lines[path.string()];
        if (lines.empty()) lines = readGoldenFile(path);
        for (std::size_t f = 0; f < spec.formats.size(); ++f) {
            for (std::size_t i = 0; i < lines.size(); ++i) {
                const std::string name = spec.label() + "/" + formatName(spec.formats[f]) + "/" + std::to_string(i + 1);
                QTest::newRow(name.c_str()) << static_cast<int>(s) << static_cast<int>(f) << static_cast<int>(i);
            }
        }
    }
}

std::filesystem::path TestGoldenTokenizers::convertedGguf(const std::filesystem::path& folder, std::string& why) {
    const auto out = std::filesystem::path(m_tmp.path().toStdString()) / (folder.filename().string() + ".gguf");
    std::error_code ec;
    if (std::filesystem::exists(out, ec)) return out;
    const bool bert = std::filesystem::exists(folder / "vocab.txt", ec);
    const auto source = folder / (bert ? "vocab.txt" : "tokenizer.json");
    const auto builder = bert ? test::bertVocabAsGguf(source) : test::gpt2VocabAsGguf(source, "olmo");
    if (!builder) {
        why = source.string() + " not found or unreadable";
        return {};
    }
    builder->write(out);
    return out;
}

core::Result<const core::Tokenizer*> TestGoldenTokenizers::tokenizer(const std::filesystem::path& dir,
                                                                     const std::optional<core::TokenizerFormat>& f) {
    auto& slot = m_tokenizers[dir.string() + "|" + formatName(f)];
    if (!slot) {
        auto loaded = f ? core::loadTokenizer(dir, *f) : core::loadTokenizer(dir);
        if (!loaded) return loaded.takeError();
        slot = std::move(loaded.value());
    }
    return static_cast<const core::Tokenizer*>(slot.get());
}

TestGoldenTokenizers::Row TestGoldenTokenizers::fetchRow() {
    QFETCH(int, spec);
    QFETCH(int, format);
    QFETCH(int, line);
    const FileSpec& s = specs()[static_cast<std::size_t>(spec)];
    Row row{&s, static_cast<std::size_t>(format), {}, {}, {}};
    const auto golden = test::goldenDir();
    const auto models = test::modelsDir();
    if (!golden) {
        row.missing = "golden reference folder not found (ATTNVIZ_GOLDEN_DIR)";
        return row;
    }
    if (line < 0) {
        row.missing = s.jsonl(*golden).string() + " not found";
        return row;
    }
    row.line = m_lines.at(s.jsonl(*golden).string())[static_cast<std::size_t>(line)];
    if (s.root != Root::Golden && !models) {
        row.missing = "shared models folder not found (ATTNVIZ_MODELS_DIR)";
        return row;
    }
    auto dir = s.folder(models.value_or(std::filesystem::path()), *golden);
    if (s.root == Root::Converted) {
        std::string why;
        dir = convertedGguf(dir, why);
        if (dir.empty()) {
            row.missing = why;
            return row;
        }
    }
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {  // a folder, or a .gguf file
        row.missing = "tokenizer folder " + dir.string() + " not found";
        return row;
    }
    row.dir = dir;
    return row;
}

void TestGoldenTokenizers::ids() {
    const Row row = fetchRow();
    if (!row.missing.empty()) QSKIP(row.missing.c_str());
    if (row.spec->whitespaceSkip && hasExtraWhitespace(row.line.text)) QSKIP(row.spec->whitespaceSkip);
    ATTNVIZ_UNWRAP(loaded, tokenizer(row.dir, row.spec->formats[row.format]));
    const core::Tokenizer& tok = *loaded;
    core::EncodeOptions options;
    options.addSpecialTokens = row.line.addSpecialTokens;
    const auto enc = row.line.pair ? tok.encode(row.line.text, std::string_view(*row.line.pair), options)
                                   : tok.encode(row.line.text, std::nullopt, options);
    QVERIFY2(enc.ok(), enc.ok() ? "" : enc.error().c_str());

    std::vector<std::string> pieces;
    for (const core::Token& t : enc->tokens) pieces.push_back(t.piece);
    const auto ids = enc->ids();
    QVERIFY2(ids == row.line.ids, qPrintable("ids " + listText(ids) + " " + listText(pieces) + "\nHF  " +
                                            listText(row.line.ids) + " " + listText(row.line.tokens)));
    QVERIFY2(pieces == row.line.tokens, qPrintable(listText(pieces) + " vs " + listText(row.line.tokens)));
    if (!row.line.typeIds.empty()) QCOMPARE(enc->typeIds(), row.line.typeIds);

    // The readable form is the same through the token and through the id.
    for (const core::Token& t : enc->tokens) {
        QCOMPARE(QString::fromStdString(t.display), QString::fromStdString(tok.display(t.id)));
        QCOMPARE(QString::fromStdString(t.piece), QString::fromStdString(tok.piece(t.id)));
        QVERIFY(!t.display.empty());
    }
}

void TestGoldenTokenizers::roundTrip() {
    const Row row = fetchRow();
    if (!row.missing.empty()) QSKIP(row.missing.c_str());
    ATTNVIZ_UNWRAP(loaded, tokenizer(row.dir, row.spec->formats[row.format]));
    const core::Tokenizer& tok = *loaded;
    const auto enc = tok.encode(row.line.text);
    QVERIFY2(enc.ok(), enc.ok() ? "" : enc.error().c_str());
    std::vector<std::int32_t> ids;
    for (const core::Token& t : enc->tokens) {
        if (!addedByTemplate(t)) ids.push_back(t.id);
    }
    const auto decoded = tok.decode(ids);
    QVERIFY2(decoded.ok(), decoded.ok() ? "" : decoded.error().c_str());
    if (row.spec->roundTrip == RoundTrip::Exact) {
        QCOMPARE(QString::fromStdString(decoded.value()), QString::fromStdString(row.line.text));
    } else if (row.spec->roundTrip == RoundTrip::Nfc) {
        QCOMPARE(QString::fromStdString(decoded.value()),
                 QString::fromStdString(row.line.text).normalized(QString::NormalizationForm_C));
    } else {
        QCOMPARE(QString::fromStdString(withoutSpaces(decoded.value())),
                 QString::fromStdString(withoutSpaces(row.line.text)));
    }
}

void TestGoldenTokenizers::spans() {
    const Row row = fetchRow();
    if (!row.missing.empty()) QSKIP(row.missing.c_str());
    ATTNVIZ_UNWRAP(loaded, tokenizer(row.dir, row.spec->formats[row.format]));
    const core::Tokenizer& tok = *loaded;
    const auto enc = row.line.pair ? tok.encode(row.line.text, std::string_view(*row.line.pair))
                                   : tok.encode(row.line.text);
    QVERIFY2(enc.ok(), enc.ok() ? "" : enc.error().c_str());
    for (int segment = 0; segment < (row.line.pair ? 2 : 1); ++segment) {
        const std::string& text = segment == 0 ? row.line.text : *row.line.pair;
        std::vector<bool> covered(text.size(), false);
        std::size_t previousStart = 0;
        std::size_t previousEnd = 0;
        for (const core::Token& t : enc->tokens) {
            if (t.segment != segment || addedByTemplate(t)) continue;
            QVERIFY2(t.start <= t.end && t.end <= text.size(),
                     qPrintable(QString("span [%1, %2) of '%3'").arg(t.start).arg(t.end).arg(t.piece.c_str())));
            // Several tokens can come from one input character (a Hangul
            // syllable decomposed into jamo): they share its span exactly.
            const bool sameCharacter = t.start == previousStart && t.end == previousEnd;
            QVERIFY2(t.start >= previousEnd || t.start == t.end || sameCharacter,
                     qPrintable(QString("'%1' [%2, %3) overlaps the previous token (ends at %4)")
                                    .arg(t.piece.c_str()).arg(t.start).arg(t.end).arg(previousEnd)));
            for (std::size_t b = t.start; b < t.end; ++b) covered[b] = true;
            if (t.start != t.end) previousStart = t.start;
            previousEnd = std::max(previousEnd, t.end);
        }
        // Bytes no token covers must be ones the tokenizer is known to drop.
        for (std::size_t b = 0; b < text.size();) {
            std::size_t len = 1;
            while (b + len < text.size() && (static_cast<unsigned char>(text[b + len]) & 0xC0) == 0x80) ++len;
            if (!covered[b]) {
                const QString c = QString::fromUtf8(text.data() + b, static_cast<int>(len));
                const char32_t cp = c.toUcs4().value(0);
                bool allowed = false;
                switch (row.spec->coverage) {
                case Coverage::Full: allowed = false; break;
                case Coverage::SpacesMayVanish: allowed = cp == U' '; break;
                case Coverage::WhitespaceAndControls: {
                    const auto cat = QChar::category(cp);
                    allowed = QChar::isSpace(cp) || cat == QChar::Other_Control || cat == QChar::Other_Format ||
                              cat == QChar::Mark_NonSpacing ||
                              cat == QChar::Other_PrivateUse || cat == QChar::Other_NotAssigned || cp == 0xFFFD;
                    break;
                }
                }
                QVERIFY2(allowed, qPrintable(QString("byte %1 (U+%2) is not covered by any token")
                                                 .arg(b).arg(static_cast<uint>(cp), 4, 16, QChar('0'))));
            }
            b += len;
        }
    }
}

void TestGoldenTokenizers::autoChoice() {
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "shared models folder");
    // Folders with a tokenizer.json use it; SentencePiece-only folders use tokenizer.model.
    const std::pair<const char*, const char*> expected[] = {{"tokenizers/bert-base-uncased", "wordpiece"},
                                                            {"tokenizers/gpt2", "byte-level-bpe"},
                                                            {"tokenizers/llama2-32k", "sentencepiece"},
                                                            {"stories260K", "sentencepiece"}};
    for (const auto& [dir, kind] : expected) {
        auto tok = core::loadTokenizer(models / dir);
        QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().c_str());
        QCOMPARE(QString::fromStdString((*tok)->kind()), QString(kind));
    }
}

void TestGoldenTokenizers::archsAutoChoice() {
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "golden reference folder");
    const auto archs = golden / "archs" / "fixtures";
    if (!std::filesystem::is_directory(archs)) QSKIP("golden/archs/fixtures not found");
    // ALBERT's spiece.model (AlbertTokenizer), GPT-NeoX's tokenizer.json, the
    // RoBERTa-style vocab.json + merges.txt, Llama's tokenizer.model.
    const std::pair<const char*, const char*> expected[] = {
        {"albert", "sentencepiece"}, {"electra", "wordpiece"},       {"gpt_neox", "byte-level-bpe"},
        {"opt", "byte-level-bpe"},   {"gemma", "sentencepiece"},     {"longformer", "byte-level-bpe"}};
    for (const auto& [dir, kind] : expected) {
        auto tok = core::loadTokenizer(archs / dir);
        QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().c_str());
        QCOMPARE(QString::fromStdString((*tok)->kind()), QString(kind));
    }
}

void TestGoldenTokenizers::albertFromModelType() {
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "golden reference folder");
    const auto fixture = golden / "archs" / "fixtures" / "albert";
    if (!std::filesystem::is_regular_file(fixture / "spiece.model")) QSKIP("golden/archs/fixtures/albert not found");
    // spiece.model with no tokenizer_config.json: config.json's model_type
    // names AlbertTokenizer (its defaults are the fixture's settings).
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::filesystem::path dir = tmp.path().toStdString();
    std::filesystem::copy_file(fixture / "spiece.model", dir / "spiece.model");
    auto withoutClass = core::loadTokenizer(dir);
    QVERIFY(!withoutClass.ok());
    QVERIFY2(withoutClass.error().find("spiece.model is read only as ALBERT's or T5's") != std::string::npos,
             withoutClass.error().c_str());
    std::ofstream(dir / "config.json") << R"({"model_type": "albert"})";
    auto tok = core::loadTokenizer(dir);
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().c_str());
    auto reference = core::loadTokenizer(fixture);
    QVERIFY2(reference.ok(), reference.ok() ? "" : reference.error().c_str());
    const char* text = "Crème fraîche at 10,000 [MASK] feet, ``quoted''.";
    const auto got = (*tok)->encode(text, std::string_view("Pair B"));
    const auto want = (*reference)->encode(text, std::string_view("Pair B"));
    QVERIFY(got.ok() && want.ok());
    QCOMPARE(got->ids(), want->ids());
    QCOMPARE(got->typeIds(), want->typeIds());
    QCOMPARE(got->ids().front(), 2);  // [CLS]
}

void TestGoldenTokenizers::gptNeoxWhitespaceRuns() {
    ATTNVIZ_REQUIRE_DIR(models, test::modelsDir, "shared models folder");
    const auto dir = models / "tokenizers" / "gpt-neox-20b";
    if (!std::filesystem::is_regular_file(dir / "tokenizer.json")) QSKIP("tokenizers/gpt-neox-20b not found");
    auto tok = core::loadTokenizer(dir);
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().c_str());
    // README-archs.md: the added runs of spaces are split off before BPE
    // (longest first), so the word after a run has no "Ġ".
    const auto run = (*tok)->encode("a    b");
    QVERIFY(run.ok());
    QCOMPARE(run->tokens.size(), std::size_t(3));
    QCOMPARE(QString::fromStdString(run->tokens[0].piece), QString("a"));
    QCOMPARE(run->tokens[1].id, 50274);
    QCOMPARE(QString::fromStdString(run->tokens[2].piece), QString("b"));
    const auto hello = (*tok)->encode("   Hello");
    QVERIFY(hello.ok());
    QCOMPARE(hello->tokens.size(), std::size_t(2));
    QCOMPARE(hello->tokens[0].id, 50275);
    QCOMPARE(QString::fromStdString(hello->tokens[1].piece), QString("Hello"));
    // Specials <|endoftext|>=0, <|padding|>=1; nothing added around the text.
    const auto specials = (*tok)->encode("<|endoftext|> <|padding|>");
    QVERIFY(specials.ok());
    QCOMPARE(specials->ids().front(), 0);
    QCOMPARE(specials->ids().back(), 1);
}

void TestGoldenTokenizers::pairLayouts_data() {
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<std::vector<std::int32_t>>("before");   // specials before A
    QTest::addColumn<std::vector<std::int32_t>>("between");  // specials between A and B
    QTest::addColumn<std::vector<std::int32_t>>("after");    // specials after B
    QTest::addColumn<bool>("typesFromSegments");
    // From each fixture's tokenizer_config.json and the slow classes'
    // build_inputs_with_special_tokens: RoBERTa <s>=0 </s>=2, BERT [CLS]=101
    // [SEP]=102, Llama <s>=1 (add_bos_token, no eos).
    using V = std::vector<std::int32_t>;
    QTest::newRow("roberta") << "roberta" << V{0} << V{2, 2} << V{2} << false;
    QTest::newRow("bert") << "bert" << V{101} << V{102} << V{102} << true;
    QTest::newRow("distilbert") << "distilbert" << V{101} << V{102} << V{102} << false;
    QTest::newRow("llama") << "llama" << V{1} << V{1} << V{} << false;
    QTest::newRow("gpt2") << "gpt2" << V{} << V{} << V{} << false;
}

void TestGoldenTokenizers::pairLayouts() {
    ATTNVIZ_REQUIRE_DIR(golden, test::goldenDir, "golden reference folder");
    QFETCH(QString, fixture);
    QFETCH(std::vector<std::int32_t>, before);
    QFETCH(std::vector<std::int32_t>, between);
    QFETCH(std::vector<std::int32_t>, after);
    QFETCH(bool, typesFromSegments);
    auto tok = core::loadTokenizer(golden / "fixtures" / fixture.toStdString());
    QVERIFY2(tok.ok(), tok.ok() ? "" : tok.error().c_str());
    core::EncodeOptions plain;
    plain.addSpecialTokens = false;
    const auto a = (*tok)->encode("The cat sat.", std::nullopt, plain);
    const auto b = (*tok)->encode("A dog ran!", std::nullopt, plain);
    const auto pair = (*tok)->encode("The cat sat.", std::string_view("A dog ran!"));
    QVERIFY(a.ok() && b.ok() && pair.ok());
    std::vector<std::int32_t> expected = before;
    const auto aIds = a->ids();
    const auto bIds = b->ids();
    expected.insert(expected.end(), aIds.begin(), aIds.end());
    expected.insert(expected.end(), between.begin(), between.end());
    const std::size_t bStart = expected.size();
    expected.insert(expected.end(), bIds.begin(), bIds.end());
    expected.insert(expected.end(), after.begin(), after.end());
    QCOMPARE(pair->ids(), expected);
    for (std::size_t i = 0; i < pair->tokens.size(); ++i) {
        const core::Token& t = pair->tokens[i];
        const bool inB = i >= bStart && i < bStart + bIds.size();
        if (!t.special) QCOMPARE(t.segment, inB ? 1 : 0);
        // BERT: 0 up to the first [SEP], 1 after; the others return no types.
        QCOMPARE(t.typeId, typesFromSegments && i >= before.size() + aIds.size() + between.size() ? 1 : 0);
    }
}

QTEST_APPLESS_MAIN(TestGoldenTokenizers)
#include "test_golden_tokenizers.moc"
