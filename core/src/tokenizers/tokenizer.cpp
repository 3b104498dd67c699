#include "attnviz/core/tokenizer.h"

#include "attnviz/core/gguf_file.h"
#include "attnviz/core/gguf_tokenizer.h"

#include "../message_text.h"
#include "../out_of_memory.h"
#include "marian_tokenizer.h"
#include "sentencepiece_tokenizer.h"
#include "tokenizer_config.h"
#include "tokenizer_json_loader.h"
#include "vocab_file_loader.h"

namespace attnviz::core {

std::vector<std::int32_t> Encoding::ids() const {
    std::vector<std::int32_t> out;
    out.reserve(tokens.size());
    for (const Token& t : tokens) out.push_back(t.id);
    return out;
}

std::vector<std::int32_t> Encoding::typeIds() const {
    std::vector<std::int32_t> out;
    out.reserve(tokens.size());
    for (const Token& t : tokens) out.push_back(t.typeId);
    return out;
}

std::optional<std::size_t> findInvalidUtf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        std::size_t len;
        std::uint32_t cp;
        if (c < 0x80) { ++i; continue; }
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
        else return i;
        if (i + len > n) return i;
        for (std::size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        // Overlong forms, surrogates and values beyond U+10FFFF are invalid.
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            return i;
        }
        i += len;
    }
    return std::nullopt;
}

Status requireValidUtf8(std::string_view text, std::optional<std::string_view> pair) {
    for (const auto& [segmentText, name] : {std::pair{text, "text"}, {pair.value_or(""), "pair text"}}) {
        if (const auto bad = findInvalidUtf8(segmentText)) {
            return makeError(ErrorCode::InvalidInput, std::string("the ") + name +
                                                          " is not valid UTF-8 (invalid byte at offset " +
                                                          std::to_string(*bad) + ")");
        }
    }
    return {};
}

namespace {

// `tok` with the file it was read from: the first of `names` in `dir`.
Result<std::unique_ptr<Tokenizer>> named(Result<std::unique_ptr<Tokenizer>> tok, const std::filesystem::path& dir,
                                         std::initializer_list<const char*> names) {
    if (!tok) return tok;
    std::error_code ec;
    for (const char* name : names) {
        if (std::filesystem::is_regular_file(dir / name, ec)) {
            (*tok)->setSource("'" + (dir / name).string() + "'");
            break;
        }
    }
    return tok;
}

// `side`: which text of an encoder-decoder folder (only Marian's differ).
Result<std::unique_ptr<Tokenizer>> findAndLoadTokenizer(const std::filesystem::path& dir, MarianTokenizer::Side side) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir, ec) && looksLikeGguf(dir)) {
        auto file = GgufFile::open(dir);
        if (!file) return file.takeError();
        return loadGgufTokenizer(*file);
    }
    if (!std::filesystem::is_directory(dir, ec)) {
        return makeError(ErrorCode::Io, "'" + dir.string() + "' is not a folder");
    }
    auto config = TokenizerConfig::load(dir);
    if (!config) return config.takeError();
    auto has = [&](const char* name) { return std::filesystem::is_regular_file(dir / name, ec); };

    // MarianTokenizer: named by the class (or config.json's model_type
    // marian), or a folder with its source.spm and no class at all.
    const std::string& cls = config->tokenizerClass();
    if (cls == "MarianTokenizer" || (cls.empty() && has("source.spm"))) {
        return MarianTokenizer::load(dir, config.value(), side);
    }

    // The slow SentencePiece classes are the reference for their models;
    // the SentencePiece library reproduces them exactly.
    const bool spiece = readsSpieceModel(cls);  // AlbertTokenizer, T5Tokenizer
    const bool sentencePieceClass = cls == "LlamaTokenizer" || cls == "CodeLlamaTokenizer" || spiece;
    const bool sentencePieceFile = has("tokenizer.model") || (spiece && has("spiece.model"));
    // The file SentencePieceTokenizer::load reads (spiece.model first for those classes).
    auto spNamed = [&] {
        auto tok = SentencePieceTokenizer::load(dir, config.value());
        return spiece ? named(std::move(tok), dir, {"spiece.model", "tokenizer.model"})
                      : named(std::move(tok), dir, {"tokenizer.model"});
    };
    if (sentencePieceClass && sentencePieceFile) return spNamed();

    std::string skipped;
    if (has("tokenizer.json")) {
        auto tok = loadTokenizerJson(dir / "tokenizer.json", config.value());
        if (tok) return named(std::move(tok), dir, {"tokenizer.json"});
        // A file we cannot read is an error; one that uses features we do not
        // implement gives way to the other files.
        if (tok.code() != ErrorCode::Unsupported) return tok.takeError();
        skipped = tok.error();
    }
    if (sentencePieceFile) return spNamed();
    if (has("vocab.txt")) return named(loadWordPieceVocab(dir, config.value()), dir, {"vocab.txt"});
    if (has("vocab.json") && has("merges.txt")) {
        return named(loadByteLevelBpeVocab(dir, config.value()), dir, {"vocab.json"});
    }

    std::string message = "no supported tokenizer in '" + dir.string() +
                          "' (looked for tokenizer.json, tokenizer.model, vocab.txt, vocab.json + merges.txt, "
                          "spiece.model for ALBERT and T5, source.spm + target.spm + vocab.json for Marian)";
    const bool foreignSpiece = has("spiece.model") && !spiece;
    if (foreignSpiece) {
        message += "; spiece.model is read only as ALBERT's or T5's (tokenizer_class AlbertTokenizer or "
                   "T5Tokenizer in tokenizer_config.json, or model_type albert or t5 in config.json)" +
                   (cls.empty() ? std::string() : ", not " + cls);
    }
    if (has("vocab.json") != has("merges.txt")) {
        message += "; " + std::string(has("vocab.json") ? "merges.txt" : "vocab.json") + " is missing";
    }
    if (!skipped.empty()) message += "; " + skipped;
    // Nothing there is a missing file; only files we do not handle is unsupported.
    return makeError(skipped.empty() && !foreignSpiece ? ErrorCode::Io : ErrorCode::Unsupported, message);
}

Result<std::unique_ptr<Tokenizer>> loadTokenizerOfFormat(const std::filesystem::path& dir, TokenizerFormat format) {
    auto config = TokenizerConfig::load(dir);
    if (!config) return config.takeError();
    switch (format) {
    case TokenizerFormat::TokenizerJson:
        return named(loadTokenizerJson(dir / "tokenizer.json", config.value()), dir, {"tokenizer.json"});
    case TokenizerFormat::SentencePiece:
        return readsSpieceModel(config->tokenizerClass())
                   ? named(SentencePieceTokenizer::load(dir, config.value()), dir, {"spiece.model", "tokenizer.model"})
                   : named(SentencePieceTokenizer::load(dir, config.value()), dir, {"tokenizer.model"});
    case TokenizerFormat::WordPieceVocab:
        return named(loadWordPieceVocab(dir, config.value()), dir, {"vocab.txt"});
    case TokenizerFormat::ByteLevelBpeVocab:
        return named(loadByteLevelBpeVocab(dir, config.value()), dir, {"vocab.json"});
    }
    return makeError(ErrorCode::Internal, "unknown tokenizer format");
}

std::string loadingWhat(const std::filesystem::path& dir) { return "the tokenizer of '" + dir.string() + "'"; }

// An error is one line whatever text of the files it quotes: the loaders
// quote names and patterns with quotedForMessage; oneLineError is the net.
Result<std::unique_ptr<Tokenizer>> oneLine(Result<std::unique_ptr<Tokenizer>> result) {
    return oneLineError(std::move(result));
}

}  // namespace

// Vocabularies, merge tables and their JSON run to hundreds of megabytes in
// memory; a failed allocation is reported, not thrown.
Result<std::unique_ptr<Tokenizer>> loadTokenizer(const std::filesystem::path& dir) {
    return oneLine(guardAllocation(loadingWhat(dir), std::nullopt,
                                   [&] { return findAndLoadTokenizer(dir, MarianTokenizer::Side::Source); }));
}

Result<std::unique_ptr<Tokenizer>> loadTargetTokenizer(const std::filesystem::path& dir) {
    return oneLine(guardAllocation(loadingWhat(dir), std::nullopt,
                                   [&] { return findAndLoadTokenizer(dir, MarianTokenizer::Side::Target); }));
}

Result<std::unique_ptr<Tokenizer>> loadTokenizer(const std::filesystem::path& dir, TokenizerFormat format) {
    return oneLine(guardAllocation(loadingWhat(dir), std::nullopt, [&] { return loadTokenizerOfFormat(dir, format); }));
}

}  // namespace attnviz::core
