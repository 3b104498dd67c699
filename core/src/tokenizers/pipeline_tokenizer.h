// The Hugging Face tokenizer pipeline: added tokens -> normalizer ->
// pre-tokenizer -> subword model (WordPiece or BPE) -> post-processor, with a
// decoder for the way back. tokenizer.json files map onto it directly; the
// slow tokenizers' vocab.txt and vocab.json + merges.txt are loaded into the
// same parts, configured to behave like the Python classes.
#pragma once

#include "added_vocabulary.h"
#include "normalizer.h"
#include "post_processor.h"
#include "pre_tokenizer.h"
#include "subword_model.h"
#include "token_decoder.h"

#include "attnviz/core/tokenizer.h"

#include <memory>
#include <string>

namespace attnviz::core {

class PipelineTokenizer final : public Tokenizer {
public:
    // How vocabulary pieces are shown: as text, as GPT-2 byte symbols
    // (decoded to bytes first) or with "▁" for spaces.
    enum class DisplayStyle { Plain, ByteLevel, Metaspace };

    struct Parts {
        std::string kind;  // "wordpiece", "bpe", "byte-level-bpe"
        AddedVocabulary added;
        // Hugging Face fast tokenizers match `normalized` added tokens in
        // normalised text; the slow ones match every added token in the raw text.
        bool matchNormalizedAdded = true;
        bool rustWhitespace = true;  // for added-token lstrip/rstrip
        std::string textPrefix;      // slow GPT-2/RoBERTa add_prefix_space: " " before the whole text
        bool lowercaseFirst = false;  // slow do_lower_case pass before added tokens are matched
        Normalizer normalizer;
        PreTokenizer preTokenizer;
        std::unique_ptr<SubwordModel> model;
        PostProcessor postProcessor;
        TokenDecoder decoder;
        DisplayStyle display = DisplayStyle::Plain;
    };

    explicit PipelineTokenizer(Parts parts);

    Result<Encoding> encode(std::string_view text, std::optional<std::string_view> pair,
                            const EncodeOptions& options) const override;
    Result<std::string> decode(std::span<const std::int32_t> ids) const override;
    std::string piece(std::int32_t id) const override;
    std::string display(std::int32_t id) const override;
    std::int32_t vocabSize() const override;
    bool supportsPairs() const override { return true; }
    std::string kind() const override { return m_parts.kind; }

private:
    // encode() without the guard that turns a failed allocation into an error.
    Result<Encoding> encodeText(std::string_view text, std::optional<std::string_view> pair,
                                const EncodeOptions& options) const;
    Status encodeSegment(std::string_view text, std::vector<Token>& out) const;
    Status encodePlain(const AlignedText& text, std::vector<Token>& out) const;
    Token addedToken(const AddedToken& token, ByteSpan span) const;

    Parts m_parts;
};

}  // namespace attnviz::core
