// SentencePiece tokenizer.model through the SentencePiece library, with the
// Hugging Face LlamaTokenizer conventions read from tokenizer_config.json
// (BOS/EOS, special tokens typed in the text).
#pragma once

#include "attnviz/core/tokenizer.h"

#include <memory>
#include <string>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace attnviz::core {

class SentencePieceTokenizer final : public Tokenizer {
public:
    static Result<std::unique_ptr<Tokenizer>> load(const std::filesystem::path& dir);
    ~SentencePieceTokenizer() override;

    Result<Encoding> encode(std::string_view text, std::optional<std::string_view> pair) const override;
    Result<std::string> decode(std::span<const std::int32_t> ids) const override;
    std::string piece(std::int32_t id) const override;
    std::string display(std::int32_t id) const override;
    std::int32_t vocabSize() const override;
    bool supportsPairs() const override { return true; }
    std::string kind() const override { return "sentencepiece"; }

private:
    SentencePieceTokenizer();
    Status encodeSegment(std::string_view text, int segment, std::vector<Token>& out) const;
    Token specialToken(std::int32_t id, int segment) const;

    std::unique_ptr<sentencepiece::SentencePieceProcessor> m_sp;
    bool m_addBos = true;
    bool m_addEos = false;
    std::vector<std::pair<std::string, std::int32_t>> m_specials;  // typed-in special strings
};

}  // namespace attnviz::core
