// SentencePiece tokenizer.model (ALBERT: spiece.model) through the
// SentencePiece library, wrapped the way the Hugging Face slow tokenizers
// wrap it (tokenizer_config.json):
// - LlamaTokenizer: special tokens typed in the text are cut out first,
//   BOS/EOS per add_bos_token/add_eos_token; `legacy: true` encodes every
//   chunk as a fresh SentencePiece call (with its dummy-prefix "▁"),
//   `legacy: false` prefixes "▁" once and encodes later chunks without it.
// - AlbertTokenizer: `[CLS] A [SEP] (B [SEP])` with token types 0/1, and its
//   preprocessing (remove_space, `` and '' -> ", keep_accents, do_lower_case).
// - T5Tokenizer (spiece.model): LlamaTokenizer's `legacy` handling, no BOS,
//   `A </s> (B </s>)` (no second "</s>" after a typed one), and the
//   `extra_ids` sentinels <extra_id_N> at the top of the id range; decode
//   is T5Tokenizer.decode's, spacing around special tokens included.
#pragma once

#include "added_vocabulary.h"
#include "tokenizer_config.h"

#include "attnviz/core/tokenizer.h"

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace attnviz::core {

// Whether a tokenizer class reads spiece.model (before tokenizer.model).
bool readsSpieceModel(const std::string& tokenizerClass);

class SentencePieceTokenizer final : public Tokenizer {
public:
    static Result<std::unique_ptr<Tokenizer>> load(const std::filesystem::path& dir, const TokenizerConfig& config);
    // A serialized ModelProto (a tokenizer.model file's bytes); `source`
    // names it in errors.
    static Result<std::unique_ptr<Tokenizer>> fromModelProto(const std::string& bytes, const std::string& source,
                                                             const TokenizerConfig& config);
    ~SentencePieceTokenizer() override;

    Result<Encoding> encode(std::string_view text, std::optional<std::string_view> pair,
                            const EncodeOptions& options) const override;
    Result<std::string> decode(std::span<const std::int32_t> ids) const override;
    std::string piece(std::int32_t id) const override;
    std::string display(std::int32_t id) const override;
    std::int32_t vocabSize() const override;
    bool supportsPairs() const override { return true; }
    std::string kind() const override { return "sentencepiece"; }

private:
    enum class Convention { Llama, Albert, T5 };

    SentencePieceTokenizer();
    // encode() without the guard that turns a failed allocation into an error.
    Result<Encoding> encodeText(std::string_view text, std::optional<std::string_view> pair,
                                const EncodeOptions& options) const;
    Status encodeSegment(std::string_view text, std::vector<Token>& out) const;
    // One SentencePiece call on `chunk`; `prefix` is glued in front of the
    // text and its pieces dropped (the non-legacy "<unk>" trick).
    void encodeChunk(const sentencepiece::SentencePieceProcessor& sp, const AlignedText& chunk,
                     std::size_t dropPieces, std::string_view prefix, std::vector<Token>& out) const;
    void encodeAlbertChunk(const AlignedText& chunk, std::vector<Token>& out) const;
    AlignedText albertPreprocess(const AlignedText& chunk) const;
    Token modelToken(std::int32_t id, ByteSpan span) const;
    Result<std::string> decodeT5(std::span<const std::int32_t> ids) const;
    Status addT5Sentinels(const TokenizerConfig& config, const std::string& source);
    Token specialToken(std::int32_t id) const;

    std::unique_ptr<sentencepiece::SentencePieceProcessor> m_sp;
    // The same model with add_dummy_prefix off (LlamaTokenizer, legacy false).
    std::unique_ptr<sentencepiece::SentencePieceProcessor> m_spNoPrefix;
    Convention m_convention = Convention::Llama;
    AddedVocabulary m_added;
    std::int32_t m_vocabSize = 0;  // SentencePiece pieces plus tokens added beyond them

    // LlamaTokenizer and T5Tokenizer
    bool m_addBos = true;
    bool m_addEos = false;
    bool m_legacy = true;
    bool m_addPrefixSpace = true;
    std::optional<std::int32_t> m_bosId;
    std::optional<std::int32_t> m_eosId;
    std::optional<std::int32_t> m_padId;
    std::int32_t m_unkId = -1;
    std::string m_unkToken = "<unk>";
    std::size_t m_unkPieces = 0;

    // T5Tokenizer's decode: additional_special_tokens, all special tokens,
    // the tokens decoded on their own (sentinels), clean_up_tokenization_spaces.
    std::unordered_set<std::string> m_additionalTexts;
    std::unordered_set<std::string> m_specialTexts;
    std::unordered_set<std::string> m_legacyTexts;
    bool m_cleanUpSpaces = false;

    // AlbertTokenizer
    bool m_lowerCase = false;
    bool m_keepAccents = false;
    bool m_removeSpace = true;
    std::optional<std::int32_t> m_clsId;
    std::optional<std::int32_t> m_sepId;
};

}  // namespace attnviz::core
