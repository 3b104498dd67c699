// Text to token ids, behind one interface for every tokenizer family.
//
//   auto tok = loadTokenizer(modelDir);           // picks the right kind
//   Result<Encoding> enc = (*tok)->encode("The cat sat.");
//   for (const Token& t : enc->tokens) std::cout << t.id << " " << t.display << "\n";
#pragma once

#include "attnviz/core/result.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::core {

struct Token {
    std::int32_t id = 0;
    std::string piece;         // the vocabulary string (e.g. "Ġcat", "▁The", "##ing", "<0xE2>")
    std::string display;       // readable form for UI, CLI and exports
    std::size_t start = 0;     // byte span in the text of its segment (text or pair);
    std::size_t end = 0;       // start == end for specials the tokenizer adds (and for
                               // byte-fallback pieces that share a character with the next one)
    bool special = false;      // [CLS], <s>, ... (added or typed in the text)
    std::int32_t typeId = 0;   // token type (segment id) as the model sees it
    int segment = 0;           // 0: first text, 1: pair text
};

struct Encoding {
    std::vector<Token> tokens;

    std::vector<std::int32_t> ids() const;
    std::vector<std::int32_t> typeIds() const;
};

struct EncodeOptions {
    // false: no [CLS]/[SEP]/<s>/... around the text (Hugging Face's
    // add_special_tokens=False); special tokens typed in the text still count.
    bool addSpecialTokens = true;
};

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // `pair` is the second sentence of a sentence pair, if any. Text must be
    // valid UTF-8 (else an error naming the offset). encode is const and safe
    // to call from several threads at once.
    virtual Result<Encoding> encode(std::string_view text, std::optional<std::string_view> pair = std::nullopt,
                                    const EncodeOptions& options = {}) const = 0;
    // The text the ids stand for: special tokens as their text, the tokens
    // between them decoded as one run each (so encode then decode without
    // the added specials gives the input back where the tokenizer is
    // lossless); bytes that are not UTF-8 become U+FFFD. Unknown ids: error.
    virtual Result<std::string> decode(std::span<const std::int32_t> ids) const = 0;

    // The vocabulary string of an id and its readable form ("" when out of range).
    virtual std::string piece(std::int32_t id) const = 0;
    virtual std::string display(std::int32_t id) const = 0;
    virtual std::int32_t vocabSize() const = 0;
    virtual bool supportsPairs() const = 0;
    virtual std::string kind() const = 0;  // "sentencepiece", "wordpiece", "byte-level-bpe", "bpe"

    // The file it was read from as messages name it ("'dir/tokenizer.json'"),
    // set by loadTokenizer; "" for tokenizers built otherwise.
    const std::string& source() const { return m_source; }
    void setSource(std::string source) { m_source = std::move(source); }

private:
    std::string m_source;
};

// Chooses the tokenizer from the files in `dir`: tokenizer.json when its
// features are supported, else tokenizer.model (SentencePiece), vocab.txt
// (WordPiece), vocab.json + merges.txt (byte-level BPE). tokenizer_config.json
// sets the conventions (special tokens, lower-casing, ...); for the
// SentencePiece classes (LlamaTokenizer, AlbertTokenizer, T5Tokenizer)
// tokenizer.model is preferred (AlbertTokenizer and T5Tokenizer:
// spiece.model). MarianTokenizer folders (source.spm, target.spm, vocab.json)
// give the source side. The class is named by tokenizer_config.json or, for
// ALBERT, T5, Marian and BART, by config.json's model_type.
// Errors say which files were looked for.
Result<std::unique_ptr<Tokenizer>> loadTokenizer(const std::filesystem::path& dir);

// The target side of an encoder-decoder folder: Marian's target.spm through
// the shared vocab.json; for every other folder the same as loadTokenizer(dir).
// (Each side decodes with its own model: decode generated ids with this one.)
Result<std::unique_ptr<Tokenizer>> loadTargetTokenizer(const std::filesystem::path& dir);

// One particular file format of a folder, for comparing them.
enum class TokenizerFormat {
    TokenizerJson,      // tokenizer.json
    SentencePiece,      // tokenizer.model (AlbertTokenizer, T5Tokenizer: spiece.model)
    WordPieceVocab,     // vocab.txt
    ByteLevelBpeVocab,  // vocab.json + merges.txt
};
Result<std::unique_ptr<Tokenizer>> loadTokenizer(const std::filesystem::path& dir, TokenizerFormat format);

// UTF-8 validity of `text`: the byte offset of the first invalid sequence,
// or nullopt when valid.
std::optional<std::size_t> findInvalidUtf8(std::string_view text);
// Both segments of an input as valid UTF-8, or the error naming which one
// ("the pair text is not valid UTF-8 (invalid byte at offset 3)").
Status requireValidUtf8(std::string_view text, std::optional<std::string_view> pair);

}  // namespace attnviz::core
