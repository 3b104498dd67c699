// WordPiece (BERT): greedy longest-match-first over a word's characters,
// continuation pieces prefixed with "##", the unknown token for a word that
// cannot be covered or is longer than `maxInputCharsPerWord` characters.
#pragma once

#include "subword_model.h"

#include <memory>
#include <unordered_map>

namespace attnviz::core {

class WordPieceModel final : public SubwordModel {
public:
    // `vocab[i]` is the token of id i ("" for an unused id).
    static Result<std::unique_ptr<WordPieceModel>> create(std::vector<std::string> vocab, std::string unkToken,
                                                          std::string continuingPrefix, std::size_t maxInputCharsPerWord);

    Status tokenize(std::string_view word, std::vector<SubToken>& out) const override;
    std::optional<std::int32_t> tokenToId(std::string_view token) const override;
    std::string idToToken(std::int32_t id) const override;
    std::int32_t vocabSize() const override { return static_cast<std::int32_t>(m_vocab.size()); }
    const std::string& continuingPrefix() const { return m_prefix; }

private:
    WordPieceModel() = default;

    std::vector<std::string> m_vocab;
    std::unordered_map<std::string, std::int32_t> m_ids;
    std::int32_t m_unkId = 0;
    std::string m_prefix;
    std::size_t m_maxChars = 100;
    std::size_t m_maxTokenBytes = 0;  // bounds the longest-match search
};

}  // namespace attnviz::core
