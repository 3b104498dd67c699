// MarianTokenizer, Hugging Face's tokenizer of the OPUS-MT (Marian) models:
// two SentencePiece models, source.spm for the source text and target.spm
// for the target text, whose piece STRINGS are looked up in vocab.json (one
// map for both sides; target_vocab.json on the target side when
// tokenizer_config.json sets separate_vocabs). A piece missing there becomes
// <unk>. "</s>" ends the ids (a pair: A B </s>, with no "</s>" between).
// A language code ">>xx<<" at the start of a text chunk is one token, and
// every ">>...<<" is cut out of the text before SentencePiece sees it
// (MarianTokenizer.remove_language_code). decode is MarianTokenizer.decode's
// with this side's model (the target side's is Hugging Face's default; the
// source side's is its use_source_tokenizer=True).
#pragma once

#include "added_vocabulary.h"
#include "tokenizer_config.h"

#include "attnviz/core/tokenizer.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace attnviz::core {

class MarianTokenizer final : public Tokenizer {
public:
    enum class Side { Source, Target };

    // Needs source.spm, target.spm and vocab.json in `dir` (both models are
    // read whichever side is asked for, as MarianTokenizer does).
    static Result<std::unique_ptr<Tokenizer>> load(const std::filesystem::path& dir, const TokenizerConfig& config,
                                                   Side side);
    ~MarianTokenizer() override;

    Result<Encoding> encode(std::string_view text, std::optional<std::string_view> pair,
                            const EncodeOptions& options) const override;
    Result<std::string> decode(std::span<const std::int32_t> ids) const override;
    std::string piece(std::int32_t id) const override;
    std::string display(std::int32_t id) const override;
    std::int32_t vocabSize() const override { return m_vocabSize; }
    bool supportsPairs() const override { return true; }
    std::string kind() const override { return "sentencepiece"; }

private:
    MarianTokenizer();
    Result<Encoding> encodeText(std::string_view text, std::optional<std::string_view> pair,
                                const EncodeOptions& options) const;
    void encodeChunk(const AlignedText& chunk, std::vector<Token>& out) const;
    std::int32_t idOf(const std::string& piece) const;
    Token specialToken(std::int32_t id) const;

    std::unique_ptr<sentencepiece::SentencePieceProcessor> m_sp;  // this side's model
    std::unordered_map<std::string, std::int32_t> m_ids;          // this side's vocabulary
    std::vector<std::string> m_pieces;                             // (id) -> piece; gaps hold the unk token
    AddedVocabulary m_added;                                       // </s>, <unk>, <pad> and added tokens
    std::unordered_set<std::string> m_specialTexts;  // all_special_tokens (decode)
    std::unordered_set<std::string> m_legacyTexts;   // tokens decode leaves alone
    bool m_cleanUpSpaces = false;
    std::int32_t m_unkId = 0;
    std::int32_t m_eosId = 0;
    std::int32_t m_vocabSize = 0;
};

}  // namespace attnviz::core
